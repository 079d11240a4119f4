"""``serve_workers`` and ``rpiq serve --workers N``: processes sharing one port.

The process handling is tested with stand-in workers (``scale.support``) that listen the way
an engine does; the whole product with ``rpiq serve --workers 2`` answering many concurrent
associations, whose server-side sockets are found in /proc to show that both workers served.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rpiq.ingest.demo import DEMO_ISSUER, load_demo
from rpiq.net.client import RpiClient, RpiSession, build_request
from rpiq.store import open_repository
from scale.conftest import (
    ESTABLISHED,
    LISTEN,
    children,
    is_running,
    parent_of,
    read_matches,
    socket_inodes,
    stopped,
    tcp_inodes,
    worker_environment,
)
from scale.support import FAILED_WORKER_STATUS

START_TIMEOUT = 60.0  # two spawned interpreters on a busy 2-core machine
STOP_TIMEOUT = 30.0
RUNNER = """
import sys
from rpiq.config import ServerSettings
from rpiq.net.workers import serve_workers
from scale import support
settings = ServerSettings(host="127.0.0.1", port=0, workers=int(sys.argv[1]), db_url=sys.argv[2])
sys.exit(serve_workers(settings, getattr(support, sys.argv[3])))
"""
# No anchors: lines printed by several workers may interleave. (?=\D): the number is whole.
HOLDER = re.compile(r"listening (?P<pid>\d+) (?P<port>\d+)(?=\D)")
LISTENING = re.compile(r"rpiq: listening on (?P<host>[^\s:]+):(?P<port>\d+)(?=\D)")
CONNECTIONS = 24  # all on one worker by chance: 2 * 2**-24
PATIENT = "RPI-BREAST-001"


def run_workers(workers: int, marker: Path, serve_one: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", RUNNER, str(workers), str(marker), serve_one]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=worker_environment()
    )


def test_port_zero_is_shared_and_sigterm_stops_every_worker(tmp_path: Path) -> None:
    with run_workers(3, tmp_path / "unused", "hold_port") as process, stopped(process):
        matches = read_matches(process, HOLDER, 3, START_TIMEOUT)
        pids = {int(match["pid"]) for match in matches}
        ports = {int(match["port"]) for match in matches}
        assert len(pids) == 3
        assert len(ports) == 1
        assert ports != {0}
        assert {parent_of(pid) for pid in pids} == {process.pid}
        process.send_signal(signal.SIGTERM)
        assert process.wait(STOP_TIMEOUT) == 0
        assert not any(is_running(pid) for pid in pids)


def test_a_failing_worker_stops_the_others_and_sets_the_status(tmp_path: Path) -> None:
    with run_workers(2, tmp_path / "first", "first_holds_others_fail") as process, stopped(process):
        assert process.wait(START_TIMEOUT) == FAILED_WORKER_STATUS
    assert (tmp_path / "first").exists()


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'rpiq.db'}"
    with open_repository(url) as repository:
        assert load_demo(repository).ok
    return url


def test_rpiq_serve_workers_share_the_associations(demo_db: str) -> None:
    command = [sys.executable, "-m", "rpiq", "serve", "--workers", "2", "--host", "127.0.0.1",
               "--port", "0", "--db", demo_db, "--log-level", "WARNING"]  # fmt: skip
    with (
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process,
        stopped(process),
    ):
        matches = read_matches(process, LISTENING, 2, START_TIMEOUT)
        ports = {int(match["port"]) for match in matches}
        assert len(ports) == 1, [match[0] for match in matches]
        port = ports.pop()
        listeners = tcp_inodes(port, LISTEN)
        workers = [pid for pid in children(process.pid) if socket_inodes(pid) & listeners]
        assert len(workers) == 2
        served = _query_concurrently(port, workers)
        assert all(count > 0 for count in served.values()), served
        assert sum(served.values()) == CONNECTIONS
        process.send_signal(signal.SIGTERM)
        assert process.wait(STOP_TIMEOUT) == 0
        assert not any(is_running(pid) for pid in workers)


def _query_concurrently(port: int, workers: list[int]) -> dict[int, int]:
    """Open CONNECTIONS associations, query on all of them at once, and count (while they are
    open) the server-side connections each worker holds."""
    client = RpiClient(calling_ae="SCALE-TEST", timeout=30.0)
    request = build_request(PATIENT, DEMO_ISSUER, "general", "9007")
    sessions: list[RpiSession] = []
    try:
        for _ in range(CONNECTIONS):
            sessions.append(client.connect("127.0.0.1", port, sops=("general",)))
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda session: session.find(request, "general"), sessions))
        for result in results:
            assert result.matched
            assert result.identifier is not None
            assert result.identifier.PatientID == PATIENT
        connections = tcp_inodes(port, ESTABLISHED)
        return {pid: len(socket_inodes(pid) & connections) for pid in workers}
    finally:
        for session in sessions:
            session.close()
