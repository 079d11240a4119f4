"""The RPI client (SCU): build a request per PS3.4 Annex Q, send it, collect the answer.

::

    client = RpiClient(calling_ae="RPIQ-SCU", called_ae="ANY-SCP", timeout=30)
    result = client.query("127.0.0.1", 11112, "RPI-BREAST-001", sop="breast")
    result.status, result.meaning, result.identifier     # 0x0000, "Matching is complete...",
                                                         # the Pending identifier or None

A session keeps one association for several requests and can cancel one in progress::

    with client.connect(host, port) as session:
        call = session.send_find(build_request("RPI-CARDIAC-001", sop="cardiac"), "cardiac")
        call.cancel()
        result = call.result()                           # FE00, or 0000 if it crossed the cancel

``TCP_NODELAY`` is set on the client's own socket before it connects (pynetdicom never sets it).

DICOM over TLS and User Identity (PS3.7 D.3.3.7)::

    from rpiq.config import TlsSettings
    from rpiq.net.tls import client_context

    context = client_context(TlsSettings(cert_file=cert, key_file=key, ca_file=ca))
    client = RpiClient(tls_context=context, username="alice", password="s3cret")

The server certificate is verified and its host name checked (see :mod:`rpiq.net.tls`);
``username`` alone sends a type 1 sub-item, with ``password`` a type 2 (username and passcode).
"""

from __future__ import annotations

import itertools
import queue
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast

from pydicom.dataset import Dataset
from pydicom.tag import Tag
from pynetdicom import evt
from pynetdicom.ae import ApplicationEntity
from pynetdicom.association import Association
from pynetdicom.pdu_primitives import A_ASSOCIATE, UserIdentityNegotiation
from pynetdicom.transport import AddressInformation, AssociationSocket

from rpiq.errors import AssociationFailed
from rpiq.net.contexts import SCU_TRANSFER_SYNTAXES, SOP_BY_NAME, scu_contexts
from rpiq.net.sop_names import SopName
from rpiq.net.tuning import hold_reactor, set_nodelay, unbind_standard_logging
from rpiq.service.status import (
    MAPPING_RESOURCE_DCMR,
    STATUSES,
    SUCCESS,
    describe_status,
    status_category,
)

UTF8_CHARACTER_SET = "ISO_IR 192"
MAX_MESSAGE_ID = 0xFFFF


@dataclass(frozen=True)
class QueryResult:
    """The outcome of one C-FIND: the final status and the (first) Pending identifier."""

    status: int
    meaning: str
    identifier: Dataset | None = None
    error_comment: str | None = None
    offending_element: tuple[int, ...] = ()
    pending_count: int = 0

    @property
    def matched(self) -> bool:
        """Success after a Pending response carrying the patient's information."""
        return self.status == SUCCESS and self.identifier is not None

    @property
    def category(self) -> str:
        """Success, Pending, Cancel, Warning or Failure."""
        return status_category(self.status)

    @property
    def description(self) -> str:
        """``0xC100 Failure: Failed: More than one match found``."""
        return describe_status(self.status)


def status_meaning(code: int) -> str:
    """The Further Meaning of ``code`` (PS3.4 Table Q.2-1, PS3.7 C)."""
    known = STATUSES.get(code)
    return known.meaning if known is not None else "not defined for this service class"


def build_request(
    PatientID: str,
    IssuerOfPatientID: str | None = None,
    sop: SopName = "general",
    template: str | None = None,
) -> Dataset:
    """A request identifier per PS3.4 Q.2.1.1.3.1 and Q.4.3.1.2.1 (digest §5 SCU checklist).

    Return keys are zero length; Concept Name Code Sequence and Content Sequence are zero-length
    sequences; Content Template Sequence names DCMR and ``template`` (default: the SOP class's
    root template). Specific Character Set is present only for non-ASCII key values.
    """
    request = Dataset()
    if not (PatientID + (IssuerOfPatientID or "")).isascii():
        request.SpecificCharacterSet = UTF8_CHARACTER_SET
    request.PatientName = ""
    request.PatientID = PatientID
    request.IssuerOfPatientID = IssuerOfPatientID or ""
    request.PatientBirthDate = ""
    request.PatientSex = ""
    request.ObservationDateTime = ""
    request.ValueType = ""
    request.ConceptNameCodeSequence = []
    request.ContentSequence = []
    item = Dataset()
    item.MappingResource = MAPPING_RESOURCE_DCMR
    item.TemplateIdentifier = template or SOP_BY_NAME[sop].default_root
    request.ContentTemplateSequence = [item]
    return request


