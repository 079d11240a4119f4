"""rpiq.encode layer (see ../shared/guides/engineering.md)."""
