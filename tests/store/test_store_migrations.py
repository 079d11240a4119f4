"""The Alembic migrations produce exactly ``rpiq.store.schema``, once, transactionally."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rpiq.errors import MigrationError, StoreError
from rpiq.store import create_engine_for, open_repository, upgrade_schema
from rpiq.store.migrate import head_revision, schema_revision
from rpiq.store.schema import metadata

RPIQ_TABLES = {"patient", "patient_identifier", "clinical_fact"}


def schema_differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrations_produce_exactly_the_schema_module(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        assert schema_revision(engine) is None
        upgrade_schema(engine)
        assert schema_differences(engine) == []
        assert set(sa.inspect(engine).get_table_names()) == RPIQ_TABLES | {"alembic_version"}
        assert schema_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_lookup_columns_are_indexed_as_a_pair(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        upgrade_schema(engine)
        indexes = sa.inspect(engine).get_indexes("patient_identifier")
        assert ["patient_id", "issuer_of_patient_id"] in [ix["column_names"] for ix in indexes]
    finally:
        engine.dispose()


def test_a_difference_would_be_detected(database_url: str) -> None:
    """The comparison above can fail: a table changed behind Alembic's back is reported."""
    engine = create_engine_for(database_url)
    try:
        upgrade_schema(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE clinical_fact ADD COLUMN extra INTEGER")
        assert schema_differences(engine) != []
    finally:
        engine.dispose()


def test_upgrading_twice_is_a_no_op(database_url: str) -> None:
    first = open_repository(database_url)
    try:
        first.save_patients([])
        upgrade_schema(first.engine)
        upgrade_schema(first.engine)
        assert schema_revision(first.engine) == head_revision()
        assert schema_differences(first.engine) == []
        with first.engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        assert [row[0] for row in versions] == [head_revision()]
    finally:
        first.close()
    second = open_repository(database_url)
    second.close()


def test_a_failed_upgrade_raises_migration_error_and_leaves_nothing(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            # A foreign table in the way of the last CREATE TABLE of revision 0001.
            connection.exec_driver_sql("CREATE TABLE clinical_fact (unrelated INTEGER)")
        with pytest.raises(MigrationError, match="schema upgrade failed") as raised:
            upgrade_schema(engine)
        assert isinstance(raised.value, StoreError)
        assert set(sa.inspect(engine).get_table_names()) == {"clinical_fact"}
        assert schema_revision(engine) is None
    finally:
        engine.dispose()
