"""The rpiq DICOM server: pynetdicom's association machinery, our own service handling.

Nothing in pynetdicom is patched: :class:`RpiAssociationServer` (a ``ThreadedAssociationServer``)
sets ``TCP_NODELAY`` on every accepted socket (pynetdicom never does; Nagle plus delayed ACK costs
~90 ms per C-FIND on loopback) and skips pynetdicom's per-message logging handlers; its request
handler builds :class:`~rpiq.net.association.RpiAssociation` objects.

:class:`RpiServer` is the object the CLI and tests use::

    with RpiServer(settings, service) as server:    # bound and serving; port 0 allowed
        host, port = server.address
        ...
    # leaving the block stops accepting, closes idle and never-associated connections at
    # once, lets requests in flight finish (up to the grace), then aborts what is left
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from copy import deepcopy
from datetime import datetime
from socketserver import BaseServer
from types import TracebackType
from typing import Any, Self, cast

from pynetdicom import evt
from pynetdicom.ae import ApplicationEntity
from pynetdicom.transport import (
    AssociationSocket,
    RequestHandler,
    ThreadedAssociationServer,
)
from pynetdicom.utils import make_target

from rpiq.config import ServerSettings
from rpiq.net.association import FindHandler, RpiAssociation
from rpiq.net.contexts import scp_contexts
from rpiq.net.logfmt import LOGGER_NAME, log_event
from rpiq.net.rpi_scp import FindService, RpiFindScp
from rpiq.net.tuning import set_nodelay, unbind_standard_logging

LOGGER = logging.getLogger(LOGGER_NAME)

MODE_ACCEPTOR = "acceptor"
POLL_INTERVAL = 0.2  # seconds the accept loop blocks; bounds how long stop() waits for it
IN_FLIGHT_POLL = 0.01  # seconds between checks for requests in flight during stop()
WIND_DOWN = 1.0  # seconds an aborted association gets to end before its socket is shut


def build_application_entity(settings: ServerSettings) -> ApplicationEntity:
    """An AE configured from ``settings``: AE title policy, limits and timeouts."""
    ae = ApplicationEntity(ae_title=settings.ae_title)
    ae.require_called_aet = settings.check_called_ae_title
    ae.maximum_associations = settings.max_associations
    ae.acse_timeout = settings.acse_timeout
    ae.dimse_timeout = settings.dimse_timeout
    ae.network_timeout = settings.network_timeout
    ae.maximum_pdu_size = settings.max_pdu_size
    return ae


class RpiRequestHandler(RequestHandler):
    """Builds an :class:`RpiAssociation` for each accepted connection."""

    def _create_association(self) -> RpiAssociation:
        server = cast(RpiAssociationServer, self.server)
        assoc = RpiAssociation(self.ae, MODE_ACCEPTOR, server.find_handler)
        assoc._server = server
        # pynetdicom finds a server's associations by this thread-name prefix.
        assoc.name = f"AcceptorThread@{datetime.now():%Y%m%d%H%M%S}"
        assoc.set_socket(AssociationSocket(assoc, client_socket=self.request))
        assoc.acceptor.maximum_length = self.ae.maximum_pdu_size
        assoc.acceptor.ae_title = server.ae_title
        assoc.acceptor.address_info = self.local
        assoc.acceptor.implementation_class_uid = self.ae.implementation_class_uid
        assoc.acceptor.implementation_version_name = self.ae.implementation_version_name
        assoc.acceptor.supported_contexts = deepcopy(server.contexts)
        assoc.requestor.address_info = self.remote
        for event, bound in server._handlers.items():
            if event.is_intervention:
                handler, args = cast(tuple[Any, Any], bound)
                if handler is not None:
                    assoc.bind(event, handler, args)
            else:
                for handler, args in cast(list[tuple[Any, Any]], bound):
                    assoc.bind(event, handler, args)
        return assoc


class RpiAssociationServer(ThreadedAssociationServer):
    """pynetdicom's threaded server with TCP_NODELAY, quiet logging and our associations."""

    def __init__(  # noqa: PLR0917 - make_server() passes these positionally
        self,
        ae: ApplicationEntity,
        address: tuple[str, int],
        ae_title: str,
        contexts: list[Any],
        ssl_context: Any = None,
        evt_handlers: list[evt.EventHandlerType] | None = None,
        *,
        find_handler: FindHandler,
    ) -> None:
        self.find_handler = find_handler
        self.serving = threading.Event()
        super().__init__(
            ae,
            address,
            ae_title,
            contexts,
            ssl_context,
            evt_handlers=evt_handlers,
            request_handler=RpiRequestHandler,
        )

    def _bind_defaults(self) -> None:
        super()._bind_defaults()
        unbind_standard_logging(self)

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        client_socket, address = super().get_request()
        set_nodelay(client_socket)
        return client_socket, address

    def serve_forever(self, poll_interval: float = POLL_INTERVAL) -> None:
        self.serving.set()
        super().serve_forever(poll_interval)

    def shutdown(self) -> None:
        # AssociationServer.shutdown() also removes itself from ae._servers, where
        # make_server() never put it: stop the loop and close the socket only. server_close()
        # (ThreadingMixIn's) also waits for the handler threads, so that every connection
        # accepted so far has its association started and listed when this returns.
        BaseServer.shutdown(self)
        self.server_close()

    @property
    def rpi_associations(self) -> list[RpiAssociation]:
        """The live associations this server accepted."""
        return [a for a in self.active_associations if isinstance(a, RpiAssociation)]


