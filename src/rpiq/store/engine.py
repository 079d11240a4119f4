"""Engines for the two supported databases, and the one place database errors are worded.

SQLite (embedded, ``sqlite:///path``) gets WAL journaling, foreign keys, a busy timeout and
``synchronous=NORMAL`` on every connection. Its transactions are real: pysqlite's implicit
transaction handling is switched off and rpiq emits ``BEGIN`` itself, so a read sees one
snapshot across several ``SELECT`` statements, and a write transaction may ask for
``BEGIN IMMEDIATE`` (execution option :data:`SQLITE_BEGIN_OPTION`) to take the write lock up
front instead of failing on a lock upgrade. Connections may be used from any thread (the DICOM
server answers from a thread per association).

PostgreSQL (at scale) is reached through psycopg 3: ``postgresql+psycopg://``; plain
``postgresql://`` and ``postgres://`` are mapped to it. An outage never hangs a caller for long
and never needs a restart: every pooled connection is pinged when it is checked out
(``pool_pre_ping``; a connection the server dropped is replaced, and a disconnect seen during a
statement invalidates the whole pool), a connection attempt gives up after
:data:`POSTGRES_CONNECT_TIMEOUT` seconds, TCP keepalives and ``tcp_user_timeout`` detect a peer
that vanished, and a server engine (``statement_timeout``) bounds each statement. Parameters
given in the URL's query string win over these defaults.

Error messages never carry SQL parameters or driver details (which can quote patient data):
see :func:`describe_database_error`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from rpiq.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT = 5  # seconds (libpq ``connect_timeout``)
POSTGRES_TCP_USER_TIMEOUT_MS = 15000  # unacknowledged data after which the socket is dropped
_POSTGRES_KEEPALIVES = {  # probe an idle connection after 10 s, give up after 3 more x 5 s
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
SQLITE_BEGIN_OPTION = "rpiq_sqlite_begin"
"""Execution option naming the SQLite ``BEGIN`` flavour (``"IMMEDIATE"``) of a transaction."""

_SQLITE_BEGIN_KINDS = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})
_POSTGRES_DRIVERS = {"postgresql", "postgres", "postgresql+psycopg"}
_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite"}


def create_engine_for(
    url: str, *, pool_size: int | None = None, statement_timeout: float | None = None
) -> sa.Engine:
    """An engine for a ``sqlite:///...`` or ``postgresql[+psycopg]://...`` URL.

    ``pool_size`` is the number of connections the pool keeps (SQLAlchemy's default, 5, when
    ``None``); the server passes its lookup limit so that every lookup it admits gets a
    connection at once instead of queueing on the pool. The pool's overflow (10 more
    connections, opened on demand) stays as headroom for other users of the engine. An
    in-memory SQLite database has one shared connection whatever ``pool_size`` says.

    ``statement_timeout`` (seconds, PostgreSQL only): the server's bound on each statement,
    so that a lookup never waits on a lock forever (imports leave it unset).

    Raises :class:`~rpiq.errors.ConfigError` for a URL that cannot be used or a
    ``pool_size`` below 1. Nothing is connected yet: an unreachable database shows up on
    first use, as ``StoreError``.
    """
    if pool_size is not None and pool_size < 1:
        raise ConfigError(f"database pool size must be at least 1, not {pool_size}")
    pool = {} if pool_size is None else {"pool_size": pool_size}
    parsed = _parse(url)
    if parsed.drivername in _SQLITE_DRIVERS:
        return _sqlite_engine(parsed, pool)
    if parsed.drivername in _POSTGRES_DRIVERS:
        return _postgres_engine(
            parsed.set(drivername="postgresql+psycopg"), pool, statement_timeout
        )
    shown = parsed.render_as_string(hide_password=True)
    raise ConfigError(
        f"unsupported database URL {shown!r}: use sqlite:///FILE or postgresql://USER@HOST/DB"
    )


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (exc.ArgumentError, ValueError) as error:
        raise ConfigError(
            f"database URL cannot be parsed ({error.__class__.__name__}): expected "
            "sqlite:///FILE or postgresql://USER@HOST[:PORT]/DB"
        ) from None


def _postgres_engine(url: URL, pool: dict[str, int], statement_timeout: float | None) -> sa.Engine:
    """Pre-ping, bounded connection attempts, keepalives; the URL's own parameters win."""
    connect_args: dict[str, Any] = {
        "connect_timeout": POSTGRES_CONNECT_TIMEOUT,
        "tcp_user_timeout": POSTGRES_TCP_USER_TIMEOUT_MS,
        **_POSTGRES_KEEPALIVES,
    }
    if statement_timeout is not None:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    for given in url.query:
        connect_args.pop(given, None)
    return sa.create_engine(
        url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args, **pool
    )


def _sqlite_engine(url: URL, pool: dict[str, int]) -> sa.Engine:
    in_memory = url.database in (None, "", ":memory:")
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False},
        "hide_parameters": True,
    }
    if in_memory:
        # One shared connection, so every user sees the same in-memory database.
        options["poolclass"] = StaticPool
    else:
        options.update(pool)
    engine = sa.create_engine(url, **options)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """Pragmas for every new SQLite connection; rpiq, not pysqlite, emits ``BEGIN``."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: sa.Connection) -> None:
    kind = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED"))
    if kind not in _SQLITE_BEGIN_KINDS:
        raise ConfigError(f"unknown SQLite BEGIN kind {kind!r}")
    connection.exec_driver_sql(f"BEGIN {kind}")


def describe_database_error(error: BaseException) -> str:
    """A message for a database failure that quotes no SQL parameters and no row values.

    PostgreSQL's primary message (never its DETAIL, which quotes key values) and SQLite's
    message (which names tables and constraints, not values) are kept.
    """
    original = error.orig if isinstance(error, exc.DBAPIError) else error
    kind = type(original).__name__
    if isinstance(original, psycopg.Error):
        diag = original.diag
        primary = diag.message_primary or _first_line(str(original))
        state = f" [SQLSTATE {original.sqlstate}]" if original.sqlstate else ""
        return f"database error ({kind}{state}): {primary}"
    if isinstance(original, sqlite3.Error):
        return f"database error ({kind}): {original}"
    if isinstance(original, exc.StatementError):
        # Bind-time failure: the message may describe a parameter; name the class only.
        cause = type(original.orig).__name__
        return f"database error ({kind} from {cause})"
    if isinstance(original, exc.SQLAlchemyError):
        return f"database error ({kind}): {_first_line(str(original))}"
    return f"database error ({kind})"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
