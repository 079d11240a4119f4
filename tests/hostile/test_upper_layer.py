"""Hostile byte streams at the upper layer (PS3.8 9): each is followed by a normal query.

Every case checks two things: the hostile connection is ended by the server within a bound
(closed, with or without an A-ABORT / A-ASSOCIATE-RJ first: PS3.8 9.2 AA-1, AA-8), and a normal
RPI query on another connection is answered. Timeouts are short (``conftest.start_server``):
ACSE 1.5 s, DIMSE and network 2 s.
"""

from __future__ import annotations

import random
import struct
import time

import pytest

from hostile.conftest import Server
from hostile.pdu import (
    A_ASSOCIATE_RQ,
    APPLICATION_CONTEXT,
    COMMAND_LAST,
    COMMAND_MORE,
    DATA_LAST,
    DATA_MORE,
    P_DATA_TF,
    Context,
    associate_rq,
    associate_rq_body,
    echo_command,
    find_command,
    item,
    p_data,
    pdu,
    pdv,
    user_information,
)
from hostile.peer import DEFAULT_CONTEXTS, GENERAL, RawPeer, Response
from hostile.support import assert_serves

ENDS_WITHIN = 6.0  # seconds: the ACSE/network timeouts (1.5-2 s) plus a margin for busy cores
ENDING_PDUS = frozenset({"A-ABORT", "A-ASSOCIATE-RJ"})


def _assert_ended(peer: RawPeer) -> None:
    """The server ends the connection (optionally with an A-ABORT or A-ASSOCIATE-RJ first)."""
    seen = peer.ending(ENDS_WITHIN)
    assert set(seen) <= ENDING_PDUS, f"unexpected answer to hostile input: {seen}"


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes_then_close(server: Server, seed: int) -> None:
    generator = random.Random(seed)
    with RawPeer(server.address) as peer:
        first = bytes([generator.choice([1, 4, 7, 0x42])])  # a known PDU type 3 times in 4
        peer.try_send(first + generator.randbytes(generator.randint(1, 40_000)))
    assert_serves(server)


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_then_silence_is_ended(server: Server, seed: int) -> None:
    generator = random.Random(100 + seed)
    with RawPeer(server.address) as peer:
        peer.try_send(generator.randbytes(generator.randint(7, 5000)))
        _assert_ended(peer)
    assert_serves(server)


def test_associate_rq_header_only_then_close(server: Server) -> None:
    whole = associate_rq(DEFAULT_CONTEXTS)
    with RawPeer(server.address) as peer:
        peer.send(whole[:6])
    assert_serves(server)


