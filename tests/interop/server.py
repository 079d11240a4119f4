"""The server under test, black-box through its CLI: ``rpiq demo`` loads the demo patients into a
temporary SQLite database, ``rpiq serve`` answers on a free loopback port.

Readiness is polled (a DCMTK C-ECHO; refused connections fail at once) against a deadline;
teardown sends SIGTERM and requires the process to exit by itself, with status 0.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from interop.peers import Endpoint, echoscu

HOST = "127.0.0.1"
DEMO_TIMEOUT_S = 120.0
READY_DEADLINE_S = 30.0
POLL_INTERVAL_S = 0.05
STOP_DEADLINE_S = 15.0  # beyond the server's own 10 s grace for requests in flight


def rpiq_command() -> list[str]:
    """The venv's ``rpiq`` script beside the running interpreter, else ``python -m rpiq``."""
    script = Path(sys.executable).with_name("rpiq")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rpiq"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def load_demo(db_url: str) -> None:
    result = subprocess.run(
        [*rpiq_command(), "demo", "--db", db_url],
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`rpiq demo` exited {result.returncode}\nstdout: {result.stdout}\n"
            f"stderr: {result.stderr}"
        )


def _log_tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-4000:]


def wait_ready(process: subprocess.Popen[bytes], endpoint: Endpoint, log_path: Path) -> None:
    """Poll until the SCP answers a C-ECHO; fail if it exits or the deadline passes."""
    deadline = time.monotonic() + READY_DEADLINE_S
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"`rpiq serve` exited {process.returncode} before it was ready\n"
                f"{_log_tail(log_path)}"
            )
        # echoscu alone: a bare TCP connect + close would leave the server an idle connection
        # that holds SIGTERM for its whole shutdown grace (seen with rpiq serve).
        if echoscu(endpoint).returncode == 0:
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"`rpiq serve` not answering C-ECHO on {endpoint.port} after "
                f"{READY_DEADLINE_S} s\n{_log_tail(log_path)}"
            )
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=POLL_INTERVAL_S)


def stop(process: subprocess.Popen[bytes], log_path: Path) -> None:
    """SIGTERM: ``rpiq serve`` stops gracefully by itself and exits 0."""
    process.send_signal(signal.SIGTERM)
    try:
        returncode = process.wait(timeout=STOP_DEADLINE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"`rpiq serve` still running {STOP_DEADLINE_S} s after SIGTERM")
    if returncode != 0:
        pytest.fail(f"`rpiq serve` exited {returncode} on SIGTERM\n{_log_tail(log_path)}")


@contextmanager
def demo_server(workdir: Path) -> Iterator[Endpoint]:
    """A running ``rpiq serve`` over a fresh demo database in ``workdir``."""
    db_url = f"sqlite:///{workdir / 'demo.db'}"
    load_demo(db_url)
    endpoint = Endpoint(HOST, free_port())
    log_path = workdir / "serve.log"
    argv = [*rpiq_command(), "serve", "--host", HOST, "--port", str(endpoint.port)]
    argv += ["--db", db_url]
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        wait_ready(process, endpoint, log_path)
        yield endpoint
    except BaseException:
        _kill(process)
        raise
    if process.poll() is not None:
        pytest.fail(f"`rpiq serve` died during the tests ({process.returncode})")
    stop(process, log_path)


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
