"""The server engine: association limits, AE title policy, TCP_NODELAY, cancel, robustness."""

from __future__ import annotations

import socket
import threading
import time
from asyncio.trsock import TransportSocket
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian

from net.conftest import StartServer
from net.support import (
    NO_DATA_SET,
    BlockingRepository,
    WireRecorder,
    send_raw_find,
    wait_until_consumed,
)
from rpiq.encode.dataset import encode_identifier
from rpiq.errors import AssociationFailed
from rpiq.net.client import RpiClient, RpiSession, build_request
from rpiq.net.contexts import SOP_BY_NAME
from rpiq.net.server import RpiServer
from rpiq.service.responses import FindResponse
from rpiq.store import SqlPatientRepository

GENERAL = SOP_BY_NAME["general"].uid
BREAST = SOP_BY_NAME["breast"].uid


def _server_socket_for(server: RpiServer, session: RpiSession) -> TransportSocket:
    """The server side of ``session``'s TCP connection."""
    client_port = session.association.dul.socket.socket.getsockname()[1]  # type: ignore[union-attr]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for assoc in server.associations:
            if assoc.peer_address[1] == client_port and assoc.socket is not None:
                return assoc.socket
        time.sleep(0.01)
    pytest.fail("the server has no association for this session")


def test_tcp_nodelay_is_set_on_the_accepted_socket_and_the_clients(
    server: RpiServer, client: RpiClient
) -> None:
    with client.connect(*server.address) as session:
        server_side = _server_socket_for(server, session)
        client_side = session.association.dul.socket.socket  # type: ignore[union-attr]
        assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert client_side is not None
        assert client_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_more_than_ten_simultaneous_associations_are_accepted(
    server: RpiServer, client: RpiClient
) -> None:
    assert server.settings.max_associations >= 100
    with ExitStack() as stack:
        sessions = [stack.enter_context(client.connect(*server.address)) for _ in range(12)]
        assert all(session.association.is_established for session in sessions)
        assert [session.echo() for session in sessions] == [0x0000] * 12


def test_max_associations_setting_is_enforced(start_server: StartServer, client: RpiClient) -> None:
    server = start_server(max_associations=2)
    with ExitStack() as stack:
        for _ in range(2):
            stack.enter_context(client.connect(*server.address))
        with pytest.raises(AssociationFailed, match="rejected"):
            client.connect(*server.address)


def test_any_called_ae_title_is_accepted_by_default(server: RpiServer) -> None:
    assert RpiClient(called_ae="SOMEBODY-ELSE", timeout=10).echo(*server.address) == 0


def test_called_ae_title_checking_when_asked_for(start_server: StartServer) -> None:
    server = start_server(ae_title="RPIQ-TEST", check_called_ae_title=True)
    with pytest.raises(AssociationFailed, match="rejected"):
        RpiClient(called_ae="SOMEBODY-ELSE", timeout=10).echo(*server.address)
    assert RpiClient(called_ae="RPIQ-TEST", timeout=10).echo(*server.address) == 0


