"""Alembic revision scripts, oldest first (Alembic ignores this file)."""
