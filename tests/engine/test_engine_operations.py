"""The asyncio engine's services and life cycle: C-FIND with hooks, C-CANCEL, C-ECHO (also
from DCMTK's echoscu), C-STORE, A-RELEASE and A-ABORT, graceful stop, TLS."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pynetdicom.pdu import A_ASSOCIATE_AC

from engine.conftest import Recorder, StartEngine
from engine.wire import (
    A_ABORT,
    A_RELEASE_RP,
    EXPLICIT_VR_LE,
    Proposed,
    WirePeer,
    associate_rq,
    command_bytes,
    dataset_bytes,
    find_command,
    pdu,
)
from net.support import ISSUER, BlockingRepository
from rpiq.config import TlsSettings
from rpiq.errors import AssociationFailed
from rpiq.net.client import RpiClient, build_request
from rpiq.net.engine import RpiServer
from rpiq.net.hooks import PeerInfo, StoreOutcome
from rpiq.net.tls import client_context, server_context
from rpiq.store import SqlPatientRepository

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
GENERAL = "1.2.840.10008.5.1.4.37.1"


def test_find_calls_audit_and_metrics(engine: RpiServer, recorder: Recorder) -> None:
    with RpiClient(timeout=10).connect(*engine.address) as session:
        assert session.find(build_request("NET-001", ISSUER), "general").matched
        assert session.find(build_request("NOBODY"), "general").status == 0x0000
    deadline = time.monotonic() + 5
    while not recorder.named("association_closed") and time.monotonic() < deadline:
        time.sleep(0.01)
    queries = recorder.named("query")
    assert [(q[1], q[2], q[3], q[4]) for q in queries] == [
        (GENERAL, "NET-001", ISSUER, 0x0000),
        (GENERAL, "NOBODY", None, 0x0000),
    ]
    assert queries[0][0].calling_ae_title == "RPIQ-SCU"
    assert [q[:2] for q in recorder.named("query_done")] == [(GENERAL, 0), (GENERAL, 0)]
    assert len(recorder.named("association_opened")) == 1
    assert len(recorder.named("association_closed")) == 1
    assert recorder.named("application_started")


def test_c_cancel_reaches_the_running_find(
    start_engine: StartEngine, engine_repository: SqlPatientRepository, recorder: Recorder
) -> None:
    blocking = BlockingRepository(engine_repository)
    server = start_engine(repository=blocking)
    with RpiClient(timeout=10).connect(*server.address) as session:
        call = session.send_find(build_request("NET-001", ISSUER), "general")
        assert blocking.entered.wait(5), "the lookup never started"
        call.cancel()
        deadline = time.monotonic() + 5
        while not any(call.message_id in a.cancelled for a in server.associations):
            assert time.monotonic() < deadline, "the C-CANCEL never reached the server"
            time.sleep(0.005)
        blocking.release.set()
        result = call.result()
        after = session.find(build_request("NET-001", ISSUER), "general")
    assert (result.status, result.identifier) == (0xFE00, None)
    assert after.matched


def test_echo_from_dcmtk_echoscu(engine: RpiServer) -> None:
    echoscu = shutil.which("echoscu")
    if echoscu is None:
        pytest.fail("DCMTK echoscu not installed (Debian package dcmtk)")
    host, port = engine.address
    result = subprocess.run(
        [echoscu, "-v", "-to", "5", "-ta", "5", "-td", "5", host, str(port)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Received Echo Response (Success)" in result.stdout + result.stderr


def test_release_is_answered_and_abort_ends_the_association(engine: RpiServer) -> None:
    with WirePeer(engine.address) as peer:
        assert isinstance(peer.associate(associate_rq()), A_ASSOCIATE_AC)
        peer.send(pdu(0x05, b"\x00" * 4))
        answer = peer.read_pdu()
        assert answer is not None
        assert answer[0] == A_RELEASE_RP
        assert peer.read_pdu() is None
    with WirePeer(engine.address) as peer:
        assert isinstance(peer.associate(associate_rq()), A_ASSOCIATE_AC)
        peer.send(pdu(A_ABORT, b"\x00\x00\x00\x00"))
        assert peer.read_pdu() is None
    deadline = time.monotonic() + 5
    while engine.associations and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.associations == []


def test_release_waits_for_the_find_in_flight(
    start_engine: StartEngine, engine_repository: SqlPatientRepository
) -> None:
    blocking = BlockingRepository(engine_repository)
    server = start_engine(repository=blocking)
    with WirePeer(server.address) as peer:
        contexts = (Proposed(3, GENERAL, (EXPLICIT_VR_LE,)),)
        assert isinstance(peer.associate(associate_rq(contexts)), A_ASSOCIATE_AC)
        peer.send_message(3, find_command(1), dataset_bytes(build_request("NET-001", ISSUER)))
        assert blocking.entered.wait(5)
        peer.send(pdu(0x05, b"\x00" * 4))  # A-RELEASE-RQ while the find runs
        blocking.release.set()
        statuses = []
        while True:
            message = peer.read_message()
            if message is None or isinstance(message, tuple):
                break
            statuses.append(int(message.command.Status))
    assert statuses == [0xFF00, 0x0000]
    assert message is not None
    assert isinstance(message, tuple)
    assert message[0] == A_RELEASE_RP


def test_stop_lets_the_find_in_flight_finish_and_aborts_idle_ones_at_once(
    start_engine: StartEngine, engine_repository: SqlPatientRepository
) -> None:
    blocking = BlockingRepository(engine_repository)
    server = start_engine(repository=blocking)
    client = RpiClient(timeout=10)
    idle = client.connect(*server.address)
    with client.connect(*server.address) as busy:
        call = busy.send_find(build_request("NET-001", ISSUER), "general")
        assert blocking.entered.wait(5)
        stopper = threading.Thread(target=server.stop, kwargs={"grace": 10})
        stopper.start()
        idle.association.join(timeout=2)
        assert not idle.association.is_established
        assert stopper.is_alive()
        blocking.release.set()
        result = call.result()
        stopper.join(timeout=5)
        assert not stopper.is_alive()
    assert result.matched
    assert server.associations == []
    with pytest.raises(AssociationFailed):
        client.echo(*server.address)


def test_stop_aborts_a_find_that_outlives_the_grace(
    start_engine: StartEngine, engine_repository: SqlPatientRepository
) -> None:
    blocking = BlockingRepository(engine_repository)
    server = start_engine(repository=blocking)
    with WirePeer(server.address) as peer:
        contexts = (Proposed(3, GENERAL, (EXPLICIT_VR_LE,)),)
        assert isinstance(peer.associate(associate_rq(contexts)), A_ASSOCIATE_AC)
        peer.send_message(3, find_command(1), dataset_bytes(build_request("NET-001", ISSUER)))
        assert blocking.entered.wait(5)
        started = time.monotonic()
        server.stop(grace=0.3)
        assert time.monotonic() - started < 4
        answer = peer.read_pdu()
        assert answer is not None
        assert answer[0] == A_ABORT
        assert peer.read_pdu() is None
    blocking.release.set()


class RecordingStore:
    def __init__(self) -> None:
        self.stored: list[tuple[PeerInfo, Dataset]] = []

    def store(self, peer: PeerInfo, dataset: Dataset) -> StoreOutcome:
        self.stored.append((peer, dataset))
        return StoreOutcome(0x0000)


def _store_rq(MessageID: int, instance: str) -> bytes:
    return command_bytes(
        AffectedSOPClassUID=CT_IMAGE_STORAGE,
        CommandField=0x0001,
        MessageID=MessageID,
        Priority=0,
        CommandDataSetType=0x0000,
        AffectedSOPInstanceUID=instance,
    )


def test_c_store_hands_the_data_set_to_the_store_service(start_engine: StartEngine) -> None:
    store = RecordingStore()
    server = start_engine(server_kwargs={"store": store})
    ct = dcmread(get_testdata_file("CT_small.dcm"))  # type: ignore[arg-type]
    with WirePeer(server.address) as peer:
        contexts = (Proposed(1, CT_IMAGE_STORAGE, (EXPLICIT_VR_LE,)),)
        assert isinstance(peer.associate(associate_rq(contexts)), A_ASSOCIATE_AC)
        peer.send_message(1, _store_rq(1, ct.SOPInstanceUID), dataset_bytes(ct))
        stored = peer.read_message()
        peer.send_message(1, _store_rq(2, "1.2.3"), b"\x08\x00\x16\x00XX\x04\x00abcd")
        broken = peer.read_message()
    assert stored is not None
    assert not isinstance(stored, tuple)
    assert (stored.command.Status, stored.command.AffectedSOPInstanceUID) == (
        0x0000,
        ct.SOPInstanceUID,
    )
    assert [ds.SOPInstanceUID for _peer, ds in store.stored] == [ct.SOPInstanceUID]
    assert broken is not None
    assert not isinstance(broken, tuple)
    assert 0xC000 <= broken.command.Status <= 0xCFFF
    assert "decoded" in broken.command.ErrorComment


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate (openssl)."""
    folder = tmp_path_factory.mktemp("pki")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

    def run(*arguments: str | Path) -> None:
        subprocess.run(["openssl", *map(str, arguments)], check=True, capture_output=True)

    run("req", "-x509", *key, "-keyout", folder / "ca.key", "-out", folder / "ca.pem",
        "-days", "2", "-subj", "/CN=engine test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    for name, subject, ext in (
        ("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
        ("client", "/O=Test Hospital/CN=modality-1", "extendedKeyUsage=clientAuth\n"),
    ):
        (folder / f"{name}.ext").write_text(ext, encoding="ascii")
        run("req", "-new", *key, "-keyout", folder / f"{name}.key",
            "-out", folder / f"{name}.csr", "-subj", subject)  # fmt: skip
        run("x509", "-req", "-in", folder / f"{name}.csr", "-CA", folder / "ca.pem",
            "-CAkey", folder / "ca.key", "-CAcreateserial", "-out", folder / f"{name}.pem",
            "-days", "2", "-extfile", folder / f"{name}.ext")  # fmt: skip
    return {path.stem + path.suffix: path for path in folder.iterdir()}


def _tls_engine(start_engine: StartEngine, pki: dict[str, Path]) -> RpiServer:
    tls = TlsSettings(pki["server.pem"], pki["server.key"], ca_file=pki["ca.pem"])
    context = server_context(tls)
    tls = TlsSettings(pki["server.pem"], pki["server.key"], ca_file=pki["ca.pem"])
    return start_engine(
        server_kwargs={"tls_context": context}, tls=tls, tls_port=0, plain_listener=False
    )


def test_mutual_tls_gives_the_policy_the_client_subject(
    start_engine: StartEngine, recorder: Recorder, pki: dict[str, Path]
) -> None:
    server = _tls_engine(start_engine, pki)
    assert server.tls_address is not None
    assert server.address == server.tls_address
    context = client_context(
        TlsSettings(pki["client.pem"], pki["client.key"], ca_file=pki["ca.pem"])
    )
    result = RpiClient(timeout=10, tls_context=context).query(
        *server.tls_address, "NET-001", IssuerOfPatientID=ISSUER, sop="general"
    )
    assert result.matched
    [(peer, _user)] = recorder.named("admit")
    assert peer.tls_subject == "CN=modality-1,O=Test Hospital"


def test_a_failed_tls_handshake_is_audited_and_the_server_goes_on(
    start_engine: StartEngine, recorder: Recorder, pki: dict[str, Path]
) -> None:
    server = _tls_engine(start_engine, pki)
    assert server.tls_address is not None
    with WirePeer(server.tls_address) as plain:  # speaks DICOM without TLS
        plain.send(associate_rq())
        assert plain.read_pdu() is None
    deadline = time.monotonic() + 5
    while not recorder.named("tls_failed") and time.monotonic() < deadline:
        time.sleep(0.01)
    [(address, _port, reason)] = recorder.named("tls_failed")
    assert address == "127.0.0.1"
    assert reason
    context = client_context(
        TlsSettings(pki["client.pem"], pki["client.key"], ca_file=pki["ca.pem"])
    )
    assert RpiClient(timeout=10, tls_context=context).echo(*server.tls_address) == 0
