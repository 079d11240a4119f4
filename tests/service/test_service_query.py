"""The query service end to end on a real database (SQLite and PostgreSQL): response sequences,
matching, issuer handling, C100, cancel, A700 under concurrency, C000 on a broken database, and
character sets."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from pydicom.dataset import Dataset

from rpiq.domain import Patient, PersonName
from rpiq.encode.dataset import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    decode_identifier,
    encode_identifier,
    identifier_dataset,
)
from rpiq.service.query import QueryService
from rpiq.service.responses import FindResponse, ResponseIdentifier
from rpiq.service.status import GENERAL
from rpiq.store import SqlPatientRepository
from rpiq.store.repository import SaveOutcome

from .conftest import DEMO_ISSUER, dup_patients, make_patient, make_request, never

QUERY_TIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))


def fixed_clock() -> datetime:
    return QUERY_TIME


class HeldRepository:
    """The real repository, with a gate inside ``find_patients``: a test harness that keeps
    lookups in flight (or runs a hook there), not a stand-in for the database."""

    def __init__(self, inner: SqlPatientRepository) -> None:
        self.inner = inner
        self.calls = 0
        self.entered = threading.Semaphore(0)
        self.gate = threading.Event()
        self.gate.set()
        self.during_lookup: list[threading.Event] = []

    def find_patients(self, PatientID: str, IssuerOfPatientID: str | None) -> list[Patient]:
        self.calls += 1
        self.entered.release()
        for event in self.during_lookup:
            event.set()
        if not self.gate.wait(timeout=30):
            raise AssertionError("test gate never opened")
        return self.inner.find_patients(PatientID, IssuerOfPatientID)

    def save_patients(self, patients: Sequence[Patient]) -> list[SaveOutcome]:
        return self.inner.save_patients(patients)

    def count_patients(self) -> int:
        return self.inner.count_patients()

    def close(self) -> None:
        self.inner.close()


def run(
    service: QueryService, request: Dataset, sop_class_uid: str = GENERAL.uid
) -> list[FindResponse]:
    return list(service.find(sop_class_uid, request, never))


def statuses(responses: list[FindResponse]) -> list[int]:
    return [response.status for response in responses]


def pending_identifier(responses: list[FindResponse]) -> ResponseIdentifier:
    """The identifier of ``[FF00, 0000]``, checking that only the Pending carries one."""
    assert statuses(responses) == [0xFF00, 0x0000]
    assert responses[1].identifier is None
    assert responses[1].error_comment is None
    identifier = responses[0].identifier
    assert identifier is not None
    return identifier


def keywords(ds: Dataset) -> set[str]:
    return {element.keyword for element in ds}


@pytest.fixture
def empty_patient(repository: SqlPatientRepository) -> Patient:
    patient = make_patient(
        ("RPI-EMPTY-001", DEMO_ISSUER),
        name=PersonName("Empty^Eddie"),
        birth_date="20010203",
        sex="M",
        source="test:empty",
    )
    repository.save_patients([patient])
    return patient


@pytest.fixture
def clocked(repository: SqlPatientRepository) -> QueryService:
    return QueryService(repository, max_concurrent_lookups=4, clock=fixed_clock)


def test_no_match_is_a_lone_success(clocked: QueryService, empty_patient: Patient) -> None:
    responses = run(clocked, make_request("RPI-NOBODY-001"))
    assert statuses(responses) == [0x0000]
    assert responses[0].identifier is None


def test_one_match_is_pending_then_success(clocked: QueryService, empty_patient: Patient) -> None:
    identifier = pending_identifier(run(clocked, make_request("RPI-EMPTY-001")))
    keys = identifier.keys
    assert keywords(keys) == {
        "PatientName",
        "PatientID",
        "PatientBirthDate",
        "PatientSex",
        "ObservationDateTime",
        "ContentTemplateSequence",
    }
    assert str(keys.PatientName) == "Empty^Eddie"
    assert keys.PatientID == "RPI-EMPTY-001"
    assert keys.PatientBirthDate == "20010203"
    assert keys.PatientSex == "M"
    assert keys.ObservationDateTime == "20240506070809+0200"
    assert keys.ContentTemplateSequence[0].MappingResource == "DCMR"
    assert keys.ContentTemplateSequence[0].TemplateIdentifier == "9007"
    ds = identifier_dataset(identifier)
    assert keywords(ds) == keywords(keys) | {
        "ValueType",
        "ConceptNameCodeSequence",
        "ContentSequence",
    }
    assert ds.ValueType == "CONTAINER"
    assert ds.ConceptNameCodeSequence[0].CodeValue == "111517"


def test_only_requested_keys_come_back(clocked: QueryService, empty_patient: Patient) -> None:
    request = Dataset()
    request.PatientID = "RPI-EMPTY-001"
    identifier = pending_identifier(run(clocked, request))
    assert keywords(identifier.keys) == {"PatientID", "ContentTemplateSequence"}


def test_trailing_and_leading_spaces_are_padding(
    clocked: QueryService, empty_patient: Patient
) -> None:
    for padded in ("RPI-EMPTY-001   ", " RPI-EMPTY-001"):
        identifier = pending_identifier(run(clocked, make_request(padded)))
        assert identifier.keys.PatientID == "RPI-EMPTY-001"


def test_matching_is_case_sensitive(clocked: QueryService, empty_patient: Patient) -> None:
    assert statuses(run(clocked, make_request("rpi-empty-001"))) == [0x0000]
    assert statuses(run(clocked, make_request("RPI-EMPTY-00"))) == [0x0000]


@pytest.fixture
def dup(repository: SqlPatientRepository) -> None:
    repository.save_patients(dup_patients())


def test_two_issuers_without_issuer_is_c100(clocked: QueryService, dup: None) -> None:
    for request in (
        make_request("RPI-DUP-001"),
        make_request("RPI-DUP-001", IssuerOfPatientID=""),
    ):
        responses = run(clocked, request)
        assert statuses(responses) == [0xC100]
        assert responses[0].identifier is None
        assert responses[0].error_comment
        assert "RPI-DUP" not in responses[0].error_comment  # no patient data in comments


def test_issuer_value_constrains_the_match(clocked: QueryService, dup: None) -> None:
    request = make_request("RPI-DUP-001", IssuerOfPatientID="HOSPITAL-B")
    keys = pending_identifier(run(clocked, request)).keys
    assert str(keys.PatientName) == "Dup^Berta"
    assert keys.PatientSex == "F"
    assert keys.IssuerOfPatientID == "HOSPITAL-B"
    for other in ("HOSPITAL-C", "hospital-b", "HOSPITAL"):
        request = make_request("RPI-DUP-001", IssuerOfPatientID=other)
        assert statuses(run(clocked, request)) == [0x0000]


def test_issuer_returned_only_when_requested(clocked: QueryService, empty_patient: Patient) -> None:
    absent = pending_identifier(run(clocked, make_request("RPI-EMPTY-001"))).keys
    assert "IssuerOfPatientID" not in absent
    zero = make_request("RPI-EMPTY-001", IssuerOfPatientID="")
    assert pending_identifier(run(clocked, zero)).keys.IssuerOfPatientID == DEMO_ISSUER


def test_every_identifier_of_every_patient_is_matched(
    repository: SqlPatientRepository, clocked: QueryService
) -> None:
    repository.save_patients(
        [
            make_patient(
                ("MRN-1", "HOSPITAL-A"),
                ("ALT-9", "HOSPITAL-B"),
                ("ALT-9", "HOSPITAL-C"),
                ("NOISSUER-1", ""),
                source="test:multi",
            )
        ]
    )
    request = make_request("ALT-9", IssuerOfPatientID="HOSPITAL-C", OtherPatientIDsSequence=[])
    keys = pending_identifier(run(clocked, request)).keys
    assert keys.PatientID == "ALT-9"
    assert keys.IssuerOfPatientID == "HOSPITAL-C"
    others = {(item.PatientID, item.IssuerOfPatientID) for item in keys.OtherPatientIDsSequence}
    assert others == {("MRN-1", "HOSPITAL-A"), ("ALT-9", "HOSPITAL-B"), ("NOISSUER-1", "")}
    assert {item.TypeOfPatientID for item in keys.OtherPatientIDsSequence} == {"TEXT"}
    # one patient under two issuers for the same Patient ID is one match, not C100
    assert statuses(run(clocked, make_request("ALT-9"))) == [0xFF00, 0x0000]
    # an identifier without issuer: the zero-length return key says "no issuer"
    no_issuer = make_request("NOISSUER-1", IssuerOfPatientID="")
    assert pending_identifier(run(clocked, no_issuer)).keys.IssuerOfPatientID == ""


def test_patient_module_return_keys(
    repository: SqlPatientRepository, clocked: QueryService
) -> None:
    repository.save_patients(
        [
            make_patient(
                ("RPI-ATTR-001", DEMO_ISSUER),
                birth_date="1966",
                other_attributes=(("EthnicGroup", "Example"), ("PatientAge", "45 years")),
                source="test:attrs",
            )
        ]
    )
    request = make_request(
        "RPI-ATTR-001",
        EthnicGroup="",
        PatientComments="",
        PatientAge="",
        StudyInstanceUID="",
        AccessionNumber="",
    )
    keys = pending_identifier(run(clocked, request)).keys
    assert keys.EthnicGroup == "Example"
    assert keys.PatientBirthDate == ""  # a partial date is no DA; Type 2: zero length
    for left_out in ("PatientComments", "PatientAge", "StudyInstanceUID", "AccessionNumber"):
        assert left_out not in keys


def test_non_ascii_name_is_answered_in_utf8(
    repository: SqlPatientRepository, clocked: QueryService
) -> None:
    name = PersonName("Ōtsuka^Chiyoko", "大塚^千代子", "おおつか^ちよこ")
    repository.save_patients(
        [make_patient(("RPI-INTL-001", DEMO_ISSUER), name=name, sex="F", source="test:intl")]
    )
    identifier = pending_identifier(run(clocked, make_request("RPI-INTL-001")))
    ds = identifier_dataset(identifier)
    assert ds.SpecificCharacterSet == "ISO_IR 192"
    data = encode_identifier(ds, EXPLICIT_VR_LITTLE_ENDIAN)
    assert "大塚^千代子".encode() in data
    assert str(decode_identifier(data, EXPLICIT_VR_LITTLE_ENDIAN).PatientName) == name.to_dicom()


def test_request_is_decoded_with_its_own_character_set(
    repository: SqlPatientRepository, clocked: QueryService
) -> None:
    repository.save_patients(
        [make_patient(("MÜLLER-7", "KLINIK-Ä"), name=PersonName("Müller^Jürgen"), source="t:m")]
    )
    request = make_request(
        "MÜLLER-7", IssuerOfPatientID="KLINIK-Ä", SpecificCharacterSet="ISO_IR 100"
    )
    data = encode_identifier(request, EXPLICIT_VR_LITTLE_ENDIAN)
    assert b"M\xdcLLER-7" in data  # Latin-1 on the wire, not UTF-8
    decoded = decode_identifier(data, EXPLICIT_VR_LITTLE_ENDIAN)
    keys = pending_identifier(run(clocked, decoded)).keys
    assert keys.PatientID == "MÜLLER-7"
    assert keys.IssuerOfPatientID == "KLINIK-Ä"
    assert str(keys.PatientName) == "Müller^Jürgen"
    assert "SpecificCharacterSet" not in keys  # the encode layer picks the answer's charset


def test_cancel_before_lookup(repository: SqlPatientRepository, empty_patient: Patient) -> None:
    held = HeldRepository(repository)
    service = QueryService(held, max_concurrent_lookups=1)
    responses = list(service.find(GENERAL.uid, make_request("RPI-EMPTY-001"), lambda: True))
    assert statuses(responses) == [0xFE00]
    assert responses[0].identifier is None
    assert held.calls == 0


def test_cancel_during_lookup(repository: SqlPatientRepository, empty_patient: Patient) -> None:
    held = HeldRepository(repository)
    cancelled = threading.Event()
    held.during_lookup.append(cancelled)
    service = QueryService(held, max_concurrent_lookups=1)
    responses = list(service.find(GENERAL.uid, make_request("RPI-EMPTY-001"), cancelled.is_set))
    assert statuses(responses) == [0xFE00]
    assert held.calls == 1


def test_cancel_after_pending(clocked: QueryService, empty_patient: Patient) -> None:
    cancelled = threading.Event()
    responses = clocked.find(GENERAL.uid, make_request("RPI-EMPTY-001"), cancelled.is_set)
    first = next(responses)
    assert first.status == 0xFF00
    cancelled.set()
    rest = list(responses)
    assert statuses(rest) == [0xFE00]
    assert rest[0].identifier is None


def test_a700_when_lookups_are_in_flight(
    repository: SqlPatientRepository, empty_patient: Patient
) -> None:
    held = HeldRepository(repository)
    held.gate.clear()
    service = QueryService(held, max_concurrent_lookups=2)
    request = make_request("RPI-EMPTY-001")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run, service, make_request("RPI-EMPTY-001")) for _ in range(2)]
        for _ in range(2):
            assert held.entered.acquire(timeout=30), "lookup never started"
        refused = run(service, request)
        assert statuses(refused) == [0xA700]
        assert refused[0].error_comment
        held.gate.set()
        assert [statuses(future.result(timeout=30)) for future in futures] == [
            [0xFF00, 0x0000],
            [0xFF00, 0x0000],
        ]
    assert held.calls == 2  # the refused request never reached the database
    assert statuses(run(service, request)) == [0xFF00, 0x0000]  # slots are free again


def test_broken_database_is_c000(repository: SqlPatientRepository, empty_patient: Patient) -> None:
    service = QueryService(repository, max_concurrent_lookups=1)
    with repository.engine.begin() as connection:  # the schema disappears under the server
        reflected = sa.MetaData()
        reflected.reflect(connection)
        reflected.drop_all(connection)
    responses = run(service, make_request("RPI-EMPTY-001"))
    assert statuses(responses) == [0xC000]
    assert responses[0].identifier is None
    assert responses[0].error_comment == "Unable to process: the database failed"
    # the service keeps answering: a bad database is one failed request, not a dead server
    assert statuses(run(service, make_request("RPI-EMPTY-001"))) == [0xC000]


def test_unexpected_exception_is_c000_without_detail(
    clocked: QueryService, empty_patient: Patient
) -> None:
    def broken() -> bool:
        raise RuntimeError("RPI-EMPTY-001 secret detail")

    responses = list(clocked.find(GENERAL.uid, make_request("RPI-EMPTY-001"), broken))
    assert statuses(responses) == [0xC000]
    assert responses[0].error_comment == "Unable to process: internal error"
