"""RPI C-FIND over the network: statuses, wire form of each response, transfer syntaxes."""

from __future__ import annotations

import pytest
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from net.conftest import StartServer
from net.support import (
    INTL_NAME,
    ISSUER,
    NO_DATA_SET,
    WireRecorder,
    context_transfer_syntax,
    save_test_patients,
)
from rpiq.encode.dataset import decode_identifier
from rpiq.net.client import RpiClient, build_request
from rpiq.net.contexts import SOP_BY_NAME
from rpiq.net.server import RpiServer
from rpiq.net.sop_names import SopName
from rpiq.store import SqlPatientRepository

PENDING_WITH_DATA_SET = (0xFF00, 0x0001)
SUCCESS_WITHOUT_DATA_SET = (0x0000, NO_DATA_SET)
PATIENT_ID_TAG = 0x00100020
ROOT_CONCEPTS = {"general": "111517", "breast": "111511", "cardiac": "11329-0"}


def test_echo(server: RpiServer, client: RpiClient) -> None:
    assert client.echo(*server.address) == 0x0000


def test_match_is_one_pending_with_identifier_then_success_without(
    server: RpiServer, client: RpiClient, recorder: WireRecorder
) -> None:
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        result = session.find(build_request("NET-001"), "general")

    assert recorder.wire() == [PENDING_WITH_DATA_SET, SUCCESS_WITHOUT_DATA_SET]
    assert recorder.responses[1].data_set == b""
    assert {r.AffectedSOPClassUID for r in recorder.responses} == {SOP_BY_NAME["general"].uid}
    assert result.matched
    assert result.pending_count == 1
    identifier = result.identifier
    assert identifier is not None
    assert identifier.PatientID == "NET-001"
    assert identifier.IssuerOfPatientID == ISSUER
    assert str(identifier.PatientName) == "Doe^Jane"
    assert identifier.ValueType == "CONTAINER"
    assert identifier.ConceptNameCodeSequence[0].CodeValue == "111517"
    assert len(identifier.ContentSequence) > 0
    template = identifier.ContentTemplateSequence[0]
    assert (template.MappingResource, template.TemplateIdentifier) == ("DCMR", "9007")


def test_no_match_is_a_lone_success_without_data_set(
    server: RpiServer, client: RpiClient, recorder: WireRecorder
) -> None:
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        result = session.find(build_request("NOBODY-HERE"), "general")

    assert recorder.wire() == [SUCCESS_WITHOUT_DATA_SET]
    assert (result.status, result.identifier, result.pending_count) == (0x0000, None, 0)


def test_more_than_one_match_is_c100_and_the_issuer_disambiguates(
    server: RpiServer, client: RpiClient, recorder: WireRecorder
) -> None:
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        ambiguous = session.find(build_request("NET-DUP"), "general")
        one = session.find(build_request("NET-DUP", "HOSPITAL-A"), "general")

    assert recorder.wire()[0] == (0xC100, NO_DATA_SET)
    assert ambiguous.status == 0xC100
    assert ambiguous.identifier is None
    assert ambiguous.error_comment
    assert one.matched
    assert one.identifier is not None
    assert str(one.identifier.PatientName) == "Dup^Adam"


def test_template_not_allowed_for_the_sop_class_is_c200(
    server: RpiServer, client: RpiClient, recorder: WireRecorder
) -> None:
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        result = session.find(build_request("NET-001", sop="breast", template="3802"), "breast")

    assert recorder.wire() == [(0xC200, NO_DATA_SET)]
    assert result.status == 0xC200
    assert result.meaning == "Failed: Unable to support requested template"
    assert result.description == "0xC200 Failure: " + result.meaning


@pytest.mark.parametrize("PatientID", [None, "", "NET*", "NET-00?"])
def test_missing_empty_or_wildcard_patient_id_is_a900_naming_the_element(
    server: RpiServer, client: RpiClient, recorder: WireRecorder, PatientID: str | None
) -> None:
    request = build_request("placeholder")
    if PatientID is None:
        del request.PatientID
    else:
        request.PatientID = PatientID
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        result = session.find(request, "general")

    assert recorder.wire() == [(0xA900, NO_DATA_SET)]
    assert result.status == 0xA900
    assert result.offending_element == (PATIENT_ID_TAG,)


@pytest.mark.parametrize("sop", ["general", "breast", "cardiac"])
def test_without_content_template_sequence_the_default_root_is_answered_and_echoed(
    server: RpiServer, client: RpiClient, sop: SopName
) -> None:
    request = build_request("NET-001", sop=sop)
    del request.ContentTemplateSequence
    with client.connect(*server.address, sops=(sop,)) as session:
        result = session.find(request, sop)

    assert result.matched
    identifier = result.identifier
    assert identifier is not None
    assert identifier.ConceptNameCodeSequence[0].CodeValue == ROOT_CONCEPTS[sop]
    template = identifier.ContentTemplateSequence[0]
    assert template.TemplateIdentifier == SOP_BY_NAME[sop].default_root
    assert template.MappingResource == "DCMR"


@pytest.mark.parametrize(
    "transfer_syntax",
    [ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian],
)
def test_each_transfer_syntax_carries_the_same_answer(
    server: RpiServer, recorder: WireRecorder, transfer_syntax: str
) -> None:
    client = RpiClient(timeout=10.0, transfer_syntaxes=(transfer_syntax,))
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        assert context_transfer_syntax(session, SOP_BY_NAME["general"].uid) == transfer_syntax
        result = session.find(build_request("NET-001"), "general")

    assert result.matched
    assert result.identifier is not None
    # The bytes on the wire really are in this transfer syntax (deflated ones too).
    on_the_wire = decode_identifier(recorder.responses[0].data_set, transfer_syntax)
    assert on_the_wire.PatientID == "NET-001"
    assert on_the_wire.ContentSequence == result.identifier.ContentSequence


def test_non_ascii_answer_is_sent_in_iso_ir_192(
    server: RpiServer, client: RpiClient, recorder: WireRecorder
) -> None:
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        result = session.find(build_request("NET-INTL", ISSUER), "general")

    assert result.identifier is not None
    assert result.identifier.SpecificCharacterSet == "ISO_IR 192"
    assert str(result.identifier.PatientName) == INTL_NAME
    assert "大塚^千代子".encode() in recorder.responses[0].data_set


def test_query_answers_from_the_database_fixture(
    repository: SqlPatientRepository, start_server: StartServer, client: RpiClient
) -> None:
    """The same exchange on SQLite and on the PostgreSQL server the suite starts."""
    save_test_patients(repository)
    server = start_server(repository=repository)

    match = client.query(*server.address, "NET-001", IssuerOfPatientID=ISSUER)
    none = client.query(*server.address, "NET-404")

    assert match.matched
    assert match.identifier is not None
    assert match.identifier.PatientID == "NET-001"
    assert (none.status, none.identifier) == (0x0000, None)
