"""Alembic migrations of the rpiq schema (run by :func:`rpiq.store.migrate.upgrade_schema`)."""
