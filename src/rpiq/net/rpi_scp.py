"""The RPI C-FIND SCP routine: request bytes in, C-FIND-RSP messages out (PS3.4 Annex Q).

All status decisions are the query service's; this module only carries them onto the wire:
the identifier is decoded with the presentation context's transfer syntax, each
:class:`~rpiq.service.responses.FindResponse` becomes one C-FIND-RSP (an Identifier only with
Pending, so Command Data Set Type 0101H otherwise, PS3.7 9.1.2.1.5), and no exception escapes:
a failure before the final response becomes C000.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import TYPE_CHECKING, Protocol

from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom.dimse_primitives import C_FIND

from rpiq.encode.dataset import decode_identifier, encode_identifier, identifier_dataset
from rpiq.net.association import peer_of
from rpiq.net.logfmt import LOGGER_NAME, log_event
from rpiq.service.query import undecodable
from rpiq.service.responses import FindResponse
from rpiq.service.status import (
    PENDING,
    SOP_CLASS_NOT_SUPPORTED,
    SUCCESS,
    UNABLE_TO_PROCESS,
    error_comment,
)

if TYPE_CHECKING:
    from pynetdicom.presentation import PresentationContext

    from rpiq.net.association import RpiAssociation

LOGGER = logging.getLogger(LOGGER_NAME)


class FindService(Protocol):
    """What the SCP needs from :class:`rpiq.service.query.QueryService`."""

    def find(
        self, AffectedSOPClassUID: str, request: Dataset, is_cancelled: Callable[[], bool]
    ) -> Iterator[FindResponse]: ...


class RpiFindScp:
    """Serves one RPI C-FIND request per call (the association's ``find_handler``)."""

    def __init__(self, service: FindService) -> None:
        self.service = service

    def __call__(self, assoc: RpiAssociation, req: C_FIND, context: PresentationContext) -> None:
        started = time.perf_counter()
        exchange = _Exchange(assoc, req, context)
        try:
            for response in self._responses(assoc, req, context):
                exchange.send(response)
                if exchange.final_status is not None:
                    break
            if exchange.final_status is None:
                exchange.send(FindResponse(SUCCESS))
        except Exception as exc:  # nothing escapes a handler (guide, principle 2)
            log_event(LOGGER, logging.ERROR, "find.error", error=type(exc).__name__)
            LOGGER.debug("find failed", exc_info=True)
            if exchange.final_status is None:
                exchange.send_quietly(
                    FindResponse(UNABLE_TO_PROCESS, error_comment="Unable to process")
                )
        log_event(
            LOGGER,
            logging.INFO,
            "find.done",
            peer=peer_of(assoc),
            sop=req.AffectedSOPClassUID,
            ts=exchange.transfer_syntax,
            status=_hex(exchange.final_status),
            pending=exchange.pending_sent,
            ms=f"{(time.perf_counter() - started) * 1000:.1f}",
        )

    def _responses(
        self, assoc: RpiAssociation, req: C_FIND, context: PresentationContext
    ) -> Iterator[FindResponse]:
        if req.AffectedSOPClassUID != context.abstract_syntax:
            # PS3.4 Q.2.1.1.1: the presentation context's abstract syntax names the SOP class.
            comment = "Affected SOP Class UID differs from the presentation context"
            yield FindResponse(SOP_CLASS_NOT_SUPPORTED, error_comment=comment)
            return
        raw = req.Identifier.getvalue() if req.Identifier is not None else b""
        try:
            request = decode_identifier(raw, UID(context.transfer_syntax[0]))
        except Exception as exc:  # noqa: BLE001 - any decoding failure is the peer's data
            yield undecodable(type(exc).__name__)
            return
        MessageID = int(req.MessageID or 0)
        yield from self.service.find(
            str(req.AffectedSOPClassUID), request, lambda: assoc.is_cancelled(MessageID)
        )


class _Exchange:
    """The responses of one C-FIND request, sent on its presentation context."""

    def __init__(self, assoc: RpiAssociation, req: C_FIND, context: PresentationContext) -> None:
        self.assoc = assoc
        self.req = req
        self.context_id = int(context.context_id or 0)
        self.transfer_syntax = UID(context.transfer_syntax[0])
        self.final_status: int | None = None
        self.pending_sent = 0

    def send(self, response: FindResponse) -> None:
        """Encode ``response`` as a C-FIND-RSP and send it."""
        rsp = C_FIND()
        rsp.MessageIDBeingRespondedTo = self.req.MessageID
        rsp.AffectedSOPClassUID = self.req.AffectedSOPClassUID
        rsp.Status = response.status
        if response.error_comment is not None:
            # pynetdicom types these optional fields by their initial None
            rsp.ErrorComment = error_comment(response.error_comment)  # type: ignore[assignment]
        if response.offending_element:
            rsp.OffendingElement = list(response.offending_element)  # type: ignore[assignment]
        if response.identifier is not None:
            dataset = identifier_dataset(response.identifier)
            rsp.Identifier = BytesIO(encode_identifier(dataset, self.transfer_syntax))
        self.assoc.dimse.send_msg(rsp, self.context_id)
        if response.status == PENDING:
            self.pending_sent += 1
        else:
            self.final_status = response.status

    def send_quietly(self, response: FindResponse) -> None:
        """Send a last-resort response; a failure to send is logged, never raised."""
        try:
            self.send(response)
        except Exception as exc:  # noqa: BLE001 - the peer may already be gone
            log_event(LOGGER, logging.WARNING, "find.send_failed", error=type(exc).__name__)


def _hex(status: int | None) -> str:
    return "none" if status is None else f"0x{status:04X}"
