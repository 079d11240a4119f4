"""Helpers for the scale-out tests: servers in subprocesses, their output, their sockets."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parents[1]
ESTABLISHED, LISTEN = "01", "0A"  # TCP states in /proc/net/tcp


def read_matches(
    process: subprocess.Popen[bytes], pattern: re.Pattern[str], count: int, timeout: float
) -> list[re.Match[str]]:
    """The first ``count`` matches of ``pattern`` in ``process``'s stdout, read as it comes.
    The output is searched as a whole: lines printed by several processes may interleave.
    Fails the test after ``timeout`` seconds or when the output ends first."""
    assert process.stdout is not None
    stream = process.stdout.fileno()
    output = ""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while len(matches := list(pattern.finditer(output))) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                pytest.fail(f"no {count} matches in {timeout} s: {output!r} {errors(process)}")
            chunk = os.read(stream, 65536)
            if not chunk:
                pytest.fail(f"the process ended: {output!r} {errors(process)}")
            output += chunk.decode(errors="replace")
    return matches[:count]


def errors(process: subprocess.Popen[bytes]) -> str:
    """stderr of an ended (or now killed) process."""
    stop(process)
    return process.stderr.read().decode(errors="replace") if process.stderr is not None else ""


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@contextmanager
def stopped(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Kill ``process`` on leaving the block if it still runs (a failed test)."""
    try:
        yield
    finally:
        stop(process)


def parent_of(pid: int) -> int:
    """The parent pid, from /proc/PID/stat (field 4, after the parenthesised name)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    return int(stat.rsplit(")", 1)[1].split()[1])


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def tcp_inodes(port: int, state: str) -> set[int]:
    """Socket inodes of the IPv4 TCP sockets whose local port is ``port`` in ``state``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


def children(pid: int) -> list[int]:
    """The child processes of ``pid``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets process ``pid`` has open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def worker_environment() -> dict[str, str]:
    """The environment with ``tests/`` importable (spawned workers import ``scale.support``)."""
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": f"{TESTS_DIR}{os.pathsep}{path}" if path else str(TESTS_DIR),
    }
