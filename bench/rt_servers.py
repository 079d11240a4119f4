"""The servers the benchmarks compare, each in a process of its own, and their CPU time.

- :func:`rpiq_serve`: ``rpiq serve`` itself (``python -m rpiq serve``, a subprocess) over a
  database, optionally with ``--workers N``: the product as deployed, whatever its engine.
- :func:`serve_rpiq`: rpiq's ``RpiServer`` in a spawned process over a database (used by
  ``query_roundtrip.py``).
- :func:`reference_server` / :func:`serve_reference`: plain pynetdicom 3: an
  ``ApplicationEntity`` supporting the three RPI SOP classes, which pynetdicom serves with its
  own ``RelevantPatientInformationQueryServiceClass``, and an ``EVT_C_FIND`` handler yielding
  a pre-built identifier (the one rpiq returned for that patient, built once in the parent).
  Its only change from pynetdicom's defaults is ``TCP_NODELAY`` on each accepted socket, set by
  :class:`NoDelayAssociationServer` (a subclass; nothing is patched): without it every round
  trip stalls ~90 ms on Nagle. Association limit and idle timeout are raised for the
  many-association benchmarks.
- :func:`cpu_seconds`: user + system CPU of a process and its live children, from /proc.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from socketserver import BaseServer
from typing import IO, cast

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import evt
from pynetdicom.ae import ApplicationEntity
from pynetdicom.events import Event
from pynetdicom.transport import ThreadedAssociationServer

from rpiq.config import ServerSettings
from rpiq.net.contexts import RPI_SOP_CLASS_UIDS, Verification
from rpiq.net.engine import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import open_repository

HOST = "127.0.0.1"
REFERENCE_AE_TITLE = "PYNETDICOM"
RPIQ_AE_TITLE = ServerSettings().ae_title
MAX_CONCURRENT_LOOKUPS = 8
PENDING = 0xFF00
STOP_GRACE_S = 2.0
START_TIMEOUT_S = 60.0
IDLE_TIMEOUT_S = 3600.0  # idle associations must outlive every benchmark
LISTENING = re.compile(r"rpiq: listening on (?P<host>[^\s:]+):(?P<port>\d+)(?=\D)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ServerProcess:
    """A server under test: its process id (CPU is read from /proc) and port."""

    pid: int
    port: int


def serve_rpiq(db_url: str, connection: Connection) -> None:
    """rpiq's server on ``HOST``, a free port, over ``db_url``."""
    repository = open_repository(db_url, pool_size=MAX_CONCURRENT_LOOKUPS)
    service = QueryService(repository, MAX_CONCURRENT_LOOKUPS)
    server = RpiServer(ServerSettings(host=HOST, port=0), service)
    server.start()
    try:
        connection.send(server.address[1])
        connection.recv()
    finally:
        server.stop(grace=STOP_GRACE_S)
        repository.close()


@contextmanager
def rpiq_serve(
    db_url: str, *, workers: int = 1, max_associations: int = 100, extra: Sequence[str] = ()
) -> Iterator[ServerProcess]:
    """``python -m rpiq serve`` on a free port; yields once every worker listens."""
    command = [sys.executable, "-m", "rpiq", "serve", "--host", HOST, "--port", "0",
               "--db", db_url, "--log-level", "WARNING",
               "--max-associations", str(max_associations),
               "--network-timeout", str(IDLE_TIMEOUT_S), *extra]  # fmt: skip
    if workers > 1:
        command += ["--workers", str(workers)]
    with (
        tempfile.TemporaryFile() as log,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log) as process,
    ):
        try:
            ports = _listening_ports(process, workers, log)
            if len(ports) != 1:
                raise SystemExit(f"workers listen on different ports: {ports}")
            yield ServerProcess(process.pid, ports.pop())
        finally:
            process.terminate()
            process.wait(START_TIMEOUT_S)


def _listening_ports(process: subprocess.Popen[bytes], count: int, log: IO[bytes]) -> set[int]:
    """The ports of the first ``count`` "listening" lines (workers' lines may interleave)."""
    assert process.stdout is not None
    output = ""
    while len(matches := list(LISTENING.finditer(output))) < count:
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            process.wait()
            log.seek(0)
            raise SystemExit(f"rpiq serve did not start: {output!r} {log.read()[-3000:]!r}")
        output += chunk.decode(errors="replace")
    return {int(match["port"]) for match in matches[:count]}


class NoDelayAssociationServer(ThreadedAssociationServer):
    """pynetdicom's threaded server, plus ``TCP_NODELAY`` on every accepted socket."""

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        client_socket, address = super().get_request()
        client_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client_socket, address

    def shutdown(self) -> None:
        # AssociationServer.shutdown() also removes the server from ae._servers, where only
        # start_server() puts it (make_server() does not): stop the loop, close the socket.
        BaseServer.shutdown(self)
        self.server_close()


def reference_entity(max_associations: int) -> ApplicationEntity:
    """Verification and the three RPI SOP classes, Explicit and Implicit VR Little Endian."""
    ae = ApplicationEntity(ae_title=REFERENCE_AE_TITLE)
    ae.maximum_associations = max_associations
    ae.network_timeout = IDLE_TIMEOUT_S
    for uid in [Verification, *sorted(RPI_SOP_CLASS_UIDS)]:
        ae.add_supported_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    return ae


def serve_reference(
    identifiers: Mapping[str, Dataset], connection: Connection, max_associations: int = 10
) -> None:
    """pynetdicom's RPI service answering each Patient ID with ``identifiers[PatientID]``
    (no Pending response, so Success, for any other Patient ID)."""

    def on_find(event: Event) -> Iterator[tuple[int, Dataset]]:
        identifier = identifiers.get(str(event.identifier.PatientID))
        if identifier is not None:
            yield PENDING, identifier

    ae = reference_entity(max_associations)
    server = cast(
        NoDelayAssociationServer,
        ae.make_server(
            (HOST, 0),
            evt_handlers=[(evt.EVT_C_FIND, on_find)],
            server_class=NoDelayAssociationServer,
        ),
    )
    thread = threading.Thread(target=server.serve_forever, name="reference", daemon=True)
    thread.start()
    try:
        connection.send(server.server_address[1])
        connection.recv()
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def spawned_server(target: Callable[..., None], *arguments: object) -> Iterator[ServerProcess]:
    """Run ``target(*arguments[:1], connection, *arguments[1:])`` in a spawned process; yield
    its pid and the port it reports."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=target, args=(*arguments[:1], child, *arguments[1:]), daemon=True
    )
    process.start()
    try:
        if not parent.poll(START_TIMEOUT_S):
            raise SystemExit(f"{target.__name__} did not report a port")
        assert process.pid is not None
        yield ServerProcess(process.pid, int(parent.recv()))
    finally:
        if process.is_alive():
            parent.send("stop")
        process.join(START_TIMEOUT_S)
        if process.is_alive():
            process.terminate()
            process.join()


def reference_server(
    identifiers: Mapping[str, Dataset], max_associations: int = 10
) -> AbstractContextManager[ServerProcess]:
    """The pynetdicom reference in its own process."""
    return spawned_server(serve_reference, dict(identifiers), max_associations)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and of its live children (rpiq's workers)."""
    return sum(_own_cpu(process) for process in [pid, *_children(pid)])


def _own_cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.extend(int(child) for child in (task / "children").read_text().split())
    return children


def cpu_share(pid: int, seconds: float) -> float:
    """The fraction of one core ``pid`` (with its children) uses over the next ``seconds``."""
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.monotonic() - started)
