"""Hostile C-FIND messages on an established association (PS3.7, PS3.4 Annex Q).

An identifier that is not a decodable data set is answered A900 or C000 (never an abort) and
the association keeps serving; absurd nesting and a 10 MB identifier get a final status; a
garbage command set ends the association or is refused. Each case is followed by a normal
query on another connection.
"""

from __future__ import annotations

import random
import struct
import zlib

import pytest
from pydicom.dataset import Dataset

from hostile.conftest import Server
from hostile.pdu import (
    COMMAND_LAST,
    DATA_LAST,
    DEFLATED_VR_LE,
    EXPLICIT_VR_LE,
    IMPLICIT_VR_LE,
    VERIFICATION,
    Context,
    command_set,
    encode_implicit,
    find_command,
    implicit_element,
    p_data,
    pdv,
)
from hostile.peer import GENERAL, RawPeer, Response
from hostile.support import assert_serves, valid_identifier

CONTEXT_IDS = {IMPLICIT_VR_LE: 3, EXPLICIT_VR_LE: 5, DEFLATED_VR_LE: 7}
CONTEXTS = (
    Context(1, VERIFICATION),
    *(Context(cid, GENERAL, (syntax,)) for syntax, cid in CONTEXT_IDS.items()),
)
UNDECODABLE_STATUSES = frozenset({0xA900, 0xC000})
FINAL_STATUSES = frozenset({0x0000, 0xA700, 0xA900, 0xC000})
ANSWER_WITHIN = 15.0


def _associated(server: Server) -> RawPeer:
    peer = RawPeer(server.address, timeout=ANSWER_WITHIN)
    acceptance = peer.associate(CONTEXTS)
    assert acceptance.contexts == {1: IMPLICIT_VR_LE, **{v: k for k, v in CONTEXT_IDS.items()}}
    return peer


def _find(peer: RawPeer, identifier: bytes, syntax: str = IMPLICIT_VR_LE) -> list[Response]:
    """Send a C-FIND on the context of ``syntax``; every response up to the final one."""
    peer.send_find(identifier, context_id=CONTEXT_IDS[syntax])
    responses: list[Response] = []
    while True:
        message = peer.read_message(ANSWER_WITHIN)
        if not isinstance(message, Response):
            got = "connection closed" if message is None else message.name
            pytest.fail(f"expected a C-FIND-RSP, got {got}")
        responses.append(message)
        if message.status not in (0xFF00, 0xFF01):
            return responses


def _assert_matches(peer: RawPeer, syntax: str = IMPLICIT_VR_LE) -> None:
    """The association still answers a valid query with the known patient."""
    statuses = [response.status for response in _find(peer, valid_identifier(syntax), syntax)]
    assert statuses == [0xFF00, 0x0000]


VALID = valid_identifier()
UNDECODABLE = {
    "random bytes": random.Random(5).randbytes(301),
    "cut inside an element": VALID[: len(VALID) - 3],
    "length beyond the end": implicit_element(0x0010, 0x0020, b"NET-001 ", 0x7FFF0000),
    "undefined length on a text element": implicit_element(0x0010, 0x0020, b"NET-001 ", 0xFFFFFFFF),
    "odd length garbage": b"\xff" * 7,
    "unterminated undefined-length sequence": implicit_element(0x0010, 0x0020, b"NET-001 ")
    + implicit_element(0x0010, 0x1002, b"", 0xFFFFFFFF)
    + implicit_element(0xFFFE, 0xE000, b"", 0xFFFFFFFF)
    + implicit_element(0x0010, 0x0020, b"X1"),
    "item tag where an element belongs": implicit_element(0xFFFE, 0xE000, b"\x00" * 8),
}


@pytest.mark.parametrize("identifier", UNDECODABLE.values(), ids=UNDECODABLE.keys())
def test_undecodable_identifier_is_answered_not_aborted(server: Server, identifier: bytes) -> None:
    with _associated(server) as peer:
        responses = _find(peer, identifier)
        assert [r.status for r in responses] in ([0xA900], [0xC000])
        _assert_matches(peer)
    assert_serves(server)


def test_bad_vr_in_explicit_vr_identifier(server: Server) -> None:
    valid = valid_identifier(EXPLICIT_VR_LE)
    broken = valid[:4] + b"\x00\x01" + valid[6:]  # VR bytes of the first element
    with _associated(server) as peer:
        statuses = [r.status for r in _find(peer, broken, EXPLICIT_VR_LE)]
        assert statuses[-1] in FINAL_STATUSES
        assert 0x0000 not in statuses or statuses == [0xFF00, 0x0000]
        _assert_matches(peer, EXPLICIT_VR_LE)
    assert_serves(server)


@pytest.mark.parametrize(
    "identifier",
    [b"not deflated at all", zlib.compress(b"\x00" * 50), random.Random(9).randbytes(64)],
    ids=["plain text", "zlib not raw deflate", "random"],
)
def test_undecodable_deflated_identifier(server: Server, identifier: bytes) -> None:
    with _associated(server) as peer:
        responses = _find(peer, identifier, DEFLATED_VR_LE)
        assert [r.status for r in responses] in ([0xA900], [0xC000])
        _assert_matches(peer, DEFLATED_VR_LE)
    assert_serves(server)


