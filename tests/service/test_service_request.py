"""Request identifier rules (PS3.4 Q.2.1.1.3.1, Tables Q.4-1/Q.4-2), checked through the
service's answers: exact status, Offending Element and an Error Comment, never an identifier."""

from __future__ import annotations

import random
import struct

import pytest
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from rpiq.encode.dataset import EXPLICIT_VR_LITTLE_ENDIAN, decode_identifier, encode_identifier
from rpiq.service.query import QueryService, undecodable
from rpiq.service.request import parse_request
from rpiq.service.responses import FindResponse
from rpiq.service.status import BREAST, CARDIAC, GENERAL, SOPClass
from rpiq.store import SqlPatientRepository

from .conftest import make_patient, make_request, never, template_item

PATIENT_ID = 0x00100020
ISSUER = 0x00100021
CHARSET = 0x00080005
CONTENT_TEMPLATE_SEQUENCE = 0x0040A504


class Answer:
    """Every response the service gives to one request."""

    def __init__(self, service: QueryService) -> None:
        self._service = service

    def __call__(self, request: Dataset, sop_class_uid: str = GENERAL.uid) -> list[FindResponse]:
        return list(self._service.find(sop_class_uid, request, never))


@pytest.fixture
def answer(sqlite_repository: SqlPatientRepository) -> Answer:
    return Answer(QueryService(sqlite_repository, max_concurrent_lookups=2))


def assert_failure(
    responses: list[FindResponse], status: int, offending: tuple[int, ...] | None
) -> FindResponse:
    assert [r.status for r in responses] == [status]
    (response,) = responses
    assert response.identifier is None
    assert response.error_comment
    assert len(response.error_comment) <= 64
    assert response.error_comment.isascii()
    if offending is not None:
        assert response.offending_element == offending
    return response


@pytest.mark.parametrize(
    ("PatientID", "why"),
    [
        (None, "required"),
        ("", "empty"),
        ("   ", "empty"),
        ("RPI-*", "wild"),
        ("RPI-?01", "wild"),
        ("*", "wild"),
        ("RPI\tX", "control"),
    ],
)
def test_patient_id_missing_empty_or_wild_is_a900(
    answer: Answer, PatientID: str | None, why: str
) -> None:
    response = assert_failure(answer(make_request(PatientID)), 0xA900, (PATIENT_ID,))
    assert "Patient ID" in (response.error_comment or "")


def test_multi_valued_patient_id_is_a900(answer: Answer) -> None:
    request = make_request(None)
    request.PatientID = MultiValue(str, ["A", "B"])
    assert_failure(answer(request), 0xA900, (PATIENT_ID,))


def test_patient_id_padding_removed_and_nothing_else() -> None:
    parsed = parse_request(GENERAL, make_request("  RPI-EMPTY-001  "))
    assert parsed.PatientID == "RPI-EMPTY-001"
    parsed = parse_request(GENERAL, make_request("rpi-empty-001\0"))
    assert parsed.PatientID == "rpi-empty-001"  # case kept: matching is case-sensitive
    parsed = parse_request(GENERAL, make_request("RPI EMPTY"))
    assert parsed.PatientID == "RPI EMPTY"  # inner spaces are significant


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({}, None),
        ({"IssuerOfPatientID": ""}, None),
        ({"IssuerOfPatientID": "  "}, None),
        ({"IssuerOfPatientID": "HOSPITAL-A "}, "HOSPITAL-A"),
    ],
)
def test_issuer_absent_zero_length_or_value(keys: dict[str, str], expected: str | None) -> None:
    parsed = parse_request(GENERAL, make_request("RPI-DUP-001", **keys))
    assert parsed.IssuerOfPatientID == expected
    assert ("IssuerOfPatientID" in parsed.requested) == bool(keys)


def test_wild_issuer_is_a900(answer: Answer) -> None:
    request = make_request("RPI-DUP-001", IssuerOfPatientID="HOSPITAL-*")
    assert_failure(answer(request), 0xA900, (ISSUER,))


@pytest.mark.parametrize("keyword", ["ConceptNameCodeSequence", "ContentSequence"])
def test_non_empty_structure_sequences_are_a900(answer: Answer, keyword: str) -> None:
    item = Dataset()
    item.CodeValue = "111517"
    request = make_request("RPI-EMPTY-001", **{keyword: [item]})
    tag = 0x0040A043 if keyword == "ConceptNameCodeSequence" else 0x0040A730
    assert_failure(answer(request), 0xA900, (tag,))


def test_two_template_items_is_a900(answer: Answer) -> None:
    request = make_request(ContentTemplateSequence=[template_item("9007"), template_item("9000")])
    assert_failure(answer(request), 0xA900, (CONTENT_TEMPLATE_SEQUENCE,))


@pytest.mark.parametrize("missing", ["MappingResource", "TemplateIdentifier"])
def test_template_item_without_type1_attribute_is_a900(answer: Answer, missing: str) -> None:
    item = template_item("9007")
    delattr(item, missing)
    request = make_request(ContentTemplateSequence=[item])
    assert_failure(answer(request), 0xA900, (CONTENT_TEMPLATE_SEQUENCE,))


