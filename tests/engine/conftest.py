"""Fixtures for the engine tests: real :class:`rpiq.net.engine.RpiServer` instances on
127.0.0.1 port 0 over a real SQLite database holding the net suite's test patients, with
recording (not mocked) policy, audit and metrics hooks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from net.support import save_test_patients
from rpiq.config import ServerSettings
from rpiq.net.engine import RpiServer
from rpiq.net.hooks import Admission, PeerInfo, Rejection, UserIdentity
from rpiq.service.query import QueryService
from rpiq.store import PatientRepository, SqlPatientRepository, open_repository


@pytest.fixture(scope="module")
def engine_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlPatientRepository]:
    path: Path = tmp_path_factory.mktemp("engine") / "rpiq.db"
    repository = open_repository(f"sqlite:///{path}")
    save_test_patients(repository)
    try:
        yield repository
    finally:
        repository.close()


@dataclass
class Recorder:
    """A policy, audit sink and metrics in one, recording every call (thread-safe)."""

    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    rejection: Rejection | None = None
    refused_sop_classes: frozenset[str] = frozenset()
    server_response: bytes = b""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _record(self, name: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((name, args))

    def named(self, name: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return [args for call, args in self.calls if call == name]

    # policy
    def admit(self, peer: PeerInfo, user: UserIdentity | None) -> Admission | Rejection:
        self._record("admit", peer, user)
        return self.rejection or Admission(server_response=self.server_response)

    def allows_sop_class(self, peer: PeerInfo, sop_class_uid: str) -> bool:
        return sop_class_uid not in self.refused_sop_classes

    # audit
    def application_started(self) -> None:
        self._record("application_started")

    def application_stopped(self) -> None:
        self._record("application_stopped")

    def association_rejected(self, peer: PeerInfo, rejection: Rejection) -> None:
        self._record("association_rejected", peer, rejection)

    def user_authentication_failed(self, peer: PeerInfo, username: str) -> None:
        self._record("user_authentication_failed", peer, username)

    def tls_failed(self, address: str, port: int, reason: str) -> None:
        self._record("tls_failed", address, port, reason)

    def query(self, *args: Any) -> None:
        self._record("query", *args)

    # metrics
    def association_opened(self) -> None:
        self._record("association_opened")

    def association_closed(self) -> None:
        self._record("association_closed")

    def query_done(self, sop_class_uid: str, status: int, seconds: float) -> None:
        self._record("query_done", sop_class_uid, status, seconds)


StartEngine = Callable[..., RpiServer]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def start_engine(
    engine_repository: SqlPatientRepository, recorder: Recorder
) -> Iterator[StartEngine]:
    """``start_engine(repository=None, service=None, hooks=True, **settings)``: a running
    engine on 127.0.0.1:0 with ``recorder`` as policy, audit and metrics."""
    servers: list[RpiServer] = []

    def start(
        repository: PatientRepository | None = None,
        service: Any = None,
        hooks: bool = True,
        server_kwargs: dict[str, Any] | None = None,
        **settings: Any,
    ) -> RpiServer:
        chosen = service or QueryService(repository or engine_repository, 8)
        extra: dict[str, Any] = dict(server_kwargs or {})
        if hooks:
            extra |= {"policy": recorder, "audit": recorder, "metrics": recorder}
        server = RpiServer(ServerSettings(host="127.0.0.1", port=0, **settings), chosen, **extra)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(grace=2.0)


@pytest.fixture
def engine(start_engine: StartEngine) -> RpiServer:
    return start_engine()
