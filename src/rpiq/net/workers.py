"""Several server processes on one port: ``rpiq serve --workers N``.

:func:`serve_workers` starts ``settings.workers`` processes, each running ``serve_one(settings)``
(which opens its own repository, builds its own engine and event loop, and listens on
``settings.host:settings.port`` with ``SO_REUSEPORT``). The kernel spreads incoming connections
over the listening sockets of the group (by a hash of the connection's addresses), so every
worker owns whole associations and nothing is shared between them but the database.

**Spawn, not fork.** Each worker is a fresh interpreter (``multiprocessing`` start method
``spawn``): it inherits no database connection, connection pool, event loop, thread or lock
from the parent, which a forked child would copy in whatever state they were (a SQLAlchemy pool
must not cross a fork; a lock held by another thread at fork time stays held forever). The cost
is a start-up of a few hundred milliseconds per worker, once. Consequently ``serve_one`` must be
picklable: a module-level function, or a ``functools.partial`` of one.

**Port 0.** Workers binding port 0 each would get a different port. When ``settings.port``
(or, with TLS, ``settings.tls_port``) is 0, the parent picks the port once with a bound (never
listening) ``SO_REUSEPORT`` socket, holds it while the workers run (so no other program takes
the port meanwhile) and hands the workers the chosen port. A bound socket that does not listen
receives no connections.

The parent itself only waits: it opens no database and serves nothing. (``multiprocessing``
also starts its resource-tracker process beside the workers.)

**Signals and exit status.** SIGTERM and SIGINT received by the parent are forwarded to every
worker (each stops gracefully in its own way); the parent waits for all of them. When a worker
ends on its own (it could not listen, or it crashed), the others are stopped too and the exit
status says so: supervision (systemd ``Restart=on-failure``, a container runtime) restarts the
whole group. The result is 0 when every worker returned 0 or was ended by a signal we forwarded,
else the first failing worker's exit status (1 when it died of a signal).

``SO_REUSEPORT`` admits only sockets of the same effective user id into a group: another user
cannot steal connections from the port.

With one worker (the default), ``serve_one`` simply runs in this process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Final

from rpiq.config import ServerSettings

START_METHOD: Final = "spawn"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
EXIT_OK = 0
EXIT_WORKER_FAILED = 1  # a worker died of a signal we did not send

ServeOne = Callable[[ServerSettings], int]


def serve_workers(settings: ServerSettings, serve_one: ServeOne) -> int:
    """Run ``serve_one`` in ``settings.workers`` processes sharing one port; see the module
    docstring. Returns once all workers have ended: 0, or the failing worker's exit status."""
    if settings.workers <= 1:
        return serve_one(settings)
    with reserved_port(settings) as worker_settings:
        return _supervise(worker_settings, serve_one)


@contextmanager
def reserved_port(settings: ServerSettings) -> Iterator[ServerSettings]:
    """``settings`` with port 0 (and TLS port 0, with TLS configured) replaced by a free
    port, each held by a bound ``SO_REUSEPORT`` socket until the block ends."""
    fields = ["port"] if settings.port == 0 else []
    if settings.tls is not None and settings.tls_port == 0:
        fields.append("tls_port")
    with ExitStack() as holders:
        chosen = {field: _hold_free_port(settings.host, holders) for field in fields}
        yield settings.with_overrides(**chosen)


def _hold_free_port(host: str, holders: ExitStack) -> int:
    family, kind, protocol, _name, address = socket.getaddrinfo(
        host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    holder = holders.enter_context(socket.socket(family, kind, protocol))
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(address)
    return int(holder.getsockname()[1])


def worker_main(serve_one: ServeOne, settings: ServerSettings) -> None:
    """A worker process's entry point: its exit status is ``serve_one``'s result."""
    sys.exit(serve_one(settings))


class _Group:
    """The worker processes, and whether we asked them to stop (and with which signals)."""

    def __init__(self, settings: ServerSettings, serve_one: ServeOne) -> None:
        context = multiprocessing.get_context(START_METHOD)
        self.processes: list[BaseProcess] = [
            context.Process(
                target=worker_main, args=(serve_one, settings), name=f"rpiq-worker-{index}"
            )
            for index in range(settings.workers)
        ]
        self.sent: set[int] = set()

    def signal_all(self, signum: int) -> None:
        """Send ``signum`` to every started worker still running."""
        self.sent.add(signum)
        for process in self.processes:
            if process.pid is not None and process.exitcode is None:
                # ProcessLookupError: it ended between the check and the kill
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signum)

    def failure(self, process: BaseProcess) -> int:
        """The exit status ``process`` contributes: 0 for a clean or requested end."""
        code = process.exitcode
        if code is None or code == 0 or (code < 0 and -code in self.sent):
            return EXIT_OK
        return code if code > 0 else EXIT_WORKER_FAILED


def _supervise(settings: ServerSettings, serve_one: ServeOne) -> int:
    group = _Group(settings, serve_one)

    def forward(signum: int, frame: FrameType | None) -> None:
        group.signal_all(signum)

    previous = {signum: signal.signal(signum, forward) for signum in STOP_SIGNALS}
    try:
        for process in group.processes:
            process.start()
        if group.sent:  # a signal arrived while the workers were starting
            group.signal_all(signal.SIGTERM)
        return _wait_all(group)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _wait_all(group: _Group) -> int:
    """Wait for every worker; the first to end unasked stops the others."""
    running = list(group.processes)
    status = EXIT_OK
    while running:
        ended = wait([process.sentinel for process in running])
        for process in [process for process in running if process.sentinel in ended]:
            process.join()
            running.remove(process)
            status = status or group.failure(process)
            if running and not group.sent:
                group.signal_all(signal.SIGTERM)
    return status
