"""rpiq.service layer (see ../shared/guides/engineering.md)."""
