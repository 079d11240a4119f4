"""Helpers for the operations tests: a private PostgreSQL cluster that a test may stop and
start again (the suite's shared ``postgres_server`` must keep running for other tests), and
``rpiq serve`` as a real process whose start-up lines are read with deadlines."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from http.client import HTTPConnection
from pathlib import Path
from typing import TypeVar

import pytest

POSTGRES_BIN = Path(os.environ.get("RPIQ_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
POSTGRES_USER = "postgres"
START_DEADLINE_S = 30.0

LISTENING = re.compile(r"^rpiq: listening on (?P<host>\S+):(?P<port>\d+) AE title (?P<aet>\S+)$")
TLS_LISTENING = re.compile(r"^rpiq: listening with TLS on (?P<host>\S+):(?P<port>\d+) ")
HTTP_LISTENING = re.compile(r"^rpiq: HTTP on (?P<host>\S+):(?P<port>\d+) ")

T = TypeVar("T")


def _as_postgres() -> list[str]:
    return ["runuser", "-u", POSTGRES_USER, "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateCluster:
    """A PostgreSQL 15 cluster of this test module only: stop and start at will, same port."""

    def __init__(self) -> None:
        if not (POSTGRES_BIN / "pg_ctl").exists():
            pytest.fail(f"PostgreSQL server binaries not found in {POSTGRES_BIN}")
        self.workdir = Path(tempfile.mkdtemp(prefix="rpiq-ops-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.workdir, user=POSTGRES_USER, group=POSTGRES_USER)
        self._pg(["initdb", "-D", str(self.workdir / "data"), "-A", "trust",
                  "-U", POSTGRES_USER, "--no-sync"])  # fmt: skip
        self.port = _free_port()
        self.start()

    def _pg(self, command: list[str]) -> None:
        binary = str(POSTGRES_BIN / command[0])
        done = subprocess.run(
            [*_as_postgres(), binary, *command[1:]],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        if done.returncode != 0:
            log = self.workdir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{command[0]} failed: {done.stderr or done.stdout}\n{tail}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg(["pg_ctl", "-D", str(self.workdir / "data"), "-o", options,
                  "-l", str(self.workdir / "log"), "-w", "start"])  # fmt: skip

    def stop(self) -> None:
        self._pg(["pg_ctl", "-D", str(self.workdir / "data"), "-m", "fast", "-w", "stop"])

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import sqlalchemy as sa  # noqa: PLC0415 - only where a cluster is used

        name = f"ops_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(
            self.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            admin.dispose()
        return name

    def remove(self) -> None:
        subprocess.run(
            [*_as_postgres(), str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.workdir / "data"),
             "-m", "immediate", "-w", "stop"],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.workdir, ignore_errors=True)


def _without_rpiq(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment less any ``RPIQ_*`` setting the test run itself may carry."""
    return {name: value for name, value in environ.items() if not name.startswith("RPIQ_")}


class ServeProcess:
    """``rpiq serve ARGS`` (environment: ours less ``RPIQ_*``, plus ``env``), its stdout read
    line by line in a thread."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "rpiq", "serve", "--host", "127.0.0.1", *args]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**_without_rpiq(os.environ), **(env or {})},
        )  # fmt: skip
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()
        self.port = 0
        self.tls_port = 0
        self.http_port = 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, deadline: float) -> str:
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"rpiq serve printed nothing in time; stdout so far: {self.stdout}")
        if line is None:
            self.process.wait(timeout=10)
            stderr = self.process.stderr.read() if self.process.stderr else ""
            pytest.fail(f"rpiq serve exited ({self.process.returncode}): {stderr}")
        self.stdout.append(line)
        return line

    def wait_ready(self, *, http: bool = False, tls: bool = False, plain: bool = True) -> None:
        """Read the start-up lines: plain listener, TLS listener, HTTP listener."""
        deadline = time.monotonic() + START_DEADLINE_S
        for wanted, pattern, attribute in (
            (plain, LISTENING, "port"),
            (tls, TLS_LISTENING, "tls_port"),
            (http, HTTP_LISTENING, "http_port"),
        ):
            if wanted:
                line = self.next_line(deadline)
                match = pattern.match(line)
                assert match is not None, line
                setattr(self, attribute, int(match["port"]))

    def terminate(self, timeout: float = 20.0, *, signalled: bool = False) -> tuple[int, str]:
        """SIGTERM (unless the test already sent it); the exit status and all of stderr."""
        if not signalled and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout=timeout)
        stderr = self.process.stderr.read() if self.process.stderr else ""
        return status, stderr

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self._pump.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def http_get(port: int, path: str) -> tuple[int, bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def health(port: int) -> tuple[int, dict[str, object]]:
    status, body = http_get(port, "/healthz")
    answer: dict[str, object] = json.loads(body)
    return status, answer


def eventually(check: Callable[[], T | None], timeout: float, what: str) -> T:
    """``check()``'s first non-``None`` result, polled until ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)
