"""Storage layer: the repository interface and its SQL implementation.

>>> repository = open_repository("sqlite:///rpiq.db")  # doctest: +SKIP
>>> repository.find_patients("12345", None)  # doctest: +SKIP
"""

from __future__ import annotations

from rpiq.errors import MigrationError
from rpiq.store.engine import create_engine_for
from rpiq.store.migrate import upgrade_schema
from rpiq.store.repository import (
    ImportRepository,
    PatientRepository,
    PatientWrites,
    SaveOutcome,
    UpdateResult,
)
from rpiq.store.sql import SqlPatientRepository

__all__ = [
    "ImportRepository",
    "PatientRepository",
    "PatientWrites",
    "SaveOutcome",
    "SqlPatientRepository",
    "UpdateResult",
    "create_engine_for",
    "open_repository",
    "upgrade_schema",
]


def open_repository(url: str, *, pool_size: int | None = None) -> SqlPatientRepository:
    """A repository on the database at ``url``, its schema upgraded to the newest revision.

    ``pool_size``: connections kept by the pool (see :func:`create_engine_for`); the server
    passes its lookup limit. Raises ``ConfigError`` for an unusable URL and
    ``MigrationError`` (a ``StoreError``) when the database cannot be reached or upgraded.
    """
    engine = create_engine_for(url, pool_size=pool_size)
    try:
        upgrade_schema(engine)
    except MigrationError:
        engine.dispose()
        raise
    return SqlPatientRepository(engine)
