"""rpiq's pynetdicom Association: our own RPI service handling, quiet logging.

pynetdicom picks a service class from the request's Affected SOP Class UID. Its class for the
three RPI SOP classes has a defect (the final Success carries the Pending identifier, PS3.7
9.1.2.1.5) and logs request identifiers, so :class:`RpiAssociation` routes those C-FIND requests
to our own routine and leaves everything else (Verification) to pynetdicom.

Connections that never associate: pynetdicom's acceptor thread waits for the A-ASSOCIATE-RQ for
the whole ACSE timeout even after the connection is gone (its state machine goes back to idle,
PS3.8 AA-5 / AA-2, but tells nobody), so a bare TCP connect-and-close held an association slot
for 30 s and made shutdown wait. :class:`RpiAssociation` hands the waiting thread pynetdicom's
own "no request came" answer as soon as such a connection closes, whoever closed it: the peer,
the ARTIM timer (which runs for the ACSE timeout) or :meth:`RpiAssociation.close`.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from pynetdicom import evt
from pynetdicom.association import Association
from pynetdicom.dimse_primitives import C_FIND, DimseServiceType

from rpiq.net.contexts import RPI_SOP_CLASS_UIDS
from rpiq.net.logfmt import LOGGER_NAME, log_event
from rpiq.net.tuning import unbind_standard_logging

if TYPE_CHECKING:
    from pynetdicom.ae import ApplicationEntity
    from pynetdicom.presentation import PresentationContext

LOGGER = logging.getLogger(LOGGER_NAME)

FindHandler = Callable[["RpiAssociation", C_FIND, "PresentationContext"], None]


def peer_of(assoc: Association) -> str:
    """``host:port`` of the association's requestor."""
    info = assoc.requestor.address_info
    return f"{info.address}:{info.port}" if info is not None else "?"


def _called_ae(assoc: Association) -> str:
    request = assoc.requestor.primitive
    return str(request.called_ae_title) if request is not None else "?"


def _log_accepted(event: evt.Event) -> None:
    assoc = event.assoc
    log_event(
        LOGGER,
        logging.INFO,
        "association.accepted",
        peer=peer_of(assoc),
        calling_ae=assoc.requestor.ae_title,
        called_ae=_called_ae(assoc),
        contexts=len(assoc.accepted_contexts),
    )


def _log_end(event: evt.Event) -> None:
    name = {"EVT_RELEASED": "released", "EVT_ABORTED": "aborted", "EVT_REJECTED": "rejected"}
    log_event(
        LOGGER,
        logging.INFO,
        f"association.{name.get(event.event.name, event.event.name)}",
        peer=peer_of(event.assoc),
        calling_ae=event.assoc.requestor.ae_title,
    )


def _wake_if_never_associated(event: evt.Event) -> None:
    """``EVT_CONN_CLOSE``: the transport closed before any A-ASSOCIATE-RQ reached the acceptor.

    Runs on the DUL thread, the only producer of ``to_user_queue``: when nothing is queued and no
    request was taken, the acceptor thread is blocked waiting for a request that cannot come.
    ``None`` is what its wait returns on ACSE timeout; it then stops and closes the socket.
    """
    assoc = event.assoc
    if not assoc.is_acceptor or assoc.requestor.primitive is not None:
        return
    waiting = cast("queue.Queue[object]", assoc.dul.to_user_queue)
    if waiting.empty():
        waiting.put(None)
        log_event(LOGGER, logging.INFO, "connection.closed_unassociated", peer=peer_of(assoc))


class RpiAssociation(Association):
    """An acceptor Association that serves RPI C-FIND requests with ``find_handler``."""

    def __init__(self, ae: ApplicationEntity, mode: str, find_handler: FindHandler) -> None:
        self.find_handler = find_handler
        self._in_flight = threading.Event()
        super().__init__(ae, mode)

    @property
    def in_flight(self) -> bool:
        """``True`` while a request is being served."""
        return self._in_flight.is_set()

    @property
    def never_associated(self) -> bool:
        """``True`` until an A-ASSOCIATE-RQ has reached this acceptor."""
        return self.requestor.primitive is None

    def close(self) -> None:
        """End the association now: an A-ABORT once a request came, else close the transport.

        Before an A-ASSOCIATE-RQ there is nothing to abort (PS3.8 Sta2 accepts no A-ABORT
        request, pynetdicom's state machine raises on one): the connection is just closed.
        """
        if self.never_associated:
            self.close_transport()  # also before the thread runs: it then finds EOF at once
        elif self.is_alive() and not (self.is_aborted or self.is_released):
            self.abort(block=False)

    def close_transport(self) -> None:
        """Shut the TCP connection down; the state machine sees it closed (Evt17)."""
        wrapper = self.dul.socket
        sock = wrapper.socket if wrapper is not None else None
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed by the peer or by pynetdicom
            return

    def _bind_defaults(self) -> None:
        super()._bind_defaults()
        unbind_standard_logging(self)
        self.bind(evt.EVT_ACCEPTED, _log_accepted)
        self.bind(evt.EVT_CONN_CLOSE, _wake_if_never_associated)
        for event in (evt.EVT_RELEASED, evt.EVT_ABORTED, evt.EVT_REJECTED):
            self.bind(event, _log_end)

    def _serve_request(self, msg: DimseServiceType, context_id: int) -> None:
        self._in_flight.set()
        try:
            if self._is_rpi_find(msg, context_id):
                self._serve_rpi_find(cast(C_FIND, msg), self._accepted_cx[context_id])
            else:
                super()._serve_request(msg, context_id)
        finally:
            self._in_flight.clear()

    def _is_rpi_find(self, msg: DimseServiceType, context_id: int) -> bool:
        return (
            isinstance(msg, C_FIND)
            and msg.is_valid_request
            and not self._sent_release
            and context_id in self._accepted_cx
            and msg.AffectedSOPClassUID in RPI_SOP_CLASS_UIDS
        )

    def _serve_rpi_find(self, req: C_FIND, context: PresentationContext) -> None:
        # As pynetdicom's own dispatch does: forget C-CANCELs received before and during.
        self.dimse.cancel_req = {}
        self._is_paused = True
        try:
            self.find_handler(self, req, context)
        finally:
            self._is_paused = False
            self.dimse.cancel_req = {}

    def is_cancelled(self, MessageID: int) -> bool:
        """Whether a C-CANCEL for ``MessageID`` has arrived while its request is served."""
        return MessageID in self.dimse.cancel_req
