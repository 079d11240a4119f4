"""A deliberately broken RPI SCP: pynetdicom 3.0.4's stock
``RelevantPatientInformationQueryServiceClass`` with a handler that answers every request
with one identifier.

What is wrong with it (digest §3.2, and the handler's own sins):

- the final Success carries the Pending identifier (Command Data Set Type 0001H): the stock
  class's known defect;
- the handler checks nothing: a missing, empty or wild-carded Patient ID, an unknown one, an
  ambiguous one, a template it does not know: all answered with a match;
- it always answers TID 9007's root concept, whatever template is asked for;
- it returns Patient's Age, which no request asks for.

Only General RPI and Verification are accepted, so Breast and Cardiac checks cannot run.
With ``hang_without_patient_id`` it also never finishes a request that lacks a Patient ID.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self, cast

from pydicom.dataset import Dataset
from pynetdicom import evt
from pynetdicom.ae import ApplicationEntity
from pynetdicom.transport import ThreadedAssociationServer

from rpiq.net.contexts import SOP_BY_NAME, Verification
from rpiq.net.tuning import set_nodelay


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def _language() -> Dataset:
    item = Dataset()
    item.RelationshipType = "HAS CONCEPT MOD"
    item.ValueType = "CODE"
    item.ConceptNameCodeSequence = [
        _code("121049", "DCM", "Language of Content Item and Descendants")
    ]
    item.ConceptCodeSequence = [_code("en-US", "RFC5646", "English (United States)")]
    return item


def answer(request: Dataset) -> Dataset:
    """One identifier for any request, whatever it asks."""
    identifier = Dataset()
    identifier.PatientName = "Broken^Scp"
    identifier.PatientID = request.get("PatientID") or "ANYONE"
    identifier.IssuerOfPatientID = request.get("IssuerOfPatientID") or "BROKEN"
    identifier.PatientBirthDate = "19600101"
    identifier.PatientSex = "F"
    identifier.PatientAge = "064Y"
    identifier.ObservationDateTime = "20240101120000"
    identifier.ValueType = "CONTAINER"
    identifier.ConceptNameCodeSequence = [_code("111517", "DCM", "Relevant Patient Information")]
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = "9007"
    identifier.ContentTemplateSequence = request.get("ContentTemplateSequence") or [template]
    identifier.ContentSequence = [_language()]
    return identifier


def _handle_find(event: evt.Event) -> Iterator[tuple[int, Dataset | None]]:
    yield 0xFF00, answer(event.identifier)


def _handle_find_or_hang(event: evt.Event) -> Iterator[tuple[int, Dataset | None]]:
    """As :func:`_handle_find`, but a request without Patient ID gets FF01 and then nothing:
    the stock class sends a status outside its table as-is and ends (digest §3.2, item 5),
    so the SCU waits for a final response that never comes."""
    if "PatientID" not in event.identifier:
        yield 0xFF01, None
        return
    yield 0xFF00, answer(event.identifier)


def _nodelay(event: evt.Event) -> None:
    """Loopback round trips without Nagle's 40 ms stalls (the stock AE never sets it)."""
    sock = event.assoc.dul.socket
    if sock is not None and sock.socket is not None:
        set_nodelay(sock.socket)


class BrokenScp:
    """The broken SCP on 127.0.0.1, port 0, while the ``with`` block runs."""

    def __init__(self, *, hang_without_patient_id: bool = False) -> None:
        self.handle_find = _handle_find_or_hang if hang_without_patient_id else _handle_find
        self.ae = ApplicationEntity(ae_title="BROKEN-SCP")
        self.ae.add_supported_context(SOP_BY_NAME["general"].uid)
        self.ae.add_supported_context(Verification)
        self._server: ThreadedAssociationServer | None = None

    @property
    def address(self) -> tuple[str, int]:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def __enter__(self) -> Self:
        handlers: list[Any] = [(evt.EVT_C_FIND, self.handle_find), (evt.EVT_CONN_OPEN, _nodelay)]
        self._server = cast(
            ThreadedAssociationServer,
            self.ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
