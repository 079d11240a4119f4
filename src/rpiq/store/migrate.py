"""Bring a database's schema up to date with the Alembic migrations shipped in the package.

No ``alembic.ini`` is needed: the Alembic ``Config`` is built here and points at the
``rpiq.store:migrations`` package directory. The upgrade runs in one transaction, serialised
between processes (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so two
servers starting on a fresh database do not race to create the tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from rpiq.errors import MigrationError
from rpiq.store.engine import SQLITE_BEGIN_OPTION, describe_database_error

SCRIPT_LOCATION = "rpiq.store:migrations"
_MIGRATION_LOCK_KEY = 0x72706971  # "rpiq": pg_advisory_xact_lock key of schema upgrades


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic configuration for rpiq's migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this version of rpiq knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise MigrationError("no migrations found in the rpiq package")
    return head


def schema_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at (``None`` for a database rpiq never touched)."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        raise MigrationError(
            f"cannot read schema revision: {describe_database_error(error)}"
        ) from None


def upgrade_schema(engine: sa.Engine) -> None:
    """Upgrade the schema to the newest revision; a no-op when it is already there.

    Raises :class:`~rpiq.errors.MigrationError` when the database cannot be reached or
    the upgrade fails (the transaction is rolled back).
    """
    try:
        with engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                    )
                command.upgrade(alembic_config(connection), "head")
    except SQLAlchemyError as error:
        raise MigrationError(f"schema upgrade failed: {describe_database_error(error)}") from None
    except CommandError as error:
        raise MigrationError(f"schema upgrade failed: {error}") from None
