"""End to end: the asyncio engine as a secure node, real clients, real certificates.

Mutual TLS with certificates made by ``openssl``; clients without or with a wrong certificate
refused and audited; calling AE titles off the allow-list rejected with reason 3 (seen by a
pynetdicom client); User Identity accepted and refused; audit records for served and refused
requests; ``rpiq query`` over TLS.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pynetdicom import AE

from net.support import ISSUER, save_test_patients
from rpiq.config import AccessRule, AccessSettings, TlsSettings, UserAccount
from rpiq.errors import AssociationFailed
from rpiq.net.client import RpiClient, late_rejection
from rpiq.net.passwords import hash_password
from rpiq.net.tls import client_context
from rpiq.service.status import BREAST, GENERAL
from rpiq.store import SqlPatientRepository, open_repository
from security.nodes import (
    SecureNode,
    alert_description,
    event_id,
    event_type,
    outcome,
    patient_ids,
    start_node,
)
from security.pki import CLIENT_SUBJECT, Pki

QUERY, SECURITY_ALERT, USER_AUTHENTICATION, APPLICATION_ACTIVITY = (
    "110112",
    "110113",
    "110114",
    "110100",
)
NODE_AUTHENTICATION, LOGIN = "110126", "110122"
PATIENT = "NET-001"
PASSCODE = "wonderland"


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlPatientRepository]:
    path = tmp_path_factory.mktemp("secure") / "rpiq.db"
    repository = open_repository(f"sqlite:///{path}")
    save_test_patients(repository)
    try:
        yield repository
    finally:
        repository.close()


@pytest.fixture
def nodes(repository: SqlPatientRepository, tmp_path: Path) -> Iterator[Any]:
    started: list[SecureNode] = []

    def start(tls: TlsSettings | None = None, **settings: Any) -> SecureNode:
        folder = tmp_path / f"node{len(started)}"
        folder.mkdir()
        node = start_node(repository, folder, tls, **settings)
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()


def _mutual(pki: Pki) -> TlsSettings:
    return TlsSettings(pki.server.cert, pki.server.key, pki.ca)


def _tls_client(pki: Pki, identity: Any = None, **client: Any) -> RpiClient:
    settings = TlsSettings(
        identity.cert if identity else None, identity.key if identity else None, pki.ca
    )
    return RpiClient(timeout=10.0, tls_context=client_context(settings), **client)


def _query(client: RpiClient, address: tuple[str, int], sop: Any = "general") -> int:
    result = client.query(*address, PATIENT, IssuerOfPatientID=ISSUER, sop=sop)
    return result.status


# -- TLS ----------------------------------------------------------------------------------------


def test_mutual_tls_query_is_served_and_audited(nodes: Any, pki: Pki) -> None:
    node = nodes(_mutual(pki), plain_listener=False)
    result = _tls_client(pki, pki.client).query(
        *node.tls_address, PATIENT, IssuerOfPatientID=ISSUER
    )
    assert result.matched
    assert result.identifier is not None
    assert result.identifier.PatientName == "Doe^Jane"
    [query] = node.wait_for(lambda event: event_id(event) == QUERY)
    assert outcome(query) == "0"
    assert patient_ids(query) == [PATIENT]
    requestor = query.find("ActiveParticipant")
    assert requestor is not None
    assert requestor.get("UserName") == CLIENT_SUBJECT
    assert requestor.get("UserID") == "RPIQ-SCU"


@pytest.mark.parametrize("who", ["no certificate", "rogue certificate", "plain DICOM"])
def test_unverified_clients_are_refused_and_audited(nodes: Any, pki: Pki, who: str) -> None:
    node = nodes(_mutual(pki), plain_listener=False)
    if who == "plain DICOM":
        client = RpiClient(timeout=10.0)
    else:
        client = _tls_client(pki, None if who == "no certificate" else pki.rogue_client)
    with pytest.raises(AssociationFailed):
        _query(client, node.tls_address)
    [alert] = node.wait_for(lambda event: event_id(event) == SECURITY_ALERT)
    assert event_type(alert) == NODE_AUTHENTICATION
    assert "TLS handshake" in alert_description(alert)
    assert not [event for event in node.events() if event_id(event) == QUERY]
    # the node still serves a verified client
    assert _query(_tls_client(pki, pki.client), node.tls_address) == 0x0000


def test_plain_and_tls_listeners_side_by_side(nodes: Any, pki: Pki) -> None:
    node = nodes(_mutual(pki))
    assert node.server.address != node.tls_address
    assert _query(RpiClient(timeout=10.0), node.server.address) == 0x0000
    assert _query(_tls_client(pki, pki.client), node.tls_address) == 0x0000


def test_rpiq_query_over_tls(nodes: Any, pki: Pki) -> None:
    node = nodes(_mutual(pki), plain_listener=False)
    host, port = node.tls_address
    base = [sys.executable, "-m", "rpiq", "query", host, str(port)]
    base += ["--patient-id", PATIENT, "--issuer", ISSUER, "--tls-ca", str(pki.ca)]
    with_cert = [*base, "--tls-cert", str(pki.client.cert), "--tls-key", str(pki.client.key)]
    done = subprocess.run(with_cert, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Doe^Jane" in done.stdout
    refused = subprocess.run(base, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 3
    assert "no association" in refused.stderr or "aborted" in refused.stderr


# -- allow-list ---------------------------------------------------------------------------------


def _pynetdicom_associate(
    address: tuple[str, int], calling: str, called: str = "RPIQ"
) -> tuple[bool, Any]:
    """Whether pynetdicom's own SCU got an association (released at once), and the association."""
    ae = AE(ae_title=calling)
    ae.add_requested_context(GENERAL.uid)
    assoc = ae.associate(*address, ae_title=called)
    established = assoc.is_established
    if established:
        assoc.release()
    return established, assoc


