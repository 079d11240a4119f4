"""Alembic environment: runs on the connection :func:`rpiq.store.migrate.upgrade_schema` passes.

There is no ``alembic.ini`` and no logging setup here: the caller builds the Alembic ``Config``
in code and owns the connection and its transaction.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from rpiq.store.schema import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("rpiq migrations run through rpiq.store.migrate.upgrade_schema only")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("rpiq migrations have no offline (SQL script) mode")
run_migrations_online()
