"""DICOM audit messages (PS3.15 A.5): valid per the A.5.1 schema rules, right per A.5.3."""

from __future__ import annotations

import base64
from xml.etree.ElementTree import Element, tostring

import pytest
from pydicom.filebase import DicomBytesIO
from pydicom.filereader import read_dataset

from rpiq.audit import messages
from rpiq.net.hooks import PeerInfo, Rejection
from security.audit_schema import check_audit_message, parse_xml

SOURCE = messages.Source(ae_title="RPIQ", host_name="rpiq-host", enterprise_site_id="SITE-1")
NODE = messages.Node(address="10.1.2.3", ae_title="MODALITY", tls_subject="CN=m1,O=H")
BREAST_UID = "1.2.840.10008.5.1.4.37.2"


def _parse(xml: str) -> Element:
    assert check_audit_message(xml) == []
    assert "\n" not in xml
    return parse_xml(xml)


def _code(element: Element | None) -> tuple[str | None, str | None, str | None]:
    assert element is not None
    return element.get("csd-code"), element.get("codeSystemName"), element.get("originalText")


def _participant(message: Element, role: str) -> Element:
    found = [
        participant
        for participant in message.iter("ActiveParticipant")
        if any(code.get("csd-code") == role for code in participant.iter("RoleIDCode"))
    ]
    assert len(found) == 1
    return found[0]


def _object(message: Element, role: str) -> Element:
    found = [
        item
        for item in message.iter("ParticipantObjectIdentification")
        if item.get("ParticipantObjectTypeCodeRole") == role
    ]
    assert len(found) == 1
    return found[0]


def _query(status: int = 0x0000, PatientID: str = "P-42", issuer: str | None = "HOSP") -> str:
    return messages.query(
        SOURCE,
        NODE,
        sop_class_uid=BREAST_UID,
        PatientID=PatientID,
        IssuerOfPatientID=issuer,
        status=status,
    )


def test_query_message_follows_a_5_3_10() -> None:
    message = _parse(_query())
    event = message.find("EventIdentification")
    assert event is not None
    assert event.get("EventActionCode") == "E"
    assert event.get("EventOutcomeIndicator") == "0"
    assert _code(event.find("EventID")) == ("110112", "DCM", "Query")
    requestor = _participant(message, "110153")
    assert requestor.get("UserIsRequestor") == "true"
    assert requestor.get("UserID") == "MODALITY"
    assert requestor.get("AlternativeUserID") == "AETITLES=MODALITY"
    assert requestor.get("UserName") == "CN=m1,O=H"
    assert requestor.get("NetworkAccessPointID") == "10.1.2.3"
    assert requestor.get("NetworkAccessPointTypeCode") == "2"
    responder = _participant(message, "110152")
    assert responder.get("UserIsRequestor") == "false"
    assert responder.get("UserID") == "RPIQ"
    source = message.find("AuditSourceIdentification")
    assert source is not None
    assert source.get("AuditSourceID") == "RPIQ@rpiq-host"
    assert source.get("AuditEnterpriseSiteID") == "SITE-1"


def test_query_names_the_sop_class_and_carries_the_matching_keys() -> None:
    queried = _object(_parse(_query(PatientID="Ōtsuka-7")), "3")
    assert queried.get("ParticipantObjectTypeCode") == "2"
    assert queried.get("ParticipantObjectID") == BREAST_UID
    assert _code(queried.find("ParticipantObjectIDTypeCode")) == ("110181", "DCM", "SOP Class UID")
    detail = queried.find("ParticipantObjectDetail")
    assert detail is not None
    assert detail.get("type") == "TransferSyntax"
    assert base64.b64decode(detail.get("value", "")) == b"1.2.840.10008.1.2.1"
    encoded = base64.b64decode(queried.findtext("ParticipantObjectQuery", ""))
    dataset = read_dataset(DicomBytesIO(encoded), is_implicit_VR=False, is_little_endian=True)
    assert dataset.SpecificCharacterSet == "ISO_IR 192"
    assert dataset.PatientID == "Ōtsuka-7"
    assert dataset.IssuerOfPatientID == "HOSP"


def test_query_names_the_patient() -> None:
    patient = _object(_parse(_query()), "1")
    assert patient.get("ParticipantObjectTypeCode") == "1"
    assert patient.get("ParticipantObjectID") == "P-42"
    assert _code(patient.find("ParticipantObjectIDTypeCode")) == ("2", "RFC-3881", "Patient Number")
    assert patient.findtext("ParticipantObjectName") == "P-42^^^HOSP"


def test_query_without_patient_id_names_no_patient() -> None:
    message = _parse(_query(status=0xA900, PatientID="", issuer=None))
    assert [
        item.get("ParticipantObjectTypeCodeRole")
        for item in message.iter("ParticipantObjectIdentification")
    ] == ["3"]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (0x0000, "0"),
        (0xFE00, "4"),
        (0xA900, "4"),
        (0xC100, "4"),
        (0xC200, "4"),
        (0xA700, "8"),
        (0xC000, "8"),
    ],
)
def test_query_outcome_follows_the_final_status(status: int, outcome: str) -> None:
    event = _parse(_query(status=status)).find("EventIdentification")
    assert event is not None
    assert event.get("EventOutcomeIndicator") == outcome
    assert event.findtext("EventOutcomeDescription") == f"C-FIND final status 0x{status:04X}"