def _wait_for_cancel_at_server(server: RpiServer, MessageID: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if any(MessageID in assoc.cancelled for assoc in server.associations):
            return
        time.sleep(0.005)
    pytest.fail("the C-CANCEL never reached the server")


def test_c_cancel_during_processing_ends_with_fe00(
    start_server: StartServer,
    sqlite_repository: SqlPatientRepository,
    client: RpiClient,
    recorder: WireRecorder,
) -> None:
    blocking = BlockingRepository(sqlite_repository)
    server = start_server(repository=blocking)
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        call = session.send_find(build_request("NET-001"), "general")
        assert blocking.entered.wait(5), "the lookup never started"
        call.cancel()
        _wait_for_cancel_at_server(server, call.message_id)
        blocking.release.set()
        result = call.result()
        after = session.find(build_request("NET-001"), "general")

    assert result.status == 0xFE00
    assert (result.identifier, result.pending_count) == (None, 0)
    assert recorder.wire()[0] == (0xFE00, NO_DATA_SET)
    assert after.matched  # the cancel concerned only its own request


MALFORMED = [
    pytest.param(b"this is not deflate data", DeflatedExplicitVRLittleEndian, id="bad-deflate"),
    pytest.param(b"\x10\x00\x20\x00XX\x04\x00abcd", ExplicitVRLittleEndian, id="unknown-VR"),
]


@pytest.mark.parametrize(("identifier", "transfer_syntax"), MALFORMED)
def test_malformed_identifier_is_a900_and_the_association_goes_on(
    server: RpiServer, recorder: WireRecorder, identifier: bytes, transfer_syntax: str
) -> None:
    client = RpiClient(timeout=10, transfer_syntaxes=(transfer_syntax,))
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        send_raw_find(session, GENERAL, identifier, MessageID=77)
        final = recorder.wait_final(77)
        assert (final.Status, final.CommandDataSetType) == (0xA900, NO_DATA_SET)
        assert session.association.is_established
        wait_until_consumed(session)
        assert session.find(build_request("NOBODY-HERE"), "general").status == 0x0000


def test_sop_class_other_than_the_context_is_refused_0122(
    server: RpiServer, client: RpiClient, recorder: WireRecorder
) -> None:
    request = build_request("NET-001")
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        transfer_syntax = session.association.accepted_contexts[0].transfer_syntax[0]
        data = encode_identifier(request, str(transfer_syntax))
        send_raw_find(session, BREAST, data, MessageID=5, context_sop_class=GENERAL)
        final = recorder.wait_final(5)
    assert (final.Status, final.CommandDataSetType) == (0x0122, NO_DATA_SET)


class ScriptedService:
    """A stand-in query service for the net layer's own guarantees: it yields the given
    responses, then raises (the real service never raises; the SCP must cope anyway)."""

    def __init__(self, responses: Sequence[FindResponse]) -> None:
        self.responses = responses

    def find(
        self, AffectedSOPClassUID: str, request: Dataset, is_cancelled: Callable[[], bool]
    ) -> Iterator[FindResponse]:
        yield from self.responses
        raise RuntimeError("the service broke")


def test_an_exception_in_the_service_becomes_c000_not_an_abort(
    start_server: StartServer, client: RpiClient, recorder: WireRecorder
) -> None:
    server = start_server(service=ScriptedService([]))
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        result = session.find(build_request("NET-001"), "general")
        assert session.echo() == 0x0000
    assert result.status == 0xC000
    assert recorder.wire() == [(0xC000, NO_DATA_SET)]


def test_a_service_ending_without_final_status_gets_success(
    start_server: StartServer, client: RpiClient, recorder: WireRecorder
) -> None:
    class Silent(ScriptedService):
        def find(
            self, AffectedSOPClassUID: str, request: Dataset, is_cancelled: Callable[[], bool]
        ) -> Iterator[FindResponse]:
            yield from ()

    server = start_server(service=Silent([]))
    with client.connect(*server.address, evt_handlers=recorder.handlers) as session:
        result = session.find(build_request("NET-001"), "general")
    assert result.status == 0x0000
    assert recorder.wire() == [(0x0000, NO_DATA_SET)]


def test_stop_aborts_idle_associations_and_frees_the_port(
    start_server: StartServer, client: RpiClient
) -> None:
    server = start_server()
    host, port = server.address
    session = client.connect(host, port)
    started = time.monotonic()
    server.stop(grace=5)
    assert time.monotonic() - started < 3
    session.association.join(timeout=5)
    assert not session.association.is_established
    assert server.associations == []
    with pytest.raises(AssociationFailed):
        session.echo()
    with pytest.raises(AssociationFailed):
        client.echo(host, port)


def _raw_connection(server: RpiServer) -> socket.socket:
    """A TCP connection that sends nothing (no A-ASSOCIATE-RQ)."""
    return socket.create_connection(server.address, timeout=5)


def _wait_until_accepted(server: RpiServer, sock: socket.socket) -> None:
    """Wait until the server has an association for the raw connection ``sock`` (the accept
    loop takes connections in order, so every earlier connection was accepted too)."""
    local_port = sock.getsockname()[1]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if any(assoc.peer_address[1] == local_port for assoc in server.associations):
            return
        time.sleep(0.005)
    pytest.fail("the server never accepted the raw connection")


def _assert_closed_by_server(sock: socket.socket, within: float) -> None:
    sock.settimeout(within)
    try:
        assert sock.recv(1) == b"", "the server sent bytes on a connection that never spoke"
    except TimeoutError:
        pytest.fail(f"the server left the connection open for more than {within} s")


def test_stop_closes_unassociated_connections_at_once(start_server: StartServer) -> None:
    server = start_server()
    assert server.settings.acse_timeout >= 10
    with _raw_connection(server):
        pass  # connect and close at once
    with _raw_connection(server) as silent:
        _wait_until_accepted(server, silent)
        started = time.monotonic()
        server.stop(grace=10)
        assert time.monotonic() - started < 2
        _assert_closed_by_server(silent, within=2)
    assert server.associations == []


def test_a_closed_connection_frees_its_association_slot_at_once(
    start_server: StartServer, client: RpiClient
) -> None:
    server = start_server(max_associations=1)
    assert server.settings.acse_timeout >= 10
    with _raw_connection(server):
        pass
    deadline = time.monotonic() + 2
    while True:  # the slot is free once the server has seen the connection close
        try:
            assert client.echo(*server.address) == 0x0000
            break
        except AssociationFailed:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def test_a_connection_that_never_speaks_is_closed_after_the_acse_timeout(
    start_server: StartServer,
) -> None:
    server = start_server(acse_timeout=0.5)
    with _raw_connection(server) as silent:
        _wait_until_accepted(server, silent)
        started = time.monotonic()
        _assert_closed_by_server(silent, within=5)
        assert 0.3 < time.monotonic() - started < 3
    deadline = time.monotonic() + 2
    while server.associations and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.associations == []


def test_stop_gives_the_grace_only_to_requests_in_flight(
    start_server: StartServer,
    sqlite_repository: SqlPatientRepository,
    client: RpiClient,
    recorder: WireRecorder,
) -> None:
    blocking = BlockingRepository(sqlite_repository)
    server = start_server(repository=blocking)
    idle = client.connect(*server.address)
    with client.connect(*server.address, evt_handlers=recorder.handlers) as busy:
        call = busy.send_find(build_request("NET-001"), "general")
        assert blocking.entered.wait(5), "the lookup never started"
        stopper = threading.Thread(target=server.stop, kwargs={"grace": 10})
        stopper.start()
        idle.association.join(timeout=2)  # aborted at once, while the lookup still runs
        assert not idle.association.is_established
        assert stopper.is_alive()
        blocking.release.set()
        result = call.result()
        stopper.join(timeout=5)
        assert not stopper.is_alive()
    assert result.matched
    assert server.associations == []