@pytest.mark.parametrize(
    ("sop_class_uid", "item"),
    [
        (GENERAL.uid, template_item("9007", "99LOCAL")),
        (GENERAL.uid, template_item("2000")),
        (GENERAL.uid, template_item("9999")),
        (BREAST.uid, template_item("9007")),
        (BREAST.uid, template_item("3802")),
        (CARDIAC.uid, template_item("9000")),
        (CARDIAC.uid, template_item("9007")),
    ],
)
def test_unsupported_template_is_c200(answer: Answer, sop_class_uid: str, item: Dataset) -> None:
    request = make_request(ContentTemplateSequence=[item])
    assert_failure(answer(request, sop_class_uid), 0xC200, ())


def test_foreign_mapping_resource_uid_is_c200(answer: Answer) -> None:
    item = template_item("9007")
    item.MappingResourceUID = "1.2.3.4"
    assert_failure(answer(make_request(ContentTemplateSequence=[item])), 0xC200, ())


@pytest.mark.parametrize(
    ("sop_class", "default"), [(GENERAL, "9007"), (BREAST, "9000"), (CARDIAC, "3802")]
)
def test_absent_or_empty_template_sequence_means_default_root(
    sop_class: SOPClass, default: str
) -> None:
    for request in (make_request(), make_request(ContentTemplateSequence=[])):
        parsed = parse_request(sop_class, request)
        assert parsed.template.TemplateIdentifier == default
        assert parsed.template.MappingResource == "DCMR"


def test_template_identifier_padding_is_ignored() -> None:
    parsed = parse_request(CARDIAC, make_request(ContentTemplateSequence=[template_item(" 3802 ")]))
    assert parsed.template.TemplateIdentifier == "3802"


def test_return_key_values_are_ignored_not_matched() -> None:
    request = make_request("RPI-EMPTY-001", PatientName="Somebody^Else", PatientSex="F")
    parsed = parse_request(GENERAL, request)
    assert parsed.PatientID == "RPI-EMPTY-001"
    assert parsed.IssuerOfPatientID is None
    assert {"PatientName", "PatientSex"} <= set(parsed.requested)


def test_unknown_specific_character_set_is_a900(answer: Answer) -> None:
    request = make_request(SpecificCharacterSet="ISO_IR 999")
    assert_failure(answer(request), 0xA900, (CHARSET,))


def test_unknown_sop_class_is_refused(answer: Answer) -> None:
    assert_failure(answer(make_request(), "1.2.840.10008.5.1.4.31"), 0x0122, None)


def _explicit(group: int, element: int, VR: bytes, value: bytes) -> bytes:
    return struct.pack("<HH", group, element) + VR + struct.pack("<H", len(value)) + value


def test_lazily_undecodable_patient_id_is_a900_and_server_survives(answer: Answer) -> None:
    # Patient ID sent with VR FD and 3 bytes: parsing the bytes works, decoding the value fails.
    data = _explicit(0x0010, 0x0010, b"PN", b"") + _explicit(0x0010, 0x0020, b"FD", b"123")
    request = decode_identifier(data, EXPLICIT_VR_LITTLE_ENDIAN)
    response = assert_failure(answer(request), 0xA900, (PATIENT_ID,))
    assert (response.error_comment or "").startswith("identifier cannot be decoded")
    assert [r.status for r in answer(make_request("RPI-NOBODY"))] == [0x0000]


@pytest.mark.filterwarnings("ignore:Failed to decode byte string")
def test_bytes_invalid_in_the_declared_character_set_are_a900(answer: Answer) -> None:
    data = _explicit(0x0008, 0x0005, b"CS", b"ISO_IR 192") + _explicit(
        0x0010, 0x0020, b"LO", b"\xff\xfe"
    )
    request = decode_identifier(data, EXPLICIT_VR_LITTLE_ENDIAN)
    assert_failure(answer(request), 0xA900, (PATIENT_ID,))


def test_undecodable_bytes_answer() -> None:
    response = undecodable("EOFError")
    assert response.status == 0xA900
    assert response.identifier is None
    assert response.error_comment == "identifier cannot be decoded: EOFError"
    assert len(undecodable("x" * 200).error_comment or "") == 64


@pytest.mark.filterwarnings("ignore::UserWarning")  # as in production: pydicom only warns
def test_mutated_requests_never_take_the_service_down(
    answer: Answer, sqlite_repository: SqlPatientRepository
) -> None:
    """Seeded byte mutations of a valid request: every one is either refused as undecodable
    or answered with a well-formed response sequence, never an internal error."""
    sqlite_repository.save_patients([make_patient(("RPI-EMPTY-001", "RPIQ-DEMO"))])
    request = make_request("RPI-EMPTY-001", IssuerOfPatientID="RPIQ-DEMO")
    request.ContentTemplateSequence = [template_item("9007")]
    valid = encode_identifier(request, EXPLICIT_VR_LITTLE_ENDIAN)
    rng = random.Random(20240506)
    seen: set[int] = set()
    for _ in range(300):
        data = bytearray(valid)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            del data[rng.randrange(len(data)) :]
        try:
            decoded = decode_identifier(bytes(data), EXPLICIT_VR_LITTLE_ENDIAN)
        except Exception:  # noqa: BLE001 - the net layer answers these with undecodable()
            seen.add(undecodable("bytes").status)
            continue
        responses = answer(decoded)
        *pending, final = responses
        assert all(r.status == 0xFF00 and r.identifier is not None for r in pending)
        assert len(pending) <= 1
        assert final.identifier is None
        assert final.status in {0x0000, 0xA900, 0xC200}, final
        seen.update(r.status for r in responses)
    assert {0xA900, 0xFF00, 0x0000} <= seen
