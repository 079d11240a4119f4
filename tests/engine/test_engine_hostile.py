"""Whatever one connection sends, the engine answers it by PS3.8 and goes on serving everyone:
each case is followed by a normal query that must succeed."""

from __future__ import annotations

import os
import socket
import struct
import time

import pytest
from pynetdicom.pdu import A_ASSOCIATE_AC

from engine.conftest import StartEngine
from engine.wire import (
    A_ABORT,
    WirePeer,
    associate_rq,
    dataset_bytes,
    echo_command,
    find_command,
    pdata,
    pdu,
)
from net.support import ISSUER
from rpiq.net.client import RpiClient, build_request
from rpiq.net.engine import RpiServer


def _still_serves(server: RpiServer) -> None:
    result = RpiClient(timeout=10).query(
        *server.address, "NET-001", IssuerOfPatientID=ISSUER, sop="general"
    )
    assert result.matched


def _abort_reason(peer: WirePeer) -> tuple[int, int] | None:
    """``(source, reason)`` of the A-ABORT the server sent, ``None`` if it just closed."""
    answer = peer.read_pdu()
    if answer is None:
        return None
    pdu_type, body = answer
    assert pdu_type == A_ABORT, f"expected A-ABORT, got PDU type {pdu_type}"
    assert peer.read_pdu() is None, "the connection stays open after the A-ABORT"
    return body[2], body[3]


def _associated(server: RpiServer) -> WirePeer:
    peer = WirePeer(server.address)
    assert isinstance(peer.associate(associate_rq()), A_ASSOCIATE_AC)
    return peer


def test_random_bytes_are_aborted(engine: RpiServer) -> None:
    with WirePeer(engine.address) as peer:
        peer.send(b"\x09" + os.urandom(200))
        assert _abort_reason(peer) == (2, 1)  # unrecognised PDU
    _still_serves(engine)


def test_pdu_longer_than_announced_is_aborted_unread(start_engine: StartEngine) -> None:
    server = start_engine(max_pdu_size=16384)
    with _associated(server) as peer:
        peer.send(struct.pack(">BBL", 0x04, 0, 16385))  # header only: never read to the end
        assert _abort_reason(peer) == (2, 6)
    _still_serves(server)


def test_wrong_pdv_length_is_aborted(engine: RpiServer) -> None:
    with _associated(engine) as peer:
        peer.send(pdu(0x04, struct.pack(">LBB", 999, 3, 3) + b"xx"))
        assert _abort_reason(peer) == (2, 6)
    _still_serves(engine)


def test_unexpected_pdu_types(engine: RpiServer) -> None:
    with WirePeer(engine.address) as peer:  # P-DATA before any association
        peer.send(pdata(1, 3, echo_command(1)))
        assert _abort_reason(peer) == (2, 2)
    with _associated(engine) as peer:  # a second A-ASSOCIATE-RQ
        peer.send(associate_rq())
        assert _abort_reason(peer) == (2, 2)
    _still_serves(engine)


def test_undecodable_command_set_is_aborted(engine: RpiServer) -> None:
    with _associated(engine) as peer:
        peer.send(pdata(1, 3, b"\x00\x00\x00\x01\xff\xff\xff\xff"))
        assert _abort_reason(peer) == (2, 6)
    _still_serves(engine)


def test_truncated_pdu_then_close(engine: RpiServer) -> None:
    with WirePeer(engine.address) as peer:
        peer.send(associate_rq()[:40])
    _still_serves(engine)


def _large_identifier(size: int) -> bytes:
    """A request identifier followed by a private OB element of ``size`` bytes."""
    head = dataset_bytes(build_request("NET-001", ISSUER))
    return head + struct.pack("<HH2sHL", 0x0041, 0x1010, b"OB", 0, size) + b"x" * size


def test_ten_megabyte_identifier_is_answered_c000_not_aborted(engine: RpiServer) -> None:
    data = _large_identifier(10_000_000)
    with _associated(engine) as peer:
        peer.send_message(3, find_command(1), data)
        answer = peer.read_message()
        assert answer is not None
        assert not isinstance(answer, tuple)
        assert (answer.command.Status, answer.data_set) == (0xC000, None)
        peer.send_message(1, echo_command(2), None)
        echo = peer.read_message()
        assert echo is not None
        assert not isinstance(echo, tuple)
        assert echo.command.Status == 0x0000
    _still_serves(engine)


def _nested_identifier(depth: int) -> bytes:
    """A request whose Content Sequence nests ``depth`` levels (undefined lengths)."""
    request = build_request("NET-001", ISSUER)
    del request.ContentSequence  # the last element: the nested one takes its place
    sq_open = struct.pack("<HH2sHL", 0x0040, 0xA730, b"SQ", 0, 0xFFFFFFFF)
    item_open = struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
    item_close = struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
    sq_close = struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    nested = (sq_open + item_open) * depth + (item_close + sq_close) * depth
    return dataset_bytes(request) + nested


def test_absurd_nesting_is_answered_not_aborted(engine: RpiServer) -> None:
    with _associated(engine) as peer:
        peer.send_message(3, find_command(1), _nested_identifier(5000))
        answer = peer.read_message()
        while answer is not None and not isinstance(answer, tuple):
            if answer.command.Status != 0xFF00:
                break
            answer = peer.read_message()
        assert answer is not None
        assert not isinstance(answer, tuple)
        assert answer.command.Status in (0x0000, 0xA900, 0xC000)
    _still_serves(engine)


def test_a_client_that_stops_reading_is_dropped(start_engine: StartEngine) -> None:
    server = start_engine(dimse_timeout=1.0)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: small window
    sock.settimeout(5)
    sock.connect(server.address)
    peer = WirePeer.over(sock)
    assert isinstance(peer.associate(associate_rq()), A_ASSOCIATE_AC)
    burst = pdata(1, 3, echo_command(7)) * 2000
    deadline = time.monotonic() + 30
    with peer:
        try:
            while time.monotonic() < deadline:  # never reads an answer
                peer.send(burst)
        except OSError:
            pass  # reset by the server, or blocked because it no longer reads: dropped
        while server.associations and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.associations == []
    _still_serves(server)


def test_a_connection_that_never_speaks_is_closed_at_the_acse_timeout(
    start_engine: StartEngine,
) -> None:
    server = start_engine(acse_timeout=0.5)
    with WirePeer(server.address) as silent:
        started = time.monotonic()
        assert silent.read_pdu() is None  # closed, nothing sent (PS3.8 ARTIM)
        assert 0.4 < time.monotonic() - started < 3
    _still_serves(server)


def test_an_idle_association_is_aborted_at_the_network_timeout(
    start_engine: StartEngine,
) -> None:
    server = start_engine(network_timeout=0.5)
    with _associated(server) as idle:
        started = time.monotonic()
        assert _abort_reason(idle) is not None
        assert 0.4 < time.monotonic() - started < 3
    _still_serves(server)


@pytest.mark.parametrize(
    "junk", [b"", b"\x01\x00\x00\x00\x00\x10" + b"\x00" * 16], ids=["nothing", "zeros"]
)
def test_short_garbage_before_association(engine: RpiServer, junk: bytes) -> None:
    with WirePeer(engine.address) as peer:
        peer.send(junk)
        peer.sock.shutdown(socket.SHUT_WR)
        answer = peer.read_pdu()
        assert answer is None or answer[0] == A_ABORT
    _still_serves(engine)