UNDEFINED = 0xFFFFFFFF


def _nested(levels: int, *, undefined: bool) -> bytes:
    """A valid request plus Other Patient IDs Sequence items nested ``levels`` deep, each
    holding a Patient ID (built in linear time: headers first, then the closing tags)."""
    patient_id = implicit_element(0x0010, 0x0020, b"X1")
    if undefined:
        opening = implicit_element(0x0010, 0x1002, b"", UNDEFINED) + implicit_element(
            0xFFFE, 0xE000, b"", UNDEFINED
        )
        closing = implicit_element(0xFFFE, 0xE00D, b"") + implicit_element(0xFFFE, 0xE0DD, b"")
        return VALID + (opening + patient_id) * levels + closing * levels
    headers: list[bytes] = []
    inner = 0
    for _ in range(levels):
        item_length = len(patient_id) + inner
        sequence = struct.pack("<HHL", 0x0010, 0x1002, item_length + 8)
        headers.append(sequence + struct.pack("<HHL", 0xFFFE, 0xE000, item_length) + patient_id)
        inner = item_length + 16
    return VALID + b"".join(reversed(headers))


@pytest.mark.parametrize("levels", [1000, 20_000])
@pytest.mark.parametrize("undefined", [False, True], ids=["defined", "undefined"])
def test_absurd_sequence_nesting_gets_a_final_status(
    server: Server, levels: int, undefined: bool
) -> None:
    with _associated(server) as peer:
        statuses = [r.status for r in _find(peer, _nested(levels, undefined=undefined))]
        assert statuses in ([0xFF00, 0x0000], [0xA900], [0xC000]), statuses
        _assert_matches(peer)
    assert_serves(server)


def test_ten_megabyte_identifier_in_fragments(server: Server) -> None:
    """Patient Comments of 10 MB: sent in P-DATA-TF PDUs within the negotiated maximum."""
    identifier = VALID + implicit_element(0x0010, 0x4000, b"A" * (10 << 20))  # Patient Comments
    with _associated(server) as peer:
        statuses = [r.status for r in _find(peer, identifier)]
        assert statuses in ([0xFF00, 0x0000], [0xA700], [0xA900], [0xC000]), statuses
        _assert_matches(peer)
    assert_serves(server)


def _command(**fields: int | str) -> bytes:
    ds = Dataset()
    for keyword, value in fields.items():
        setattr(ds, keyword, value)
    return command_set(ds)


GARBAGE_COMMANDS = {
    "random bytes": random.Random(11).randbytes(120),
    "unknown Command Field": _command(
        AffectedSOPClassUID=GENERAL, CommandField=0x0FFF, MessageID=5, CommandDataSetType=0x0101
    ),
    "C-FIND-RQ without Affected SOP Class UID": _command(
        CommandField=0x0020, MessageID=5, Priority=0, CommandDataSetType=0
    ),
    "C-FIND-RQ without Message ID": _command(
        AffectedSOPClassUID=GENERAL, CommandField=0x0020, Priority=0, CommandDataSetType=0
    ),
    "C-FIND-RSP sent to the SCP": _command(
        AffectedSOPClassUID=GENERAL,
        CommandField=0x8020,
        MessageIDBeingRespondedTo=5,
        CommandDataSetType=0x0101,
        Status=0,
    ),
    "command group length lies": struct.pack("<HHLL", 0, 0, 4, 0x7FFFFFFF)
    + encode_implicit(Dataset()),
    "truncated command": find_command(5, GENERAL)[:-3],
    "empty command": b"",
}


@pytest.mark.parametrize("command", GARBAGE_COMMANDS.values(), ids=GARBAGE_COMMANDS.keys())
def test_garbage_command_set(server: Server, command: bytes) -> None:
    """Ended (A-ABORT or close) or refused with a failure status; never served."""
    with _associated(server) as peer:
        peer.send(p_data(pdv(3, COMMAND_LAST, command)))
        peer.send(p_data(pdv(3, DATA_LAST, VALID)))
        message = peer.read_message(ANSWER_WITHIN / 2)
        if isinstance(message, Response):
            assert message.status not in (0x0000, 0xFF00), "a garbage command was served"
        else:
            assert message is None or message.name == "A-ABORT", message
    assert_serves(server)


def test_c_find_without_data_set(server: Server) -> None:
    """A C-FIND-RQ whose Command Data Set Type says no identifier follows."""
    with _associated(server) as peer:
        peer.send(p_data(pdv(3, COMMAND_LAST, find_command(5, GENERAL, 0x0101))))
        message = peer.read_message(ANSWER_WITHIN / 2)
        if isinstance(message, Response):
            assert message.status in UNDECODABLE_STATUSES, hex(message.status)
        else:
            assert message is None or message.name == "A-ABORT", message
    assert_serves(server)
