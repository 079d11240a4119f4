"""rpiq.net layer (see ../shared/guides/engineering.md)."""