@pytest.mark.parametrize("cut", ["header", "half"])
def test_truncated_associate_rq_then_silence_is_ended(server: Server, cut: str) -> None:
    whole = associate_rq(DEFAULT_CONTEXTS)
    with RawPeer(server.address) as peer:
        peer.send(whole[:6] if cut == "header" else whole[: len(whole) // 2])
        _assert_ended(peer)
    assert_serves(server)


def test_half_associate_rq_then_close(server: Server) -> None:
    whole = associate_rq(DEFAULT_CONTEXTS)
    with RawPeer(server.address) as peer:
        peer.send(whole[: len(whole) // 2])
    assert_serves(server)


def _half_find() -> bytes:
    """Half of a P-DATA-TF carrying a C-FIND-RQ command."""
    whole = p_data(pdv(3, COMMAND_LAST, find_command(7, GENERAL)))
    return whole[: len(whole) // 2]


@pytest.mark.parametrize("then", ["close", "silence"])
def test_truncated_p_data_after_association(server: Server, then: str) -> None:
    with RawPeer(server.address) as peer:
        peer.associate()
        peer.send(_half_find())
        if then == "silence":
            _assert_ended(peer)
    assert_serves(server)


def test_p_data_header_only_then_silence_is_ended(server: Server) -> None:
    with RawPeer(server.address) as peer:
        peer.associate()
        peer.send(struct.pack(">BBL", P_DATA_TF, 0, 500))
        _assert_ended(peer)
    assert_serves(server)


@pytest.mark.parametrize("pdu_type", [A_ASSOCIATE_RQ, P_DATA_TF])
def test_four_gigabyte_pdu_header_then_silence_is_ended(server: Server, pdu_type: int) -> None:
    with RawPeer(server.address) as peer:
        if pdu_type == P_DATA_TF:
            peer.associate()
        peer.send(struct.pack(">BBL", pdu_type, 0, 0xFFFFFFFF))
        _assert_ended(peer)
    assert_serves(server)


STREAM_LIMIT = 16 << 20  # bytes of a 4 GB PDU we offer before calling the server unbounded


@pytest.mark.parametrize("pdu_type", [A_ASSOCIATE_RQ, P_DATA_TF])
def test_four_gigabyte_pdu_is_not_read_to_the_end(server: Server, pdu_type: int) -> None:
    """A PDU announcing 4 GB (far beyond our Maximum Length, and beyond any A-ASSOCIATE-RQ)
    is refused before the server has buffered 16 MB of it."""
    chunk = bytes(1 << 16)
    with RawPeer(server.address) as peer:
        if pdu_type == P_DATA_TF:
            peer.associate()
        peer.send(struct.pack(">BBL", pdu_type, 0, 0xFFFFFFFF))
        offered = 0
        peer.sock.settimeout(ENDS_WITHIN)
        while offered < STREAM_LIMIT and peer.try_send(chunk):
            offered += len(chunk)
        assert offered < STREAM_LIMIT, "the server kept reading a PDU announcing 4 GB"
    assert_serves(server)


def test_p_data_longer_than_the_negotiated_maximum_is_aborted(server: Server) -> None:
    """PS3.8 9.3.5 / D.1: a P-DATA-TF longer than the Maximum Length we announced."""
    with RawPeer(server.address) as peer:
        acceptance = peer.associate()
        assert acceptance.max_length > 0
        oversized = bytes(acceptance.max_length * 4)
        peer.try_send(p_data(pdv(3, DATA_MORE, oversized)))
        _assert_ended(peer)
    assert_serves(server)


def _rq_with_items(variable: bytes) -> bytes:
    fixed = struct.pack(">HH", 1, 0) + b"RPIQ".ljust(16) + b"HOSTILE".ljust(16) + bytes(32)
    return pdu(A_ASSOCIATE_RQ, fixed + variable)


def _context_item(length: int | None = None, sub_length: int | None = None) -> bytes:
    abstract = item(0x30, GENERAL.encode(), sub_length)
    transfer = item(0x40, b"1.2.840.10008.1.2")
    return item(0x20, bytes([1, 0, 0, 0]) + abstract + transfer, length)


WRONG_ITEM_LENGTHS = {
    "context item overruns the PDU": item(0x10, APPLICATION_CONTEXT)
    + _context_item(length=0x4000)
    + user_information(),
    "context item too short": item(0x10, APPLICATION_CONTEXT)
    + _context_item(length=3)
    + user_information(),
    "abstract syntax sub-item 0xFFFF": item(0x10, APPLICATION_CONTEXT)
    + _context_item(sub_length=0xFFFF)
    + user_information(),
    "application context length zero": item(0x10, b"", 0) + _context_item() + user_information(),
    "application context overruns": item(0x10, APPLICATION_CONTEXT, 0xFFFF)
    + _context_item()
    + user_information(),
    "user information overruns": item(0x10, APPLICATION_CONTEXT)
    + _context_item()
    + item(0x50, item(0x51, struct.pack(">L", 16384)), 0x1000),
    "maximum length sub-item of one byte": item(0x10, APPLICATION_CONTEXT)
    + _context_item()
    + item(0x50, item(0x51, b"\x01")),
    "unknown item type": item(0x10, APPLICATION_CONTEXT) + item(0x99, b"x" * 10),
    "no items at all": b"",
}


@pytest.mark.parametrize("variable", WRONG_ITEM_LENGTHS.values(), ids=WRONG_ITEM_LENGTHS.keys())
def test_associate_rq_with_wrong_item_lengths(server: Server, variable: bytes) -> None:
    """Refused (A-ASSOCIATE-RJ or A-ABORT), never accepted."""
    with RawPeer(server.address) as peer:
        peer.send(_rq_with_items(variable))
        _assert_ended(peer)
    assert_serves(server)


def test_associate_rq_pdu_length_shorter_than_its_items(server: Server) -> None:
    body = associate_rq_body(DEFAULT_CONTEXTS)
    with RawPeer(server.address) as peer:
        peer.send(pdu(A_ASSOCIATE_RQ, body, length=80) + body[80:])
        _assert_ended(peer)
    assert_serves(server)


@pytest.mark.parametrize("pdu_type", [0x00, 0x08, 0x10, 0xFF])
@pytest.mark.parametrize("when", ["before", "after"])
def test_unknown_pdu_type(server: Server, pdu_type: int, when: str) -> None:
    with RawPeer(server.address) as peer:
        if when == "after":
            peer.associate()
        peer.send(pdu(pdu_type, b"\x00" * 20))
        _assert_ended(peer)
    assert_serves(server)


def test_p_data_before_association(server: Server) -> None:
    with RawPeer(server.address) as peer:
        peer.send(p_data(pdv(1, COMMAND_LAST, echo_command(1))))
        _assert_ended(peer)
    assert_serves(server)


def test_associate_rq_twice(server: Server) -> None:
    with RawPeer(server.address) as peer:
        peer.associate()
        peer.send(associate_rq(DEFAULT_CONTEXTS))
        _assert_ended(peer)
    assert_serves(server)


@pytest.mark.parametrize("context_id", [5, 99, 255])
def test_pdv_on_a_context_never_negotiated(server: Server, context_id: int) -> None:
    """Context 5 was proposed (and rejected: unknown abstract syntax); 99 and 255 never were.
    The server must not serve the request: an A-ABORT, or a failure status."""
    contexts = (*DEFAULT_CONTEXTS, Context(5, "1.2.3.4.5.6"))
    with RawPeer(server.address) as peer:
        acceptance = peer.associate(contexts)
        assert context_id not in acceptance.contexts
        peer.send(p_data(pdv(context_id, COMMAND_LAST, echo_command(9))))
        message = peer.read_message(ENDS_WITHIN)
        if isinstance(message, Response):
            assert message.status != 0x0000, "a request on an unaccepted context was served"
        else:
            _assert_ended(peer)
    assert_serves(server)


def test_data_fragment_before_its_command(server: Server) -> None:
    with RawPeer(server.address) as peer:
        peer.associate()
        peer.send(p_data(pdv(3, DATA_LAST, b"\x10\x00\x20\x00\x02\x00\x00\x00X1")))
        peer.send(p_data(pdv(3, COMMAND_LAST, find_command(3, GENERAL))))
        _ended_or_refused(peer)
    assert_serves(server)


def test_command_without_last_fragment_bit_then_data(server: Server) -> None:
    with RawPeer(server.address) as peer:
        peer.associate()
        peer.send(p_data(pdv(3, COMMAND_MORE, find_command(3, GENERAL))))
        peer.send(p_data(pdv(3, DATA_LAST, b"\x10\x00\x20\x00\x02\x00\x00\x00X1")))
        _ended_or_refused(peer)
    assert_serves(server)


def test_data_set_without_last_fragment_bit_then_silence(server: Server) -> None:
    with RawPeer(server.address) as peer:
        peer.associate()
        peer.send(p_data(pdv(3, COMMAND_LAST, find_command(3, GENERAL))))
        peer.send(p_data(pdv(3, DATA_MORE, b"\x10\x00\x20\x00\x02\x00\x00\x00X1")))
        started = time.monotonic()
        _assert_ended(peer)
        assert time.monotonic() - started >= 1.0, "ended before any timeout could expire"
    assert_serves(server)


def _ended_or_refused(peer: RawPeer) -> None:
    """The server ends the association, or answers the mangled message with a failure."""
    message = peer.read_message(ENDS_WITHIN)
    if isinstance(message, Response):
        assert message.status not in (0x0000, 0xFF00), "a mangled message was served"
    elif message is not None:
        assert message.name in ENDING_PDUS
        _assert_ended(peer)
