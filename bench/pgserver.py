"""A throwaway PostgreSQL 15 cluster for a benchmark run (the way tests/conftest.py starts one).

tests/conftest.py reports failures through ``pytest.fail`` and lives in the test tree, so the
benchmarks carry this small starter of their own::

    with throwaway_postgres() as cluster:
        url = cluster.url(cluster.create_database())

The cluster runs as the ``postgres`` user when we are root (PostgreSQL refuses root), on a free
loopback port, with fsync off (as in the test suite: the figures are for the import code and
the SQL it issues, not for the disk). Everything is removed on exit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

POSTGRES_BIN = Path(os.environ.get("RPIQ_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
POSTGRES_USER = "postgres"
COMMAND_TIMEOUT_S = 60
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass(frozen=True)
class PostgresCluster:
    """A running cluster; ``admin`` is an AUTOCOMMIT engine on the ``postgres`` database."""

    port: int
    admin: sa.Engine

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"bench_{uuid.uuid4().hex}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_postgres_user() -> list[str]:
    return ["runuser", "-u", POSTGRES_USER, "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg(workdir: Path, tool: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_as_postgres_user(), str(POSTGRES_BIN / tool), "-D", str(workdir / "data"), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=COMMAND_TIMEOUT_S,
    )


def _start(workdir: Path) -> int:
    initdb = _pg(workdir, "initdb", "-A", "trust", "-U", POSTGRES_USER, "--no-sync")
    if initdb.returncode != 0:
        raise RuntimeError(f"initdb failed: {initdb.stderr or initdb.stdout}")
    port = _free_port()
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 {SERVER_OPTIONS}"
    started = _pg(workdir, "pg_ctl", "-o", options, "-l", str(workdir / "log"), "-w", "start")
    if started.returncode != 0:
        raise RuntimeError(f"pg_ctl start failed: {started.stderr or started.stdout}")
    return port


@contextmanager
def throwaway_postgres() -> Iterator[PostgresCluster]:
    """Start a private cluster; stop it and delete its files on exit."""
    if not (POSTGRES_BIN / "pg_ctl").exists():
        raise RuntimeError(f"PostgreSQL server binaries not found in {POSTGRES_BIN}")
    workdir = Path(tempfile.mkdtemp(prefix="rpiq-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user=POSTGRES_USER, group=POSTGRES_USER)
    try:
        port = _start(workdir)
        admin = sa.create_engine(
            f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{port}/postgres",
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        try:
            yield PostgresCluster(port, admin)
        finally:
            admin.dispose()
    finally:
        _pg(workdir, "pg_ctl", "-m", "fast", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)
