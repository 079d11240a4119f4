"""Fixtures for the net layer: real servers on port 0 over real databases, and wire recorders.

Every server here is an in-process :class:`RpiServer` bound to 127.0.0.1 port 0; ``start()``
returns once its accept loop runs (no fixed port, no sleep). The patients are saved through the
repository, so every query goes through the real service, templates, encoder and SQL store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from net.support import WireRecorder, save_test_patients
from rpiq.config import ServerSettings
from rpiq.net.client import RpiClient
from rpiq.net.server import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import PatientRepository, SqlPatientRepository, open_repository


@pytest.fixture(scope="module")
def sqlite_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlPatientRepository]:
    """A real SQLite database holding :data:`TEST_PATIENTS`, shared by a test module."""
    path: Path = tmp_path_factory.mktemp("net") / "rpiq.db"
    repository = open_repository(f"sqlite:///{path}")
    save_test_patients(repository)
    try:
        yield repository
    finally:
        repository.close()


StartServer = Callable[..., RpiServer]


@pytest.fixture
def start_server(sqlite_repository: SqlPatientRepository) -> Iterator[StartServer]:
    """``start_server(repository=None, service=None, **settings)``: a running server on
    127.0.0.1:0 (stopped after the test)."""
    servers: list[RpiServer] = []

    def start(
        repository: PatientRepository | None = None, service: Any = None, **settings: Any
    ) -> RpiServer:
        chosen = service or QueryService(repository or sqlite_repository, 8)
        server = RpiServer(ServerSettings(host="127.0.0.1", port=0, **settings), chosen)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(grace=2.0)


@pytest.fixture
def server(start_server: StartServer) -> RpiServer:
    """A server with the default settings."""
    return start_server()


@pytest.fixture
def client() -> RpiClient:
    return RpiClient(timeout=10.0)


@pytest.fixture
def recorder() -> WireRecorder:
    return WireRecorder()