@pytest.mark.parametrize(
    ("alert_type", "code"),
    [(messages.NODE_AUTHENTICATION, "110126"), (messages.LOGIN, "110122")],
)
def test_security_alert_follows_a_5_3_11(alert_type: messages.Code, code: str) -> None:
    message = _parse(messages.security_alert(SOURCE, NODE, alert_type, "calling AE refused"))
    event = message.find("EventIdentification")
    assert event is not None
    assert _code(event.find("EventID")) == ("110113", "DCM", "Security Alert")
    assert _code(event.find("EventTypeCode"))[0] == code
    assert event.get("EventOutcomeIndicator") == "4"
    subject = _object(message, "13")
    assert subject.get("ParticipantObjectID") == "10.1.2.3"
    assert _code(subject.find("ParticipantObjectIDTypeCode")) == ("110182", "DCM", "Node ID")
    detail = subject.find("ParticipantObjectDetail")
    assert detail is not None
    assert detail.get("type") == "Alert Description"
    assert base64.b64decode(detail.get("value", "")).decode() == "calling AE refused"
    assert all(p.get("UserIsRequestor") == "false" for p in message.iter("ActiveParticipant"))


def test_user_authentication_failure_follows_a_5_3_12() -> None:
    message = _parse(messages.user_authentication_failure(SOURCE, NODE, "mallory"))
    event = message.find("EventIdentification")
    assert event is not None
    assert _code(event.find("EventID")) == ("110114", "DCM", "User Authentication")
    assert _code(event.find("EventTypeCode")) == ("110122", "DCM", "Login")
    assert event.get("EventOutcomeIndicator") == "4"
    users = [p.get("UserID") for p in message.iter("ActiveParticipant")]
    assert users == ["mallory", "RPIQ"]


@pytest.mark.parametrize(("started", "code"), [(True, "110120"), (False, "110121")])
def test_application_activity_follows_a_5_3_1(started: bool, code: str) -> None:
    message = _parse(messages.application_activity(SOURCE, started, "operator"))
    event = message.find("EventIdentification")
    assert event is not None
    assert _code(event.find("EventID")) == ("110100", "DCM", "Application Activity")
    assert _code(event.find("EventTypeCode"))[0] == code
    application = _participant(message, "110150")
    assert application.get("AlternativeUserID") == "AETITLES=RPIQ"
    assert _participant(message, "110151").get("UserID") == "operator"


def test_hostile_values_still_give_one_valid_line() -> None:
    node = messages.Node(address="10.0.0.9", ae_title="EVIL\x00\n<x>&")
    xml = messages.query(
        SOURCE,
        node,
        sop_class_uid=BREAST_UID,
        PatientID="<script>\x07\r\n" + "9" * 5000,
        IssuerOfPatientID="]]>&amp;",
        status=0xA900,
    )
    message = _parse(xml)
    assert len(xml) < 20_000
    requestor = _participant(message, "110153")
    assert requestor.get("UserID") == "EVIL\ufffd <x>&"
    patient = _object(message, "1")
    assert patient.get("ParticipantObjectID", "").startswith("<script>\ufffd  999")


def test_the_schema_checker_finds_violations() -> None:
    valid = _query()
    assert check_audit_message(valid) == []
    broken = {
        "missing UserIsRequestor": valid.replace(' UserIsRequestor="true"', "", 1),
        "bad outcome": valid.replace('EventOutcomeIndicator="0"', 'EventOutcomeIndicator="1"'),
        "unknown attribute": valid.replace("<EventID ", '<EventID code="x" ', 1),
        "order": _source_first(valid),
        "no name nor query": _without_query(valid),
        "no participant": _without_participants(valid),
    }
    for what, xml in broken.items():
        assert check_audit_message(xml), what


def _source_first(xml: str) -> str:
    message = parse_xml(xml)
    source = message.find("AuditSourceIdentification")
    assert source is not None
    message.remove(source)
    message.insert(1, source)
    return tostring(message, encoding="unicode")


def _without_query(xml: str) -> str:
    start = xml.index("<ParticipantObjectQuery>")
    end = xml.index("</ParticipantObjectQuery>") + len("</ParticipantObjectQuery>")
    return xml[:start] + xml[end:]


def _without_participants(xml: str) -> str:
    start = xml.index("<ActiveParticipant ")
    end = xml.index("<AuditSourceIdentification")
    return xml[:start] + xml[end:]


def test_peer_dataclasses_map_onto_nodes() -> None:
    """The hooks' PeerInfo and Rejection carry what the alert needs (a contract check)."""
    peer = PeerInfo("a1", "10.0.0.1", 1234, "CALLING", "RPIQ", tls_subject="CN=x")
    rejection = Rejection(1, 1, 3, "calling AE title not recognized")
    assert (peer.calling_ae_title, rejection.reason) == ("CALLING", 3)
