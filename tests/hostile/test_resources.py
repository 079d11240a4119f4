"""Peers that hold resources: silent connections (ARTIM), a peer that never reads, and more
connections than ``max_associations``. Others must keep being served throughout."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

import pytest

from hostile.conftest import StartServer
from hostile.pdu import (
    A_ASSOCIATE_RJ,
    IMPLICIT_VR_LE,
    Context,
    associate_rq,
    find_command,
    message_pdus,
)
from hostile.peer import DEFAULT_CONTEXTS, GENERAL, RawPeer
from hostile.support import KNOWN_PATIENT, assert_serves, valid_identifier
from net.support import ISSUER
from rpiq.net.client import RpiClient, build_request

ARTIM = 1.0  # seconds (settings.acse_timeout)
MARGIN = 4.0  # seconds of slack on two shared cores


def test_silent_connection_is_closed_after_the_artim_timeout(start_server: StartServer) -> None:
    server = start_server(acse_timeout=ARTIM)
    with RawPeer(server.address) as silent:
        opened = time.monotonic()
        assert_serves(server)  # served while the silent connection waits
        assert silent.ending(ARTIM + MARGIN) == []
        assert time.monotonic() - opened >= ARTIM * 0.9, "closed before the ARTIM timeout"
    assert_serves(server)


def test_silent_connections_do_not_starve_the_others(start_server: StartServer) -> None:
    """``max_associations - 1`` silent connections leave one slot that keeps serving."""
    server = start_server(acse_timeout=ARTIM, max_associations=6)
    with ExitStack() as stack:
        silent = [stack.enter_context(RawPeer(server.address)) for _ in range(5)]
        assert_serves(server)
        for peer in silent:
            assert peer.ending(ARTIM + MARGIN) == []
    for _ in range(3):
        assert_serves(server)


FLOOD_LIMIT = 256 << 20  # bytes: a server still reading after this buffers without bound
FLOOD_TIME = 10.0  # seconds
STALL = 1.0  # seconds our sends must stay blocked to count as backpressure


def _flood(peer: RawPeer, request: bytes) -> str:
    """Send ``request`` over and over without reading a byte of the answers. ``"stalled"``
    once the server stops reading (its kernel buffers full: backpressure), ``"closed"`` if it
    drops us; ``"unbounded"`` if it is still reading after FLOOD_LIMIT bytes or FLOOD_TIME."""
    peer.sock.setblocking(False)
    sent = 0
    deadline = time.monotonic() + FLOOD_TIME
    stalled_since: float | None = None
    while sent < FLOOD_LIMIT and time.monotonic() < deadline:
        offset = sent % len(request)  # a partial send continues where it stopped
        try:
            sent += peer.sock.send(request[offset:])
            stalled_since = None
        except BlockingIOError:
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > STALL:
                return "stalled"
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            return "closed"
    return "unbounded"


def test_peer_that_never_reads_is_bounded_and_others_are_served(
    start_server: StartServer,
) -> None:
    """The server must stop reading requests it cannot answer (or drop the peer) instead of
    queueing them in memory; meanwhile others are served."""
    server = start_server()
    with RawPeer(server.address) as greedy:
        acceptance = greedy.associate((Context(3, GENERAL, (IMPLICIT_VR_LE,)),))
        assert acceptance.contexts[3] == IMPLICIT_VR_LE, acceptance.contexts
        command = find_command(9, GENERAL)
        pdus = message_pdus(3, command, valid_identifier(), acceptance.max_length or 16384)
        outcome = _flood(greedy, b"".join(pdus))
        assert_serves(server)
        assert outcome in {"stalled", "closed"}, "the server kept reading from a non-reader"
    assert_serves(server)


DROP_WITHIN = 15.0
"""Seconds for a non-reader to be dropped: the kernel absorbs ~4 MB of answers before a write
blocks (about 9 s of C-FINDs here), then ``dimse_timeout`` runs."""


def test_peer_that_never_reads_is_dropped_and_frees_its_slot(start_server: StartServer) -> None:
    """With one association allowed: a peer with a 4 kB receive window sends queries until
    the server stops reading, and reads nothing. Once a write has waited ``dimse_timeout``
    the peer is dropped, and its slot is free again at once: the requests it had already
    sent (up to the read buffer) are not served into the dead connection."""
    server = start_server(max_associations=1, dimse_timeout=1.0)
    with RawPeer(server.address, receive_buffer=4096) as greedy:
        acceptance = greedy.associate((Context(3, GENERAL, (IMPLICIT_VR_LE,)),))
        command = find_command(9, GENERAL)
        request = b"".join(
            message_pdus(3, command, valid_identifier(), acceptance.max_length or 16384)
        )
        assert _flood(greedy, request) in {"stalled", "closed"}
        _assert_dropped(greedy, DROP_WITHIN)
        _wait_for_slot(server.address, within=1.0)
    assert_serves(server)


def _assert_dropped(peer: RawPeer, within: float) -> None:
    """The server resets or closes a connection whose peer takes nothing (we still do not
    read: a reset shows when a send fails)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            peer.sock.send(b"\x00")
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):
            return
        time.sleep(0.1)
    pytest.fail(f"a peer that reads nothing still holds its association after {within} s")


def _reject_reason(peer: RawPeer) -> tuple[int, int, int] | None:
    answer = peer.read_pdu()
    if answer is None:
        return None
    assert answer.pdu_type == A_ASSOCIATE_RJ, answer.name
    return answer.body[1], answer.body[2], answer.body[3]


def test_connections_beyond_max_associations_are_rejected_others_served(
    start_server: StartServer,
) -> None:
    server = start_server(max_associations=3)
    client = RpiClient(calling_ae="HOLDER", timeout=10.0)
    request = build_request(KNOWN_PATIENT, ISSUER)
    with ExitStack() as stack:
        sessions = [stack.enter_context(client.connect(*server.address)) for _ in range(3)]
        extra = [stack.enter_context(RawPeer(server.address)) for _ in range(30)]
        for peer in extra:
            peer.try_send(associate_rq(DEFAULT_CONTEXTS))
        reasons = {_reject_reason(peer) for peer in extra}
        # PS3.8 Table 9-21: rejected-transient, DICOM UL service-provider (presentation),
        # local limit exceeded; a connection closed without an answer is tolerated
        assert reasons <= {(2, 3, 2), None}, reasons
        assert (2, 3, 2) in reasons
        for session in sessions:
            result = session.find(request)
            assert result.matched, result.description
        sessions[0].close()
    _wait_for_slot(server.address)
    assert_serves(server)


def _wait_for_slot(address: tuple[str, int], within: float = 5.0) -> None:
    """Released slots are freed asynchronously: wait until an association is accepted."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            RpiClient(timeout=within).echo(*address)
        except Exception:  # noqa: BLE001 - still full; retry until the deadline
            time.sleep(0.05)
        else:
            return
    pytest.fail(f"no association slot came free within {within} s")


def test_many_simultaneous_bare_connections(start_server: StartServer) -> None:
    """200 TCP connections opened at once and closed without a word."""
    server = start_server(max_associations=20)
    sockets = [socket.create_connection(server.address, timeout=5) for _ in range(200)]
    for sock in sockets:
        sock.close()
    _wait_for_slot(server.address)
    assert_serves(server)
