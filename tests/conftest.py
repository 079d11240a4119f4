"""Fixtures shared by the whole suite.

Storage fixtures (engineering guide, principle 8: every storage test runs on SQLite *and* on a
real PostgreSQL server that the suite starts itself):

- ``postgres_server`` (session): a private PostgreSQL 15 cluster on a free loopback port.
- ``database_url``: a fresh, empty database per test, parametrized ``sqlite`` / ``postgresql``.
- ``repository``: :func:`rpiq.store.open_repository` on ``database_url`` (schema at head).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from rpiq.store import SqlPatientRepository, open_repository

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
SYNTHEA_DIR = SHARED_DIR / "data" / "synthea"

POSTGRES_BIN = Path(os.environ.get("RPIQ_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
POSTGRES_USER = "postgres"


@pytest.fixture(scope="session")
def synthea_dir() -> Path:
    """The ten Synthea patients, read in place from ../shared (never copied into the repo)."""
    if not SYNTHEA_DIR.is_dir():
        pytest.fail(f"test data missing: {SYNTHEA_DIR} (../shared must sit beside the repo)")
    return SYNTHEA_DIR


@dataclass(frozen=True)
class PostgresServer:
    """A running test cluster; databases are created and dropped through ``admin``."""

    host: str
    port: int
    admin: sa.Engine

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{POSTGRES_USER}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"t_{uuid.uuid4().hex}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop the database, ending any session still connected to it."""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: run its binaries as ``postgres`` when we are root."""
    return ["runuser", "-u", POSTGRES_USER, "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    if completed.returncode != 0:
        pytest.fail(
            f"{what} failed ({completed.returncode}): {completed.stderr or completed.stdout}"
        )


def _start_cluster(workdir: Path) -> int:
    """initdb + pg_ctl start on a free port (retried if another process takes the port)."""
    _run(
        [*_as_postgres_user(), str(POSTGRES_BIN / "initdb"), "-D", str(workdir / "data"),
         "-A", "trust", "-U", POSTGRES_USER, "--no-sync"],
        "initdb",
    )  # fmt: skip
    last_error = ""
    for _attempt in range(3):
        port = _free_port()
        options = (
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        completed = subprocess.run(
            [*_as_postgres_user(), str(POSTGRES_BIN / "pg_ctl"), "-D", str(workdir / "data"),
             "-o", options, "-l", str(workdir / "log"), "-w", "start"],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        if completed.returncode == 0:
            return port
        last_error = completed.stderr or completed.stdout
    log = (workdir / "log").read_text(errors="replace") if (workdir / "log").exists() else ""
    pytest.fail(f"pg_ctl start failed: {last_error}\n{log}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster for the test session, stopped and removed afterwards."""
    if not (POSTGRES_BIN / "pg_ctl").exists():
        pytest.fail(
            f"PostgreSQL server binaries not found in {POSTGRES_BIN}: install the Debian "
            "package 'postgresql' (or set RPIQ_POSTGRES_BIN); storage tests need a real server"
        )
    workdir = Path(tempfile.mkdtemp(prefix="rpiq-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user=POSTGRES_USER, group=POSTGRES_USER)
    try:
        port = _start_cluster(workdir)
        admin = sa.create_engine(
            f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{port}/postgres",
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        yield PostgresServer("127.0.0.1", port, admin)
        admin.dispose()
    finally:
        subprocess.run(
            [*_as_postgres_user(), str(POSTGRES_BIN / "pg_ctl"), "-D", str(workdir / "data"),
             "-m", "fast", "-w", "stop"],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file, or a new database on the test cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rpiq.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def repository(database_url: str) -> Iterator[SqlPatientRepository]:
    """A repository on ``database_url`` with the schema at head; closed after the test."""
    opened = open_repository(database_url)
    try:
        yield opened
    finally:
        opened.close()
