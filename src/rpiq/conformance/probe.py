"""Talking to the SCP under test: one association at a time, every C-FIND-RSP seen on the wire.

The client API (:mod:`rpiq.net.client`) reads statuses and the Pending identifier; it hides
what pynetdicom hides, e.g. a data set attached to a final response. A :class:`WireRecorder`
bound to ``EVT_DIMSE_RECV`` therefore keeps the command set of every C-FIND-RSP: Status and
Command Data Set Type (0101H = no data set, PS3.7 E.2), keyed by Message ID Being Responded To.
pynetdicom fires ``EVT_DIMSE_RECV`` before it queues the message, so when the client has the
final response, the recorder has it too.

The :class:`Prober` keeps one association; when a check ends it (an abort, a timeout), the next
request associates again, so one misbehaving check does not stop the battery.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pynetdicom import evt

from rpiq.errors import AssociationFailed
from rpiq.net.client import QueryResult, RpiClient, RpiSession
from rpiq.net.contexts import SOP_BY_NAME, Verification
from rpiq.net.sop_names import SOP_NAMES, SopName

C_FIND_RSP = 0x8020
NO_DATA_SET = 0x0101
PENDING_STATUSES = frozenset({0xFF00, 0xFF01})


@dataclass(frozen=True)
class WireResponse:
    """One C-FIND-RSP as it arrived."""

    Status: int
    CommandDataSetType: int

    @property
    def has_data_set(self) -> bool:
        return self.CommandDataSetType != NO_DATA_SET

    @property
    def is_pending(self) -> bool:
        return self.Status in PENDING_STATUSES

    def describe(self) -> str:
        carried = "data set" if self.has_data_set else "no data set"
        return f"{self.Status:04X} ({carried})"


@dataclass
class WireRecorder:
    """``EVT_DIMSE_RECV`` handler: the C-FIND-RSPs received, by Message ID Being Responded To."""

    _responses: dict[int, list[WireResponse]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: evt.Event) -> None:
        command = event.message.command_set
        if command.CommandField != C_FIND_RSP:
            return
        response = WireResponse(int(command.Status), int(command.CommandDataSetType))
        with self._lock:
            self._responses.setdefault(int(command.MessageIDBeingRespondedTo), []).append(response)

    def take(self, MessageID: int) -> tuple[WireResponse, ...]:
        """The responses to ``MessageID`` received so far (forgotten once taken)."""
        with self._lock:
            return tuple(self._responses.pop(MessageID, []))


@dataclass(frozen=True)
class Exchange:
    """One C-FIND sent by a check: the request, the client's result and the wire.

    ``error`` is set when no final response arrived; ``sent`` is False when the request could
    not even be sent (no association). ``kept_association`` tells whether the association was
    still established right after the exchange.
    """

    label: str
    sop: SopName
    request: Dataset
    result: QueryResult | None = None
    wire: tuple[WireResponse, ...] = ()
    error: str | None = None
    sent: bool = True
    kept_association: bool = True

    @property
    def final(self) -> WireResponse | None:
        finals = [response for response in self.wire if not response.is_pending]
        return finals[-1] if finals else None

    @property
    def pending(self) -> tuple[WireResponse, ...]:
        return tuple(response for response in self.wire if response.is_pending)

    def describe_wire(self) -> str:
        """``FF00 (data set), 0000 (no data set)``, or what went wrong."""
        seen = ", ".join(response.describe() for response in self.wire) or "nothing"
        return seen if self.error is None else f"{seen}; {self.error}"


class Prober:
    """Associates with the SCP under test and sends the checks' requests."""

    def __init__(self, client: RpiClient, host: str, port: int) -> None:
        self.client = client
        self.host = host
        self.port = port
        self.exchanges: list[Exchange] = []
        self.accepted: tuple[SopName, ...] = ()
        self.verification_accepted = False
        self._session: RpiSession | None = None
        self._recorder = WireRecorder()

    def open(self) -> None:
        """The first association: learn which SOP classes the SCP accepts."""
        session = self._connect()
        uids = {str(cx.abstract_syntax) for cx in session.association.accepted_contexts}
        self.accepted = tuple(name for name in SOP_NAMES if SOP_BY_NAME[name].uid in uids)
        self.verification_accepted = str(Verification) in uids

    def _connect(self) -> RpiSession:
        self._recorder = WireRecorder()
        handlers: list[Any] = [(evt.EVT_DIMSE_RECV, self._recorder)]
        self._session = self.client.connect(self.host, self.port, evt_handlers=handlers)
        return self._session

    def _live_session(self) -> RpiSession:
        """The current association, or a new one if the last was ended."""
        if self._session is not None and self._session.association.is_established:
            return self._session
        self.close()
        return self._connect()

    @property
    def is_established(self) -> bool:
        return self._session is not None and self._session.association.is_established

    def find(self, label: str, sop: SopName, request: Dataset, *, cancel: bool = False) -> Exchange:
        """Send ``request`` under ``sop`` (C-CANCEL right after it if ``cancel``); record it."""
        try:
            session = self._live_session()
        except AssociationFailed as exc:
            exchange = Exchange(label, sop, request, error=str(exc), sent=False)
            self.exchanges.append(exchange)
            return exchange
        exchange = self._exchange(session, label, sop, request, cancel)
        self.exchanges.append(exchange)
        return exchange

    def _exchange(
        self, session: RpiSession, label: str, sop: SopName, request: Dataset, cancel: bool
    ) -> Exchange:
        try:
            call = session.send_find(request, sop)
        except AssociationFailed as exc:
            return Exchange(label, sop, request, error=str(exc), sent=False)
        result: QueryResult | None = None
        error: str | None = None
        try:
            if cancel:
                call.cancel()
            result = call.result()
        except (AssociationFailed, RuntimeError) as exc:  # RuntimeError: C-CANCEL unsent
            error = f"no final response: {exc}"
        wire = self._recorder.take(call.message_id)
        kept = session.association.is_established
        return Exchange(label, sop, request, result, wire, error, kept_association=kept)

    def echo(self) -> int:
        """C-ECHO on the current association (``AssociationFailed`` if there is none)."""
        if self._session is None or not self._session.association.is_established:
            raise AssociationFailed("the association is no longer established")
        return self._session.echo()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def wire_summary(exchanges: Sequence[Exchange]) -> str:
    return "; ".join(f"{exchange.label}: {exchange.describe_wire()}" for exchange in exchanges)
