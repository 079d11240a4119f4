"""Engines: URL handling, SQLite connection settings, PostgreSQL through psycopg 3."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import QueuePool, StaticPool

from rpiq.errors import ConfigError, StoreError
from rpiq.store import create_engine_for, open_repository
from rpiq.store.engine import SQLITE_BUSY_TIMEOUT_MS, describe_database_error


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "mysql://user@host/db",
        "postgresql+psycopg2://user@host/db",
        "postgresql+asyncpg://user:s3cret@host/db",
        "postgresql://user@host:notaport/db",
    ],
)
def test_unusable_urls_raise_config_error_without_the_password(url: str) -> None:
    with pytest.raises(ConfigError, match="database URL") as raised:
        create_engine_for(url)
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize(
    "url", ["postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"]
)
def test_postgresql_urls_use_psycopg_3(url: str) -> None:
    engine = create_engine_for(url)
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    engine.dispose()


def _settings_seen_from_another_thread(engine: sa.Engine) -> dict[str, object]:
    seen: dict[str, object] = {}

    def probe() -> None:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                for pragma in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous"):
                    seen[pragma] = connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
            else:
                seen["encoding"] = connection.exec_driver_sql("SHOW client_encoding").scalar()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return seen


def test_connection_settings(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.connect():
            pass  # a connection made on this thread, then reused from another one
        seen = _settings_seen_from_another_thread(engine)
    finally:
        engine.dispose()
    if database_url.startswith("sqlite"):
        assert seen == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
            "synchronous": 1,  # NORMAL
        }
    else:
        assert seen == {"encoding": "UTF8"}


def test_reads_in_one_transaction_see_one_snapshot(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        with engine.connect() as reader:
            if engine.dialect.name == "postgresql":
                reader.execution_options(isolation_level="REPEATABLE READ")
            with reader.begin():
                before = reader.exec_driver_sql("SELECT count(*) FROM t").scalar()
                with engine.begin() as writer:
                    writer.exec_driver_sql("INSERT INTO t VALUES (1)")
                after = reader.exec_driver_sql("SELECT count(*) FROM t").scalar()
        assert (before, after) == (0, 0)
    finally:
        engine.dispose()


def test_database_errors_are_described_without_values(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (name VARCHAR(20) UNIQUE)")
            connection.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": "Secret^Name"})
        with pytest.raises(sa.exc.IntegrityError) as raised, engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": "Secret^Name"})
    finally:
        engine.dispose()
    assert "Secret" in str(raised.value.orig) or engine.dialect.name == "sqlite"
    message = describe_database_error(raised.value)
    assert "Secret" not in message
    assert "IntegrityError" in message or "UniqueViolation" in message
    assert not isinstance(raised.value, StoreError)


SQLALCHEMY_DEFAULT_POOL = 5
SQLALCHEMY_DEFAULT_OVERFLOW = 10


def _queue_pool(engine: sa.Engine) -> QueuePool:
    assert isinstance(engine.pool, QueuePool)
    return engine.pool


def test_pool_holds_as_many_connections_as_asked(database_url: str) -> None:
    asked = SQLALCHEMY_DEFAULT_POOL + SQLALCHEMY_DEFAULT_OVERFLOW + 5  # more than the default
    engine = create_engine_for(database_url, pool_size=asked)
    try:
        pool = _queue_pool(engine)
        assert pool.size() == asked
        with ExitStack() as stack:  # all at once, none beyond the pool's own size
            for _ in range(asked):
                stack.enter_context(engine.connect()).exec_driver_sql("SELECT 1")
            assert pool.checkedout() == asked
            assert pool.overflow() == 0
    finally:
        engine.dispose()


def test_open_repository_passes_the_pool_size_on(database_url: str) -> None:
    repository = open_repository(database_url, pool_size=7)
    try:
        assert _queue_pool(repository.engine).size() == 7
    finally:
        repository.close()


@pytest.mark.parametrize("url", ["sqlite:///rpiq.db", "postgresql://u@h/db"])
def test_other_callers_keep_sqlalchemys_default_pool(url: str) -> None:
    engine = create_engine_for(url)
    try:
        assert _queue_pool(engine).size() == SQLALCHEMY_DEFAULT_POOL
    finally:
        engine.dispose()


def test_in_memory_sqlite_keeps_its_one_shared_connection() -> None:
    engine = create_engine_for("sqlite://", pool_size=12)
    try:
        assert isinstance(engine.pool, StaticPool)
    finally:
        engine.dispose()


def test_pool_size_below_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="pool size"):
        create_engine_for("sqlite:///rpiq.db", pool_size=0)