class RpiServer:
    """An RPI SCP bound to ``settings.host:settings.port`` answering with ``service``."""

    def __init__(
        self,
        settings: ServerSettings,
        service: FindService,
        evt_handlers: list[evt.EventHandlerType] | None = None,
    ) -> None:
        self.settings = settings
        self.ae = build_application_entity(settings)
        self._server = cast(
            RpiAssociationServer,
            self.ae.make_server(
                (settings.host, settings.port),
                ae_title=settings.ae_title,
                contexts=scp_contexts(),
                evt_handlers=evt_handlers,
                server_class=RpiAssociationServer,
                find_handler=RpiFindScp(service),
            ),
        )
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def address(self) -> tuple[str, int]:
        """The bound ``(host, port)``: the real port when 0 was asked for."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def associations(self) -> list[RpiAssociation]:
        """The live associations."""
        return self._server.rpi_associations

    def start(self, timeout: float = 5.0) -> None:
        """Serve in a background thread; return once the accept loop is running."""
        self._thread = threading.Thread(
            target=make_target(self._server.serve_forever), name="rpiq-accept", daemon=True
        )
        self._thread.start()
        if not self._server.serving.wait(timeout):
            raise RuntimeError("the accept loop did not start")
        host, port = self.address
        log_event(
            LOGGER,
            logging.INFO,
            "server.listening",
            host=host,
            port=port,
            ae_title=self.settings.ae_title,
            max_associations=self.settings.max_associations,
            check_called_ae=self.settings.check_called_ae_title,
        )

    def stop(self, grace: float = 10.0) -> None:
        """Stop accepting and close every connection; only requests in flight get ``grace`` s.

        Idle associations are aborted and connections that never associated are closed at
        once; an association serving a request is closed when that request ends, or aborted
        when ``grace`` runs out.
        """
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        else:
            self._server.server_close()
        associations = self.associations
        late = _close_when_idle(associations, grace)
        for assoc in late:
            assoc.abort(block=False)
        _wind_down(associations)
        log_event(
            LOGGER,
            logging.INFO,
            "server.stopped",
            closed=len(associations) - len(late),
            aborted=len(late),
        )

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


def _close_when_idle(associations: list[RpiAssociation], grace: float) -> list[RpiAssociation]:
    """Close each association as soon as it serves no request; those still busy after
    ``grace`` seconds are returned."""
    deadline = time.monotonic() + grace
    busy = associations
    while True:
        still_busy = []
        for assoc in busy:
            if assoc.in_flight:
                still_busy.append(assoc)
            else:
                assoc.close()
        busy = still_busy
        if not busy or time.monotonic() >= deadline:
            return busy
        time.sleep(IN_FLIGHT_POLL)


def _wind_down(associations: list[RpiAssociation]) -> None:
    """Wait for closed associations to end; a peer that does not close its side after our
    A-ABORT gets its connection closed (instead of the ARTIM wait, PS3.8 Sta13)."""
    deadline = time.monotonic() + WIND_DOWN
    for assoc in associations:
        _join(assoc, deadline)
    stuck = [assoc for assoc in associations if assoc.is_alive()]
    for assoc in stuck:
        assoc.close_transport()
    deadline = time.monotonic() + WIND_DOWN
    for assoc in stuck:
        _join(assoc, deadline)


def _join(assoc: RpiAssociation, deadline: float) -> None:
    """``assoc.join()`` until ``deadline``, also for a thread still starting (pynetdicom lists
    associations from ``threading.enumerate()``, which includes those; ``join`` refuses them)."""
    while True:
        try:
            assoc.join(timeout=max(0.0, deadline - time.monotonic()))
        except RuntimeError:  # started, not yet running
            if time.monotonic() >= deadline:
                return
            time.sleep(IN_FLIGHT_POLL)
        else:
            return
