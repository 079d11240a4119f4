"""The client: the request it builds (digest §5 SCU checklist) and association failures."""

from __future__ import annotations

import socket
import threading

import pytest
from pydicom.dataset import Dataset

from rpiq.encode.dataset import EXPLICIT_VR_LITTLE_ENDIAN, encode_identifier
from rpiq.errors import AssociationFailed
from rpiq.net.client import QueryResult, RpiClient, build_request

ZERO_LENGTH_KEYS = (
    "PatientName",
    "PatientBirthDate",
    "PatientSex",
    "ObservationDateTime",
    "ValueType",
)


def test_request_has_zero_length_return_keys_and_empty_sequences() -> None:
    request = build_request("MR975311", sop="breast")

    assert request.PatientID == "MR975311"
    for keyword in (*ZERO_LENGTH_KEYS, "IssuerOfPatientID"):
        assert keyword in request
        assert request[keyword].value in ("", None)
    assert "SpecificCharacterSet" not in request
    # PS3.4 Q.4.3.1.2.1: both sequences "shall always be sent zero length".
    encoded = encode_identifier(request, EXPLICIT_VR_LITTLE_ENDIAN)
    assert b"\x40\x00\x43\xa0SQ\x00\x00\x00\x00\x00\x00" in encoded
    assert b"\x40\x00\x30\xa7SQ\x00\x00\x00\x00\x00\x00" in encoded
    (template,) = request.ContentTemplateSequence
    assert (template.MappingResource, template.TemplateIdentifier) == ("DCMR", "9000")


@pytest.mark.parametrize(
    ("sop", "template", "expected"),
    [("general", None, "9007"), ("cardiac", None, "3802"), ("general", "9003", "9003")],
)
def test_template_defaults_to_the_sop_class_root(
    sop: str, template: str | None, expected: str
) -> None:
    request = build_request("X", sop=sop, template=template)  # type: ignore[arg-type]
    assert request.ContentTemplateSequence[0].TemplateIdentifier == expected


def test_issuer_is_a_matching_key_when_given() -> None:
    assert build_request("X", "HOSPITAL-A").IssuerOfPatientID == "HOSPITAL-A"


def test_specific_character_set_only_for_non_ascii_keys() -> None:
    assert build_request("患者-1").SpecificCharacterSet == "ISO_IR 192"
    assert build_request("P-1", "Hôpital").SpecificCharacterSet == "ISO_IR 192"


def test_result_categories() -> None:
    match = QueryResult(0x0000, "", identifier=Dataset(), pending_count=1)
    assert match.matched
    assert match.category == "Success"
    assert not QueryResult(0x0000, "").matched
    assert QueryResult(0xC100, "").category == "Failure"
    assert QueryResult(0xFE00, "").category == "Cancel"


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_nothing_listening_is_association_failed() -> None:
    with pytest.raises(AssociationFailed, match="no association"):
        RpiClient(timeout=5).query("127.0.0.1", _closed_port(), "X")


def test_peer_that_closes_the_connection_is_association_failed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        listener.settimeout(5)
        client = RpiClient(timeout=5)

        def accept_and_close() -> None:
            connection, _ = listener.accept()
            connection.close()

        closer = threading.Thread(target=accept_and_close)
        closer.start()
        with pytest.raises(AssociationFailed):
            client.echo("127.0.0.1", port)
        closer.join(5)
