"""Helpers for the net tests: test patients, a wire recorder, raw C-FIND requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pynetdicom import evt
from pynetdicom.dimse_primitives import C_FIND

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
)
from rpiq.net.client import RpiSession
from rpiq.store import PatientRepository, SaveOutcome

ISSUER = "NET-TEST"
INTL_NAME = "Ōtsuka^Chiyoko=大塚^千代子=おおつか^ちよこ"
C_FIND_RSP = 0x8020
NO_DATA_SET = 0x0101

ASTHMA = Code("195967001", "SCT", "Asthma")
HYPERTENSION = Code("38341003", "SCT", "Hypertensive disorder")


def _problem(code: Code) -> ClinicalFact:
    return ClinicalFact(FactKind.PROBLEM, code, FactStatus.ACTIVE, started="2015")


TEST_PATIENTS = (
    Patient(
        (PatientIdentifier("NET-001", ISSUER),),
        PersonName("Doe^Jane"),
        "19610315",
        "F",
        facts=(_problem(ASTHMA),),
        source="test:NET-001",
    ),
    Patient(
        (PatientIdentifier("NET-DUP", "HOSPITAL-A"),),
        PersonName("Dup^Adam"),
        "19660101",
        "M",
        facts=(_problem(HYPERTENSION),),
        source="test:NET-DUP-A",
    ),
    Patient(
        (PatientIdentifier("NET-DUP", "HOSPITAL-B"),),
        PersonName("Dup^Berta"),
        "19790101",
        "F",
        source="test:NET-DUP-B",
    ),
    Patient(
        (PatientIdentifier("NET-INTL", ISSUER),),
        PersonName.from_dicom(INTL_NAME),
        "19700101",
        "F",
        facts=(_problem(ASTHMA),),
        source="test:NET-INTL",
    ),
)


def save_test_patients(repository: PatientRepository) -> None:
    repository.save_patients(TEST_PATIENTS)


@dataclass(frozen=True)
class WireResponse:
    """One C-FIND-RSP as it arrived: command set fields and the raw data set bytes."""

    MessageIDBeingRespondedTo: int
    Status: int
    CommandDataSetType: int
    AffectedSOPClassUID: str | None
    data_set: bytes


@dataclass
class WireRecorder:
    """An ``EVT_DIMSE_RECV`` handler recording every C-FIND-RSP received by the client."""

    responses: list[WireResponse] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, event: evt.Event) -> None:
        command = event.message.command_set
        if command.CommandField != C_FIND_RSP:
            return
        data = event.message.data_set
        response = WireResponse(
            int(command.MessageIDBeingRespondedTo),
            int(command.Status),
            int(command.CommandDataSetType),
            command.get("AffectedSOPClassUID"),
            data.getvalue() if data is not None else b"",
        )
        with self._arrived:
            self.responses.append(response)
            self._arrived.notify_all()

    @property
    def handlers(self) -> list[tuple[Any, Any]]:
        return [(evt.EVT_DIMSE_RECV, self)]

    def wire(self) -> list[tuple[int, int]]:
        """``[(Status, CommandDataSetType), ...]`` in arrival order."""
        return [(r.Status, r.CommandDataSetType) for r in self.responses]

    def wait_final(self, MessageID: int, timeout: float = 10.0) -> WireResponse:
        """The final (non-Pending) response to ``MessageID``."""

        def final() -> WireResponse | None:
            for response in self.responses:
                if response.MessageIDBeingRespondedTo == MessageID and response.Status not in (
                    0xFF00,
                    0xFF01,
                ):
                    return response
            return None

        with self._arrived:
            self._arrived.wait_for(lambda: final() is not None, timeout)
        found = final()
        if found is None:
            pytest.fail(f"no final C-FIND-RSP for message {MessageID} within {timeout} s")
        return found


def send_raw_find(
    session: RpiSession,
    AffectedSOPClassUID: str,
    identifier: bytes,
    MessageID: int,
    context_sop_class: str | None = None,
) -> None:
    """Send a C-FIND-RQ with raw identifier bytes, bypassing the client's encoder; the
    answer is read from a :class:`WireRecorder` bound to the session."""
    assoc = session.association
    abstract_syntax = context_sop_class or AffectedSOPClassUID
    contexts = [cx for cx in assoc.accepted_contexts if cx.abstract_syntax == abstract_syntax]
    request = C_FIND()
    request.MessageID = MessageID
    request.AffectedSOPClassUID = AffectedSOPClassUID
    request.Priority = 0
    request.Identifier = BytesIO(identifier)
    assoc.dimse.send_msg(request, int(contexts[0].context_id or 0))


def wait_until_consumed(session: RpiSession, timeout: float = 5.0) -> None:
    """Wait until the client's reactor has taken the raw request's answer off its queue
    (otherwise pynetdicom's next ``send_c_find`` would read it as its own answer)."""
    queue = session.association.dimse.msg_queue
    deadline = time.monotonic() + timeout
    while not queue.empty():
        if time.monotonic() > deadline:
            pytest.fail("the client never consumed the raw request's answer")
        time.sleep(0.005)


def context_transfer_syntax(session: RpiSession, sop_class_uid: str) -> str:
    for cx in session.association.accepted_contexts:
        if cx.abstract_syntax == sop_class_uid:
            return str(cx.transfer_syntax[0])
    pytest.fail(f"no accepted context for {sop_class_uid}")


def keywords(ds: Dataset) -> Sequence[str]:
    return [element.keyword for element in ds]


class BlockingRepository:
    """Delegates to a real repository, each lookup waits until the test releases it."""

    def __init__(self, inner: PatientRepository) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.release = threading.Event()

    def find_patients(self, PatientID: str, IssuerOfPatientID: str | None) -> list[Patient]:
        self.entered.set()
        self.release.wait(10)
        return self.inner.find_patients(PatientID, IssuerOfPatientID)

    def save_patients(self, patients: Sequence[Patient]) -> list[SaveOutcome]:
        return self.inner.save_patients(patients)

    def count_patients(self) -> int:
        return self.inner.count_patients()

    def close(self) -> None:
        """The inner repository belongs to the fixture."""