class _ClientEntity(ApplicationEntity):
    """The requesting AE: ``TCP_NODELAY`` before connecting, no per-message logging handlers,
    and a hold on each socket it creates (pynetdicom 3.0.4 loses, without closing, the socket
    of a connection attempt that fails)."""

    def __init__(self, ae_title: str) -> None:
        super().__init__(ae_title=ae_title)
        self.sockets: list[socket.socket] = []
        self.transports: list[AssociationSocket] = []

    def _create_socket(
        self, assoc: Association, address: AddressInformation, tls_args: Any
    ) -> AssociationSocket:
        created = super()._create_socket(assoc, address, tls_args)
        if created.socket is not None:
            set_nodelay(created.socket)
            self.sockets.append(created.socket)
        self.transports.append(created)
        unbind_standard_logging(assoc)
        return created

    def close_sockets(self) -> None:
        for sock in self.sockets:
            sock.close()
        for transport in self.transports:  # with TLS, the socket pynetdicom wrapped it in
            if transport.socket is not None:
                transport.socket.close()


class FindCall:
    """A C-FIND request sent on a session; :meth:`result` collects its responses."""

    def __init__(self, assoc: Association, sop_class_uid: str, message_id: int, request: Dataset):
        self.association = assoc
        self.sop_class_uid = sop_class_uid
        self.message_id = message_id
        hold_reactor(assoc)  # pynetdicom's race on fast answers: see hold_reactor
        try:
            self._responses: Iterator[tuple[Dataset, Dataset | None]] = assoc.send_c_find(
                request, sop_class_uid, msg_id=message_id, priority=0
            )
        except ValueError as exc:  # no accepted presentation context for the SOP class
            raise AssociationFailed(f"the peer did not accept {sop_class_uid}: {exc}") from exc
        except RuntimeError as exc:  # the association is no longer established
            raise AssociationFailed(str(exc)) from exc

    def cancel(self) -> None:
        """Send C-CANCEL-FIND-RQ for this request (PS3.7 9.3.2.3)."""
        self.association.send_c_cancel(self.message_id, query_model=self.sop_class_uid)

    def result(self) -> QueryResult:
        """Read responses up to the final one. Raises ``AssociationFailed`` if it never comes."""
        pending: list[Dataset | None] = []
        for status, identifier in self._responses:
            if "Status" not in status:
                raise AssociationFailed("the association ended before the final C-FIND response")
            code = int(status.Status)
            if status_category(code) == "Pending":
                pending.append(identifier)
                continue
            return _final(code, status, pending)
        raise AssociationFailed("the association ended before the final C-FIND response")


def _final(code: int, status: Dataset, pending: list[Dataset | None]) -> QueryResult:
    offending = status.get("OffendingElement")
    if offending is None:
        tags: tuple[int, ...] = ()
    elif isinstance(offending, Sequence) and not isinstance(offending, str):
        tags = tuple(int(Tag(tag)) for tag in offending)
    else:
        tags = (int(Tag(offending)),)
    matches = [identifier for identifier in pending if identifier is not None]
    return QueryResult(
        status=code,
        meaning=status_meaning(code),
        identifier=matches[0] if matches else None,
        error_comment=status.get("ErrorComment"),
        offending_element=tags,
        pending_count=len(pending),
    )


