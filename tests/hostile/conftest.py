"""Fixtures for the hostile-input suite: one place chooses the server engine under test.

``server_class`` is the only place that names the engine: :data:`ENGINES` maps a name to the
module whose ``RpiServer`` is tested, ``RPIQ_HOSTILE_ENGINE`` picks one (default
:data:`DEFAULT_ENGINE`). The suite was first written against the pynetdicom-thread server,
which is gone; an engine added later is one more entry here.
Every server is real, on 127.0.0.1 port 0, over a real SQLite database holding the net
suite's test patients.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from net.support import save_test_patients
from rpiq.config import ServerSettings
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository, open_repository

ENGINES = {"asyncio": "rpiq.net.engine"}
DEFAULT_ENGINE = "asyncio"
ENGINE_VARIABLE = "RPIQ_HOSTILE_ENGINE"


class Server(Protocol):
    """What the tests use of a server engine (both engines share this surface)."""

    settings: ServerSettings

    @property
    def address(self) -> tuple[str, int]: ...

    def start(self) -> None: ...

    def stop(self, grace: float = ...) -> None: ...


StartServer = Callable[..., Server]


@pytest.fixture(scope="session")
def server_class() -> Callable[[ServerSettings, QueryService], Server]:
    """The engine under test (module docstring)."""
    engine = os.environ.get(ENGINE_VARIABLE, DEFAULT_ENGINE)
    if engine not in ENGINES:
        pytest.fail(f"{ENGINE_VARIABLE}={engine!r}: choose one of {', '.join(ENGINES)}")
    module = importlib.import_module(ENGINES[engine])
    server: Callable[[ServerSettings, QueryService], Server] = module.RpiServer
    return server


@pytest.fixture(scope="module")
def hostile_repository(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SqlPatientRepository]:
    """A real SQLite database with the net suite's test patients, shared by a module."""
    path: Path = tmp_path_factory.mktemp("hostile") / "rpiq.db"
    repository = open_repository(f"sqlite:///{path}")
    save_test_patients(repository)
    try:
        yield repository
    finally:
        repository.close()


@pytest.fixture
def start_server(
    server_class: Callable[[ServerSettings, QueryService], Server],
    hostile_repository: SqlPatientRepository,
) -> Iterator[StartServer]:
    """``start_server(**settings)``: a running server on 127.0.0.1:0, stopped after the
    test. Timeouts default short so that a hostile peer cannot hold a test for long."""
    servers: list[Server] = []
    defaults: dict[str, Any] = {
        "acse_timeout": 1.5,
        "dimse_timeout": 2.0,
        "network_timeout": 2.0,
    }

    def start(**settings: Any) -> Server:
        chosen = ServerSettings(host="127.0.0.1", port=0, **(defaults | settings))
        server = server_class(chosen, QueryService(hostile_repository, 8))
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(grace=1.0)


@pytest.fixture
def server(start_server: StartServer) -> Server:
    return start_server()
