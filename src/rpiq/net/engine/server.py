"""The engine's listeners, limits and graceful stop, behind a synchronous facade.

:class:`RpiServer` binds its sockets when constructed (so a port in use fails there, with
``OSError``), runs an asyncio loop in a thread of its own from :meth:`RpiServer.start`, and
serves every connection as one coroutine (:class:`~rpiq.net.engine.association.Association`).
Database work (``service.find``, ``store.store``) runs in a thread pool of
``settings.max_concurrent_lookups`` threads::

    with RpiServer(settings, service) as server:    # bound and serving; port 0 allowed
        host, port = server.address
        ...
    # leaving the block stops accepting, closes connections that never associated and
    # releases idle associations at once, lets requests in flight finish (up to the grace),
    # then aborts what is left

With ``tls_context`` it also listens with TLS on ``settings.tls_port`` (and without TLS on
``settings.port`` only when ``settings.plain_listener``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import TracebackType
from typing import Any, Final, Self

from rpiq.config import ServerSettings
from rpiq.net.engine.acse import Acceptor
from rpiq.net.engine.association import Association
from rpiq.net.engine.core import EngineCore, NullHooks, supported_syntaxes
from rpiq.net.engine.find import FindService
from rpiq.net.engine.tls import handshake, peer_subject
from rpiq.net.hooks import (
    AssociationPolicy,
    AuditSink,
    OpenPolicy,
    ServerMetrics,
    StoreService,
)
from rpiq.net.logfmt import LOGGER_NAME, log_event

LOGGER = logging.getLogger(LOGGER_NAME)

STREAM_LIMIT: Final = 256 * 1024  # asyncio's read buffer high-water mark per connection
BACKLOG: Final = 128
WIND_DOWN: Final = 1.0  # seconds aborted connections get to end after the grace
START_TIMEOUT: Final = 5.0


def _listen(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=BACKLOG, reuse_port=reuse_port)
    sock.setblocking(False)
    return sock


def _bind(
    settings: ServerSettings, *, with_tls: bool
) -> tuple[socket.socket | None, socket.socket | None]:
    """The plain listener (unless TLS-only) and the TLS listener (with TLS), bound."""
    reuse_port = settings.workers > 1  # rpiq serve --workers: processes share the port
    plain = None
    if not with_tls or settings.plain_listener:
        plain = _listen(settings.host, settings.port, reuse_port=reuse_port)
    try:
        tls = _listen(settings.host, settings.tls_port, reuse_port=reuse_port) if with_tls else None
    except OSError:
        if plain is not None:
            plain.close()
        raise
    return plain, tls


def _address(sock: socket.socket | None) -> tuple[str, int] | None:
    if sock is None:
        return None
    host, port = sock.getsockname()[:2]
    return str(host), int(port)


class RpiServer:
    """An RPI SCP (and Verification, and Storage when ``store`` is given) on asyncio."""

    def __init__(
        self,
        settings: ServerSettings,
        service: FindService,
        *,
        policy: AssociationPolicy | None = None,
        audit: AuditSink | None = None,
        metrics: ServerMetrics | None = None,
        store: StoreService | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.tls_context = tls_context
        self._plain_sock, self._tls_sock = _bind(settings, with_tls=tls_context is not None)
        self._addresses = (_address(self._plain_sock), _address(self._tls_sock))
        chosen_policy = policy or OpenPolicy()
        self._core = EngineCore(
            settings=settings,
            service=service,
            policy=chosen_policy,
            audit=audit or NullHooks(),
            metrics=metrics or NullHooks(),
            store=store,
            executor=ThreadPoolExecutor(
                settings.max_concurrent_lookups, thread_name_prefix="rpiq-lookup"
            ),
            acceptor=Acceptor(
                ae_title=settings.ae_title,
                check_called_ae_title=settings.check_called_ae_title,
                max_pdu_size=settings.max_pdu_size,
                supported=supported_syntaxes(store is not None),
                policy=chosen_policy,
            ),
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._connections: set[asyncio.Task[Any]] = set()
        self._handshaking: set[asyncio.StreamWriter] = set()
        self._stopped = False

    # -- facade -------------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """The plain listener's ``(host, port)`` (the real port when 0 was asked for); the
        TLS listener's when there is no plain one."""
        address = self._addresses[0] or self._addresses[1]
        if address is None:  # pragma: no cover - one of the two always exists
            raise RuntimeError("no listener")
        return address

    @property
    def tls_address(self) -> tuple[str, int] | None:
        """The TLS listener's ``(host, port)``, ``None`` without TLS."""
        return self._addresses[1]

    @property
    def associations(self) -> list[Association]:
        """The live connections (associated or not yet)."""
        return list(self._core.live.values())

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Serve from a background thread; return once the listeners accept."""
        if self._thread is not None:
            raise RuntimeError("the server was already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=self._run_loop, args=(loop,), name="rpiq-engine", daemon=True
        )
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._start_listeners(), loop).result(timeout)
        except BaseException:
            self.stop(grace=0)
            raise
        core = self._core
        loop.call_soon_threadsafe(
            core.hook, "audit.application_started", core.audit.application_started
        )
        for name, address in zip(("plain", "tls"), self._addresses, strict=True):
            if address is not None:
                log_event(
                    LOGGER,
                    logging.INFO,
                    "server.listening",
                    listener=name,
                    host=address[0],
                    port=address[1],
                    ae_title=self.settings.ae_title,
                    max_associations=self.settings.max_associations,
                    check_called_ae=self.settings.check_called_ae_title,
                )

    def stop(self, grace: float = 10.0) -> None:
        """Stop accepting; close unassociated connections and release idle associations at
        once; let requests in flight finish for up to ``grace`` s, then abort the rest."""
        if self._stopped:
            return
        self._stopped = True
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            self._close_sockets()
            self._core.executor.shutdown(wait=False, cancel_futures=True)
            return
        try:
            closed, aborted = asyncio.run_coroutine_threadsafe(self._shutdown(grace), loop).result(
                grace + 4 * WIND_DOWN + 5
            )
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            self._core.executor.shutdown(wait=False, cancel_futures=True)
            self._close_sockets()
        log_event(LOGGER, logging.INFO, "server.stopped", closed=closed, aborted=aborted)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- on the loop --------------------------------------------------------------------------

    def _run_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_log_loop_exception)
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _start_listeners(self) -> None:
        for sock, context in ((self._plain_sock, None), (self._tls_sock, self.tls_context)):
            if sock is not None:
                server = await asyncio.start_server(
                    partial(self._on_connection, tls_context=context),
                    sock=sock,
                    limit=STREAM_LIMIT,
                )
                self._servers.append(server)

    async def _on_connection(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        tls_context: ssl.SSLContext | None,
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        core = self._core
        if core.stopping or len(core.live) + len(self._handshaking) >= core.connection_cap:
            log_event(LOGGER, logging.WARNING, "connection.refused", live=len(core.live))
            writer.transport.abort()
            return
        try:
            tls_subject = None
            if tls_context is not None:
                if not await self._tls_handshake(writer, tls_context):
                    return
                tls_subject = peer_subject(writer)
            await Association(core, reader, writer, tls_subject).run()
        except asyncio.CancelledError:  # stop() gave up waiting for it: end quietly
            writer.transport.abort()

    async def _tls_handshake(
        self, writer: asyncio.StreamWriter, tls_context: ssl.SSLContext
    ) -> bool:
        self._handshaking.add(writer)
        try:
            await handshake(writer, tls_context, self.settings.acse_timeout)
        except Exception as exc:  # noqa: BLE001 - any handshake failure is the peer's
            peer = writer.get_extra_info("peername") or ("?", 0)
            reason = str(getattr(exc, "reason", None) or type(exc).__name__)
            core = self._core
            core.hook(
                "audit.tls_failed",
                lambda: core.audit.tls_failed(str(peer[0]), int(peer[1]), reason),
            )
            log_event(
                LOGGER, logging.INFO, "tls.failed", peer=f"{peer[0]}:{peer[1]}", reason=reason
            )
            writer.transport.abort()
            return False
        finally:
            self._handshaking.discard(writer)
        return True

    async def _shutdown(self, grace: float) -> tuple[int, int]:
        core = self._core
        core.stopping = True
        for server in self._servers:
            server.close()
        for writer in list(self._handshaking):
            writer.transport.abort()
        total = len(core.live)
        for association in list(core.live.values()):
            association.begin_stop()
        pending = {task for task in self._connections if not task.done()}
        if pending:
            _done, pending = await asyncio.wait(pending, timeout=grace)
        aborted = len(core.live)
        for association in list(core.live.values()):
            association.abort()
        if pending:
            _done, pending = await asyncio.wait(pending, timeout=WIND_DOWN)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=WIND_DOWN)
        core.hook("audit.application_stopped", core.audit.application_stopped)
        return total - aborted, aborted

    def _close_sockets(self) -> None:
        for sock in (self._plain_sock, self._tls_sock):
            if sock is not None:
                sock.close()


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    log_event(
        LOGGER,
        logging.WARNING,
        "loop.error",
        message=context.get("message"),
        error=type(exc).__name__ if exc is not None else None,
    )
