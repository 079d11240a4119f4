"""A-ASSOCIATE negotiation by the asyncio engine (PS3.8 9.3.2-9.3.4, PS3.7 D.3.3)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from pynetdicom.pdu import A_ASSOCIATE_AC, A_ASSOCIATE_RJ
from pynetdicom.pdu_primitives import (
    AsynchronousOperationsWindowNegotiation,
    SCP_SCU_RoleSelectionNegotiation,
    UserIdentityNegotiation,
)

from engine.conftest import Recorder, StartEngine
from engine.wire import (
    DEFAULT_CONTEXTS,
    EXPLICIT_VR_LE,
    GENERAL_RPI,
    IMPLICIT_VR_LE,
    VERIFICATION,
    Proposed,
    WirePeer,
    associate_rq,
    dataset_bytes,
    find_command,
)
from net.support import ISSUER
from rpiq.encode.dataset import decode_identifier
from rpiq.net.client import RpiClient, build_request
from rpiq.net.engine import RpiServer
from rpiq.net.engine.acse import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from rpiq.net.hooks import Rejection

BREAST_RPI = "1.2.840.10008.5.1.4.37.2"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
BIG_ENDIAN = "1.2.840.10008.1.2.2"


def _rejected(server: RpiServer, rq: bytes) -> A_ASSOCIATE_RJ:
    with WirePeer(server.address) as peer:
        answer = peer.associate(rq)
        assert isinstance(answer, A_ASSOCIATE_RJ)
        assert peer.read_pdu() is None  # and the connection is closed
        return answer


def _accepted(server: RpiServer, rq: bytes) -> A_ASSOCIATE_AC:
    with WirePeer(server.address) as peer:
        answer = peer.associate(rq)
        assert isinstance(answer, A_ASSOCIATE_AC)
        return answer


def test_called_ae_title_checked_is_rejected_reason_7(start_engine: StartEngine) -> None:
    server = start_engine(ae_title="RPIQ-ENGINE", check_called_ae_title=True)
    answer = _rejected(server, associate_rq(called_ae="SOMEONE"))
    assert (answer.result, answer.source, answer.reason_diagnostic) == (1, 1, 7)
    _accepted(server, associate_rq(called_ae="RPIQ-ENGINE"))


def test_over_max_associations_is_rejected_transient_source_3_reason_2(
    start_engine: StartEngine, recorder: Recorder
) -> None:
    server = start_engine(max_associations=1)
    with WirePeer(server.address) as first:
        assert isinstance(first.associate(), A_ASSOCIATE_AC)
        answer = _rejected(server, associate_rq())
    assert (answer.result, answer.source, answer.reason_diagnostic) == (2, 3, 2)
    assert len(recorder.named("association_rejected")) == 1


def test_wrong_application_context_is_rejected_source_1_reason_2(engine: RpiServer) -> None:
    answer = _rejected(engine, associate_rq(application_context="1.2.3.4"))
    assert (answer.result, answer.source, answer.reason_diagnostic) == (1, 1, 2)


def test_policy_rejection_goes_on_the_wire_and_to_the_audit(
    start_engine: StartEngine, recorder: Recorder
) -> None:
    recorder.rejection = Rejection(1, 1, 3, "calling AE title not allowed")
    server = start_engine()
    answer = _rejected(server, associate_rq(calling_ae="STRANGER"))
    assert (answer.result, answer.source, answer.reason_diagnostic) == (1, 1, 3)
    [(peer, rejection)] = recorder.named("association_rejected")
    assert (peer.calling_ae_title, rejection.reason) == ("STRANGER", 3)
    assert recorder.named("association_rejected")
    assert not recorder.named("association_opened")


def test_presentation_context_results(start_engine: StartEngine, recorder: Recorder) -> None:
    recorder.refused_sop_classes = frozenset({BREAST_RPI})
    server = start_engine()
    contexts = (
        Proposed(1, VERIFICATION, (IMPLICIT_VR_LE,)),
        Proposed(3, GENERAL_RPI, (BIG_ENDIAN, DEFLATED, EXPLICIT_VR_LE)),
        Proposed(5, BREAST_RPI),
        Proposed(7, "1.2.3.4.5"),
        Proposed(9, GENERAL_RPI, (BIG_ENDIAN,)),
        Proposed(11, CT_IMAGE_STORAGE),  # no store service: not offered
    )
    answer = _accepted(server, associate_rq(contexts))
    results = {
        int(item.context_id): (item.result, item.transfer_syntax)
        for item in answer.presentation_context
    }
    assert results[1] == (0, IMPLICIT_VR_LE)
    assert results[3] == (0, DEFLATED)  # the requestor's first supported choice
    assert [results[i][0] for i in (5, 7, 9, 11)] == [1, 3, 4, 3]


def test_ac_carries_our_limits_and_implementation(start_engine: StartEngine) -> None:
    server = start_engine(max_pdu_size=32768)
    answer = _accepted(server, associate_rq())
    info = answer.user_information
    assert info is not None
    assert info.maximum_length == 32768
    assert info.implementation_class_uid == IMPLEMENTATION_CLASS_UID
    assert info.implementation_version_name == IMPLEMENTATION_VERSION_NAME
    assert info.async_ops_window is None  # not proposed, not answered


def test_async_window_is_answered_one_by_one(engine: RpiServer) -> None:
    window = AsynchronousOperationsWindowNegotiation()
    window.maximum_number_operations_invoked = 5
    window.maximum_number_operations_performed = 5
    info = _accepted(engine, associate_rq(extra_items=[window])).user_information
    assert info is not None
    assert info.async_ops_window is not None
    assert (
        info.async_ops_window.maximum_number_operations_invoked,
        info.async_ops_window.maximum_number_operations_performed,
    ) == (1, 1)


def _role(sop_class_uid: str, scu: bool, scp: bool) -> SCP_SCU_RoleSelectionNegotiation:
    role = SCP_SCU_RoleSelectionNegotiation()
    role.sop_class_uid = sop_class_uid  # type: ignore[assignment]
    role.scu_role, role.scp_role = scu, scp
    return role


def test_role_selection_accepts_scu_and_never_scp(engine: RpiServer) -> None:
    roles = [_role(GENERAL_RPI, True, True), _role(BREAST_RPI, False, True)]
    contexts = (*DEFAULT_CONTEXTS, Proposed(5, BREAST_RPI))
    answer = _accepted(engine, associate_rq(contexts, extra_items=roles))
    assert answer.user_information is not None
    answered = answer.user_information.role_selection
    assert (answered[GENERAL_RPI].scu_role, answered[GENERAL_RPI].scp_role) == (1, 0)
    assert BREAST_RPI not in answered
    results = {int(item.context_id): item.result for item in answer.presentation_context}
    assert (results[3], results[5]) == (0, 1)  # a requestor that is no SCU has no use of it


@pytest.mark.parametrize("positive", [True, False])
def test_user_identity_reaches_the_policy_and_is_answered_when_asked(
    start_engine: StartEngine, recorder: Recorder, positive: bool
) -> None:
    recorder.server_response = b"ticket"
    server = start_engine()
    identity = UserIdentityNegotiation()
    identity.user_identity_type = 2
    identity.primary_field = b"alice"
    identity.secondary_field = b"s3cret"
    identity.positive_response_requested = positive
    answer = _accepted(server, associate_rq(extra_items=[identity]))
    [(_peer, user)] = recorder.named("admit")
    assert (user.UserIdentityType, user.PrimaryField, user.SecondaryField) == (
        2,
        b"alice",
        b"s3cret",
    )
    assert answer.user_information is not None
    response = answer.user_information.user_identity
    if positive:
        assert response is not None
        assert response.server_response == b"ticket"
    else:
        assert response is None


def test_a_small_peer_maximum_fragments_every_pdu(engine: RpiServer) -> None:
    """A rich-enough answer sent to a peer announcing 256 bytes arrives in PDUs of at most
    256 bytes and reassembles to the same identifier a normal client gets."""
    expected = RpiClient(timeout=10, transfer_syntaxes=(EXPLICIT_VR_LE,)).query(
        *engine.address, "NET-001", IssuerOfPatientID=ISSUER, sop="general"
    )
    assert expected.identifier is not None
    with WirePeer(engine.address) as peer:
        contexts = (Proposed(3, GENERAL_RPI, (EXPLICIT_VR_LE,)),)
        assert isinstance(peer.associate(associate_rq(contexts, max_pdu=256)), A_ASSOCIATE_AC)
        identifier = dataset_bytes(build_request("NET-001", ISSUER))
        peer.send_message(3, find_command(1), identifier)
        pending = peer.read_message()
        final = peer.read_message()
    assert not isinstance(pending, tuple)
    assert pending is not None
    assert not isinstance(final, tuple)
    assert final is not None
    assert (pending.command.Status, final.command.Status) == (0xFF00, 0x0000)
    assert len(pending.pdu_lengths) > 3
    assert max(pending.pdu_lengths) <= 256
    assert pending.data_set is not None
    received = decode_identifier(pending.data_set, EXPLICIT_VR_LE)
    assert received.PatientID == "NET-001"
    assert len(received.ContentSequence) == len(expected.identifier.ContentSequence)


def test_many_associations_at_once(engine: RpiServer) -> None:
    client = RpiClient(timeout=10)
    with ExitStack() as stack:
        sessions = [stack.enter_context(client.connect(*engine.address)) for _ in range(20)]
        assert [session.echo() for session in sessions] == [0] * 20
        assert len(engine.associations) == 20
