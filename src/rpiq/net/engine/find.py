"""The RPI C-FIND SCP, run off the event loop: request bytes in, the response messages out.

All status decisions are the query service's (:meth:`QueryService.find`); this module carries
them onto the wire as the pynetdicom engine's ``rpi_scp`` did:

- an Affected SOP Class UID other than the presentation context's abstract syntax → 0122
  (PS3.4 Q.2.1.1.1); an identifier that cannot be decoded → the service's ``undecodable()``
  A900 answer (never an abort); an identifier over the size limit → C000;
- each :class:`FindResponse` becomes one C-FIND-RSP; an identifier only with Pending, so the
  final response has Command Data Set Type 0101H (PS3.7 9.1.2.1.5); a service that ends
  without a final status gets Success;
- no exception escapes: a failure before the final response becomes C000.

Identifiers are encoded straight to bytes by :func:`rpiq.encode.direct.encode_response`
(byte-identical to the pydicom path, which it falls back to where it must).
:func:`run_find` runs in the engine's thread pool and returns every message already framed as
P-DATA-TF PDUs, so the loop only writes bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from rpiq.encode.dataset import decode_identifier
from rpiq.encode.direct import encode_response as encode_response_identifier
from rpiq.net.engine.acse import AcceptedContext
from rpiq.net.engine.dimse import C_FIND_RSP, Command, encode_response
from rpiq.net.engine.pdu_io import message_bytes
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

LOGGER = logging.getLogger(LOGGER_NAME)

UNDEFINED_LENGTH = 0xFFFFFFFF
IDENTIFIER_TOO_LARGE = "Unable to process: identifier too large"
CONTEXT_MISMATCH = "Affected SOP Class UID differs from the presentation context"


class FindService(Protocol):
    """What the SCP needs from :class:`rpiq.service.query.QueryService`."""

    def find(
        self, AffectedSOPClassUID: str, request: Dataset, is_cancelled: Callable[[], bool]
    ) -> Iterator[FindResponse]: ...


@dataclass(frozen=True, slots=True)
class FindRequest:
    """One received C-FIND-RQ: its command, context and identifier bytes (``None`` when the
    identifier was over the size limit and dropped)."""

    command: Command
    context: AcceptedContext
    identifier: bytes | None
    peer_max_pdu: int


@dataclass(slots=True)
class FindOutcome:
    """The framed responses and what the audit trail and metrics need."""

    wire: bytes
    final_status: int
    pending: int
    PatientID: str
    IssuerOfPatientID: str | None


class _Responses:
    """The C-FIND-RSP messages of one request, framed for the peer."""

    def __init__(self, request: FindRequest) -> None:
        self.request = request
        self.parts: list[bytes] = []
        self.final_status: int | None = None
        self.pending = 0

    def add(self, response: FindResponse) -> None:
        command = self.request.command
        context = self.request.context
        data_set = None
        if response.identifier is not None:
            data_set = encode_response_identifier(response.identifier, context.transfer_syntax)
        command_set = encode_response(
            C_FIND_RSP,
            command.MessageID,
            response.status,
            AffectedSOPClassUID=command.AffectedSOPClassUID,
            has_data_set=data_set is not None,
            ErrorComment=(
                error_comment(response.error_comment)
                if response.error_comment is not None
                else None
            ),
            OffendingElement=response.offending_element,
        )
        self.parts.append(
            message_bytes(context.context_id, command_set, data_set, self.request.peer_max_pdu)
        )
        if response.status == PENDING:
            self.pending += 1
        else:
            self.final_status = response.status


class TruncatedDataSet(ValueError):
    """An element's value is shorter than its Value Length: the bytes ended inside it."""


def check_complete(dataset: Dataset) -> None:
    """Raise :class:`TruncatedDataSet` if any element (in any sequence item) of ``dataset``
    holds fewer bytes than its Value Length says. pydicom's reader keeps what it finds and
    says nothing; a request cut short is not a decodable data set (answered A900)."""
    for raw in dataset.elements():
        if isinstance(raw, RawDataElement):
            if raw.length != UNDEFINED_LENGTH and len(raw.value or b"") < raw.length:
                raise TruncatedDataSet(f"value of {raw.tag} cut short")
            if not _may_be_sequence(raw):
                continue
        element = dataset[raw.tag]
        if element.VR == "SQ":
            for item in element.value:
                check_complete(item)


def _may_be_sequence(raw: RawDataElement) -> bool:
    if raw.VR is not None:
        return raw.VR == "SQ"
    if raw.length == UNDEFINED_LENGTH:
        return True
    try:
        return dictionary_VR(raw.tag) == "SQ"
    except KeyError:
        return False


def _patient_keys(request: Dataset) -> tuple[str, str | None]:
    try:
        PatientID = str(request.get("PatientID", "") or "")
        issuer = request.get("IssuerOfPatientID")
        return PatientID, (str(issuer) if issuer else None)
    except Exception:  # noqa: BLE001 - the audit record must not fail on bad values
        return "", None


def _service_responses(
    service: FindService,
    request: FindRequest,
    is_cancelled: Callable[[], bool],
    keys: list[tuple[str, str | None]],
) -> Iterator[FindResponse]:
    command, context = request.command, request.context
    if command.AffectedSOPClassUID != context.abstract_syntax:
        yield FindResponse(SOP_CLASS_NOT_SUPPORTED, error_comment=CONTEXT_MISMATCH)
        return
    if request.identifier is None:
        yield FindResponse(UNABLE_TO_PROCESS, error_comment=IDENTIFIER_TOO_LARGE)
        return
    try:
        dataset = decode_identifier(request.identifier, context.transfer_syntax)
        check_complete(dataset)
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the peer's data
        yield undecodable(type(exc).__name__)
        return
    keys.append(_patient_keys(dataset))
    yield from service.find(command.AffectedSOPClassUID, dataset, is_cancelled)


def run_find(
    service: FindService, request: FindRequest, is_cancelled: Callable[[], bool]
) -> FindOutcome:
    """Every response to ``request``, framed. Never raises."""
    responses = _Responses(request)
    keys: list[tuple[str, str | None]] = []
    try:
        for response in _service_responses(service, request, is_cancelled, keys):
            responses.add(response)
            if responses.final_status is not None:
                break
        if responses.final_status is None:
            responses.add(FindResponse(SUCCESS))
    except Exception as exc:
        log_event(LOGGER, logging.ERROR, "find.error", error=type(exc).__name__)
        LOGGER.debug("find failed", exc_info=True)
        if responses.final_status is None:
            responses.add(FindResponse(UNABLE_TO_PROCESS, error_comment="Unable to process"))
    PatientID, issuer = keys[0] if keys else ("", None)
    return FindOutcome(
        wire=b"".join(responses.parts),
        final_status=responses.final_status if responses.final_status is not None else 0xC000,
        pending=responses.pending,
        PatientID=PatientID,
        IssuerOfPatientID=issuer,
    )