class RpiSession:
    """One established association; requests get increasing Message IDs."""

    def __init__(self, assoc: Association) -> None:
        self.association = assoc
        self._message_ids = itertools.count(1)

    def _next_message_id(self) -> int:
        return next(self._message_ids) % (MAX_MESSAGE_ID + 1)

    def send_find(self, request: Dataset, sop: SopName = "general") -> FindCall:
        """Send a C-FIND request under ``sop``'s SOP class; responses are read by the call."""
        uid = SOP_BY_NAME[sop].uid
        return FindCall(self.association, uid, self._next_message_id(), request)

    def find(self, request: Dataset, sop: SopName = "general") -> QueryResult:
        """Send a C-FIND request and wait for its final response."""
        return self.send_find(request, sop).result()

    def echo(self) -> int:
        """C-ECHO; the status (``AssociationFailed`` without a response)."""
        hold_reactor(self.association)  # pynetdicom's race on fast answers: see hold_reactor
        try:
            status = self.association.send_c_echo(msg_id=self._next_message_id())
        except RuntimeError as exc:  # the association is no longer established
            raise AssociationFailed(str(exc)) from exc
        if "Status" not in status:
            raise AssociationFailed("no C-ECHO response")
        return int(status.Status)

    def close(self) -> None:
        """Release the association (abort it if the release does not complete)."""
        if self.association.is_established:
            self.association.release()
        if self.association.is_alive() and not self.association.is_released:
            self.association.abort()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RpiClient:
    """Associates with an RPI SCP and queries it."""

    def __init__(
        self,
        calling_ae: str = "RPIQ-SCU",
        called_ae: str = "ANY-SCP",
        timeout: float = 30.0,
        transfer_syntaxes: tuple[str, ...] = SCU_TRANSFER_SYNTAXES,
        *,
        tls_context: ssl.SSLContext | None = None,
        username: str | None = None,
        password: str | None = None,
        positive_response: bool = False,
    ) -> None:
        self.calling_ae = calling_ae
        self.called_ae = called_ae
        self.timeout = timeout
        self.transfer_syntaxes = transfer_syntaxes
        self.tls_context = tls_context
        self.username = username
        self.password = password
        self.positive_response = positive_response

    def _application_entity(self) -> _ClientEntity:
        ae = _ClientEntity(self.calling_ae)
        ae.acse_timeout = self.timeout
        ae.dimse_timeout = self.timeout
        ae.network_timeout = self.timeout
        ae.connection_timeout = self.timeout
        return ae

    def connect(
        self,
        host: str,
        port: int,
        sops: Sequence[SopName] = ("general", "breast", "cardiac"),
        evt_handlers: list[Any] | None = None,
    ) -> RpiSession:
        """Associate, proposing Verification and ``sops``; ``AssociationFailed`` if refused."""
        contexts = scu_contexts([SOP_BY_NAME[sop].uid for sop in sops], self.transfer_syntaxes)
        ae = self._application_entity()
        connected = threading.Event()
        handlers = [(evt.EVT_CONN_OPEN, lambda event: connected.set()), *(evt_handlers or [])]
        tls_args = (self.tls_context, host) if self.tls_context is not None else None
        try:
            assoc = ae.associate(
                host,
                port,
                contexts=contexts,
                ae_title=self.called_ae,
                evt_handlers=handlers,
                ext_neg=self._user_identity(),
                tls_args=tls_args,
            )
        except (OSError, ValueError) as exc:
            ae.close_sockets()
            raise AssociationFailed(f"{host}:{port}: {exc}") from exc
        if not assoc.is_established:
            ae.close_sockets()
            refusal = _refusal(assoc, connected.is_set(), tls=tls_args is not None)
            raise AssociationFailed(f"{host}:{port}: {refusal}")
        return RpiSession(assoc)

    def _user_identity(self) -> list[Any] | None:
        """The User Identity sub-item: type 1 (username) or 2 (username and passcode)."""
        if not self.username:
            return None
        item = UserIdentityNegotiation()
        item.user_identity_type = 2 if self.password else 1
        item.primary_field = self.username.encode("utf-8")
        if self.password:
            item.secondary_field = self.password.encode("utf-8")
        item.positive_response_requested = self.positive_response
        return [item]

    def query(
        self,
        host: str,
        port: int,
        PatientID: str,
        *,
        IssuerOfPatientID: str | None = None,
        sop: SopName = "general",
        template: str | None = None,
    ) -> QueryResult:
        """One association, one C-FIND, release."""
        request = build_request(PatientID, IssuerOfPatientID, sop, template)
        with self.connect(host, port, sops=(sop,)) as session:
            return session.find(request, sop)

    def echo(self, host: str, port: int) -> int:
        """C-ECHO on a new association; the response status."""
        with self.connect(host, port, sops=()) as session:
            return session.echo()


def _refusal(assoc: Association, connected: bool, tls: bool = False) -> str:
    if not connected:
        if tls:
            return (
                "no association: cannot connect (refused, unreachable, timed out, or the TLS "
                "handshake failed)"
            )
        return "no association: cannot connect (refused, unreachable or timed out)"
    primitive = cast(Any, assoc.acceptor.primitive) if assoc.is_rejected else None
    primitive = primitive or late_rejection(assoc)
    if primitive is not None:
        return f"association rejected ({primitive.result_str}: {primitive.reason_str})"
    if assoc.is_rejected:
        return "association rejected"
    if assoc.is_aborted:
        return "association aborted (no acceptable presentation context, or by the peer)"
    return "no association: the peer did not answer the association request"


def late_rejection(assoc: Association) -> A_ASSOCIATE | None:
    """The A-ASSOCIATE-RJ that pynetdicom received but did not report.

    pynetdicom 3.0.4's requestor checks that its socket is still connected *after* the
    A-ASSOCIATE-RQ went out; when the peer's A-ASSOCIATE-RJ arrives (and pynetdicom's own DUL
    closes the connection, PS3.8 AE-4) before that check, it aborts and leaves the rejection
    in its DUL queue. A fast acceptor loses that race a few times in a hundred; the reason
    is read from the queue here so that the caller still learns why.
    """
    pending = assoc.dul.to_user_queue
    while True:
        try:
            item = pending.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, A_ASSOCIATE) and cast(A_ASSOCIATE, item).result in (0x01, 0x02):
            return item
