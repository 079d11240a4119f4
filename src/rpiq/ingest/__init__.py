"""rpiq.ingest layer (see ../shared/guides/engineering.md)."""