def _rejection(assoc: Any) -> Any:
    """The A-ASSOCIATE-RJ pynetdicom received (see rpiq.net.client.late_rejection for the
    race in which pynetdicom reports an abort although the rejection arrived)."""
    primitive = assoc.acceptor.primitive if assoc.is_rejected else late_rejection(assoc)
    assert primitive is not None, "no A-ASSOCIATE-RJ received"
    return primitive


def test_unknown_calling_ae_title_gets_reason_3_and_an_alert(nodes: Any) -> None:
    node = nodes(access=AccessSettings(allow=(AccessRule("MODALITY"),)))
    assert _pynetdicom_associate(node.server.address, "MODALITY")[0]
    established, assoc = _pynetdicom_associate(node.server.address, "INTRUDER")
    assert not established
    primitive = _rejection(assoc)
    assert (primitive.result, primitive.result_source, primitive.diagnostic) == (1, 1, 3)
    with pytest.raises(AssociationFailed, match="Calling AE title not recognised"):
        RpiClient(calling_ae="INTRUDER", timeout=10.0).echo(*node.server.address)
    alerts = node.wait_for(lambda event: event_id(event) == SECURITY_ALERT, count=2)
    assert len(alerts) == 2
    alert = alerts[0]
    assert event_type(alert) == NODE_AUTHENTICATION
    description = alert_description(alert)
    assert "calling AE title not recognized" in description
    assert "INTRUDER" in description


def test_wrong_called_ae_title_is_rejected_when_checked(nodes: Any) -> None:
    node = nodes(check_called_ae_title=True)
    _, assoc = _pynetdicom_associate(node.server.address, "MODALITY", called="SOMEONE-ELSE")
    assert _rejection(assoc).diagnostic == 7
    assert node.wait_for(lambda event: event_id(event) == SECURITY_ALERT)


def test_rule_bound_to_certificate_subject_and_sop_class(nodes: Any, pki: Pki) -> None:
    rule = AccessRule("MAMMO", sop_classes=("breast",), certificate_subject=CLIENT_SUBJECT)
    node = nodes(_mutual(pki), plain_listener=False, access=AccessSettings(allow=(rule,)))
    assert _query(_tls_client(pki, pki.client, calling_ae="MAMMO"), node.tls_address, "breast") == 0
    with pytest.raises(AssociationFailed, match="did not accept"):  # general: not for MAMMO
        _query(_tls_client(pki, pki.client, calling_ae="MAMMO"), node.tls_address)
    with pytest.raises(AssociationFailed, match="rejected"):  # same AE title, other certificate
        _query(_tls_client(pki, pki.other_client, calling_ae="MAMMO"), node.tls_address, "breast")
    queries = node.wait_for(lambda event: event_id(event) == QUERY)
    assert len(queries) == 1
    sop = queries[0].find("ParticipantObjectIdentification")
    assert sop is not None
    assert sop.get("ParticipantObjectID") == BREAST.uid


# -- User Identity ------------------------------------------------------------------------------


def _users() -> AccessSettings:
    return AccessSettings(
        users=(UserAccount("alice", hash_password(PASSCODE, n=2**10)),),
        require_user_identity=True,
    )


def test_user_identity_accepted(nodes: Any) -> None:
    node = nodes(access=_users())
    for positive in (False, True):
        client = RpiClient(
            timeout=10.0, username="alice", password=PASSCODE, positive_response=positive
        )
        assert _query(client, node.server.address) == 0x0000


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "looking-glass"), ("mallory", "wonderland"), ("alice", None), (None, None)],
    ids=["wrong passcode", "unknown user", "username only", "no identity"],
)
def test_user_identity_refused_and_audited(
    nodes: Any, username: str | None, password: str | None
) -> None:
    node = nodes(access=_users())
    client = RpiClient(timeout=10.0, username=username, password=password)
    with pytest.raises(AssociationFailed, match="rejected"):
        _query(client, node.server.address)
    [alert] = node.wait_for(lambda event: event_id(event) == SECURITY_ALERT)
    assert event_type(alert) == LOGIN
    [login] = node.wait_for(lambda event: event_id(event) == USER_AUTHENTICATION)
    assert outcome(login) == "4"
    person = login.find("ActiveParticipant")
    assert person is not None
    assert person.get("UserID") == (username or "RPIQ-SCU")
    text = node.audit_path.read_text(encoding="utf-8")
    assert "wonderland" not in text
    assert "looking-glass" not in text


# -- the audit trail over a node's life ---------------------------------------------------------


def test_audit_trail_records_start_queries_and_stop(nodes: Any, repository: Any) -> None:
    node = nodes()
    client = RpiClient(timeout=10.0)
    assert _query(client, node.server.address) == 0x0000
    unknown = client.query(*node.server.address, "NOBODY-HERE", IssuerOfPatientID=ISSUER)
    assert unknown.status == 0x0000
    assert not unknown.matched
    duplicate = client.query(*node.server.address, "NET-DUP")
    assert duplicate.status == 0xC100
    node.wait_for(lambda event: event_id(event) == QUERY, count=3)
    node.stop()
    events = node.events()
    assert [event_id(event) for event in events] == [
        APPLICATION_ACTIVITY, QUERY, QUERY, QUERY, APPLICATION_ACTIVITY,
    ]  # fmt: skip
    assert [event_type(events[0]), event_type(events[-1])] == ["110120", "110121"]
    assert [patient_ids(event) for event in events[1:4]] == [
        [PATIENT],
        ["NOBODY-HERE"],
        ["NET-DUP"],
    ]
    assert [outcome(event) for event in events[1:4]] == ["0", "0", "4"]
