"""Worker functions for the ``serve_workers`` tests (module level: spawned workers import them).

They stand in for ``rpiq serve``'s per-worker function without a DICOM engine, to test the
process handling alone: :func:`hold_port` listens like an engine does (``SO_REUSEPORT``), says
so on stdout and serves until SIGTERM; :func:`first_holds_others_fail` lets the first worker to
create the marker file at ``settings.db_url`` hold the port and makes every other one fail.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path
from types import FrameType

from rpiq.config import ServerSettings

FAILED_WORKER_STATUS = 3


def hold_port(settings: ServerSettings) -> int:
    """Listen on the port with ``SO_REUSEPORT``, print ``listening PID PORT``, wait for
    SIGTERM, return 0."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind((settings.host, settings.port))
        listener.listen()
        os.write(1, f"listening {os.getpid()} {listener.getsockname()[1]}\n".encode())
        stop.wait()
    return 0


def first_holds_others_fail(settings: ServerSettings) -> int:
    """The worker that creates the marker file holds the port; the others return 3."""
    try:
        Path(settings.db_url).touch(exist_ok=False)
    except FileExistsError:
        return FAILED_WORKER_STATUS
    return hold_port(settings)
