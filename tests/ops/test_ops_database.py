"""The server's database engine and watch: bounded statements, URL parameters, schema
upgrades retried until the database is there, a rate-limited health probe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from net.support import ISSUER, save_test_patients
from rpiq.errors import StoreError
from rpiq.store import SqlPatientRepository, create_engine_for, open_repository
from rpiq.store.health import DatabaseWatch

if TYPE_CHECKING:
    from conftest import PostgresServer


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database()
    url = postgres_server.url(name)
    with open_repository(url) as repository:
        save_test_patients(repository)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.mark.postgres
def test_a_statement_timeout_bounds_a_lookup_stuck_on_a_lock(postgres_database: str) -> None:
    repository = SqlPatientRepository(create_engine_for(postgres_database, statement_timeout=0.5))
    locker = sa.create_engine(postgres_database, poolclass=sa.pool.NullPool)
    try:
        with locker.connect() as lock:
            lock.exec_driver_sql("BEGIN")
            lock.exec_driver_sql("LOCK TABLE patient IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(StoreError) as caught:
                repository.find_patients("NET-001", ISSUER)
            assert 0.4 < time.monotonic() - started < 5
            assert "NET-001" not in str(caught.value)
            assert "canceling statement due to statement timeout" in str(caught.value)
            lock.exec_driver_sql("ROLLBACK")
        assert len(repository.find_patients("NET-001", ISSUER)) == 1  # the pool recovered
    finally:
        locker.dispose()
        repository.close()


@pytest.mark.postgres
def test_parameters_in_the_url_win_over_the_server_defaults(postgres_database: str) -> None:
    url = f"{postgres_database}?options=-c%20statement_timeout%3D1234"
    for engine, expected in (
        (create_engine_for(url, statement_timeout=0.5), "1234ms"),
        (create_engine_for(postgres_database, statement_timeout=0.5), "500ms"),
        (create_engine_for(postgres_database), "0"),
    ):
        try:
            with engine.connect() as connection:
                shown = connection.exec_driver_sql("SHOW statement_timeout").scalar()
        finally:
            engine.dispose()
        assert shown == expected


def test_the_watch_upgrades_the_schema_once_the_database_can_be_opened(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'rpiq.db'}"
    engine = create_engine_for(url)
    watch = DatabaseWatch(engine, retry_min=0.05, retry_max=0.2, probe_ttl=0.0)
    try:
        assert watch.start() is False  # the folder is missing: SQLite cannot open the file
        state = watch.probe()
        assert not state.up
        assert "database error" in state.detail
        folder.mkdir()
        assert watch.wait_ready(10)
        assert watch.probe().up
        with open_repository(url) as repository:  # at head: nothing left to upgrade
            assert repository.count_patients() == 0
    finally:
        watch.stop()
        engine.dispose()


def test_the_probe_is_remembered_for_its_ttl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rpiq.db'}"
    engine = create_engine_for(url)
    now = [100.0]
    watch = DatabaseWatch(engine, probe_ttl=5.0, clock=lambda: now[0])
    try:
        assert watch.start()
        assert watch.probe().up
        engine.dispose()
        (tmp_path / "rpiq.db").unlink()
        (tmp_path / "rpiq.db").mkdir()  # the database file is gone: a probe now fails
        now[0] += 4.0
        assert watch.probe().up  # remembered
        now[0] += 2.0
        state = watch.probe()
        assert not state.up
        assert not watch.ready
    finally:
        watch.stop()
        engine.dispose()
