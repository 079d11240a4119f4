"""C-STORE SCP (PS3.4 B.2.3), only when a :class:`~rpiq.net.hooks.StoreService` is given: the
data set is decoded with the presentation context's transfer syntax and handed to
``StoreService.store`` off the event loop; its :class:`StoreOutcome` is the answer.

A data set that cannot be decoded gets C000 ("Cannot understand") with an Error Comment; a
store service that raises gets 0110 (Processing failure). Nothing escapes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pynetdicom.presentation import AllStoragePresentationContexts

from rpiq.encode.dataset import decode_identifier
from rpiq.net.engine.acse import AcceptedContext
from rpiq.net.engine.dimse import C_STORE_RSP, Command, encode_response
from rpiq.net.engine.pdu_io import message_bytes
from rpiq.net.hooks import PeerInfo, StoreOutcome, StoreService
from rpiq.net.logfmt import LOGGER_NAME, log_event
from rpiq.service.status import error_comment

LOGGER = logging.getLogger(LOGGER_NAME)

CANNOT_UNDERSTAND = 0xC000
PROCESSING_FAILURE = 0x0110
DATA_SET_TOO_LARGE = "Data set too large"

STORAGE_SOP_CLASS_UIDS = frozenset(
    str(context.abstract_syntax) for context in AllStoragePresentationContexts
)
"""Every Storage SOP class pynetdicom knows (``pynetdicom.sop_class``)."""


@dataclass(frozen=True, slots=True)
class StoreRequest:
    """One received C-STORE-RQ (``data_set`` is ``None`` when over the size limit)."""

    command: Command
    context: AcceptedContext
    data_set: bytes | None
    peer_max_pdu: int


def _outcome(store: StoreService, peer: PeerInfo, request: StoreRequest) -> StoreOutcome:
    if request.data_set is None:
        return StoreOutcome(CANNOT_UNDERSTAND, DATA_SET_TOO_LARGE)
    try:
        dataset = decode_identifier(request.data_set, request.context.transfer_syntax)
        for _element in dataset.iterall():  # every value decoded here, not in the store
            pass
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the peer's data
        return StoreOutcome(CANNOT_UNDERSTAND, f"data set cannot be decoded: {type(exc).__name__}")
    if "SOPInstanceUID" not in dataset:
        return StoreOutcome(CANNOT_UNDERSTAND, "data set cannot be decoded: no SOP Instance UID")
    try:
        return store.store(peer, dataset)
    except Exception as exc:  # noqa: BLE001 - nothing escapes a handler
        log_event(LOGGER, logging.ERROR, "store.error", error=type(exc).__name__)
        return StoreOutcome(PROCESSING_FAILURE, "Processing failure")


def run_store(store: StoreService, peer: PeerInfo, request: StoreRequest) -> tuple[bytes, int]:
    """The framed C-STORE-RSP and its status. Never raises."""
    outcome = _outcome(store, peer, request)
    command = request.command
    command_set = encode_response(
        C_STORE_RSP,
        command.MessageID,
        outcome.status,
        AffectedSOPClassUID=command.AffectedSOPClassUID,
        ErrorComment=(
            error_comment(outcome.error_comment) if outcome.error_comment is not None else None
        ),
        AffectedSOPInstanceUID=command.AffectedSOPInstanceUID,
    )
    wire = message_bytes(request.context.context_id, command_set, None, request.peer_max_pdu)
    return wire, outcome.status
