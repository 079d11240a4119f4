"""Framed PDU reading with length limits, P-DATA-TF parsing and fragmentation (PS3.8 9.3).

A PDU is a 6-byte header (type, reserved, 4-byte big-endian length) and its body. Reading
refuses unknown PDU types and bodies longer than the caller's limit *before* reading the body,
so a connection never holds more than one PDU of at most that size. The fixed-size PDUs
(A-RELEASE-RQ/RP, A-ABORT) are encoded once with pynetdicom's codecs.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Final

from pynetdicom.pdu import A_ABORT_RQ, A_RELEASE_RP, A_RELEASE_RQ

A_ASSOCIATE_RQ_TYPE: Final = 0x01
A_ASSOCIATE_AC_TYPE: Final = 0x02
A_ASSOCIATE_RJ_TYPE: Final = 0x03
P_DATA_TF_TYPE: Final = 0x04
A_RELEASE_RQ_TYPE: Final = 0x05
A_RELEASE_RP_TYPE: Final = 0x06
A_ABORT_TYPE: Final = 0x07
PDU_TYPES: Final = frozenset(range(A_ASSOCIATE_RQ_TYPE, A_ABORT_TYPE + 1))

HEADER_LENGTH: Final = 6
PDV_HEADER_LENGTH: Final = 6  # item length (4), presentation context id (1), control header (1)

# A-ABORT source 2 (service provider) reasons, PS3.8 Table 9-26
ABORT_SOURCE_USER: Final = 0
ABORT_SOURCE_PROVIDER: Final = 2
REASON_NOT_SPECIFIED: Final = 0
REASON_UNRECOGNIZED_PDU: Final = 1
REASON_UNEXPECTED_PDU: Final = 2
REASON_UNRECOGNIZED_PDU_PARAMETER: Final = 4
REASON_UNEXPECTED_PDU_PARAMETER: Final = 5
REASON_INVALID_PDU_PARAMETER_VALUE: Final = 6

# Message Control Header bits (PS3.8 E.2)
MCH_COMMAND: Final = 0x01
MCH_LAST: Final = 0x02

_HEADER = struct.Struct(">BxL")
_PDV = struct.Struct(">LBB")
_PDATA_PDV = struct.Struct(">BxLLBB")  # P-DATA-TF header followed by one PDV header


class PduError(Exception):
    """A PDU the state machine must answer with A-ABORT (source 2, ``reason``)."""

    def __init__(self, reason: int, why: str) -> None:
        super().__init__(why)
        self.reason = reason
        self.why = why


def _encode_release_rq() -> bytes:
    return bytes(A_RELEASE_RQ().encode())


def _encode_release_rp() -> bytes:
    return bytes(A_RELEASE_RP().encode())


A_RELEASE_RQ_BYTES: Final = _encode_release_rq()
A_RELEASE_RP_BYTES: Final = _encode_release_rp()


def abort_bytes(source: int, reason: int) -> bytes:
    """An A-ABORT PDU (pynetdicom's encoder)."""
    pdu = A_ABORT_RQ()
    pdu.source = source
    pdu.reason_diagnostic = reason if source == ABORT_SOURCE_PROVIDER else 0
    return bytes(pdu.encode())


async def read_pdu(reader: asyncio.StreamReader, max_length: int) -> tuple[int, bytes]:
    """``(pdu_type, body)`` of the next PDU; :class:`PduError` for an unknown type or a
    body over ``max_length``; ``asyncio.IncompleteReadError`` when the peer closes."""
    header = await reader.readexactly(HEADER_LENGTH)
    pdu_type, length = _HEADER.unpack(header)
    if pdu_type not in PDU_TYPES:
        raise PduError(REASON_UNRECOGNIZED_PDU, f"unknown PDU type 0x{pdu_type:02X}")
    if length > max_length:
        raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, f"PDU length {length} over limit")
    return pdu_type, await reader.readexactly(length)


def whole_pdu(pdu_type: int, body: bytes) -> bytes:
    """The PDU again with its header (what pynetdicom's decoders take)."""
    return _HEADER.pack(pdu_type, len(body)) + body


def parse_pdata(body: bytes) -> list[tuple[int, int, bytes]]:
    """The PDV items of a P-DATA-TF body: ``[(context_id, control_header, fragment), ...]``."""
    items: list[tuple[int, int, bytes]] = []
    offset, end = 0, len(body)
    while offset < end:
        if end - offset < PDV_HEADER_LENGTH:
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "truncated PDV item")
        length, context_id, control = _PDV.unpack_from(body, offset)
        if length < 2 or offset + 4 + length > end:
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "PDV item length out of range")
        if control & ~(MCH_COMMAND | MCH_LAST):
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "bad message control header")
        items.append((context_id, control, body[offset + PDV_HEADER_LENGTH : offset + 4 + length]))
        offset += 4 + length
    if not items:
        raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "P-DATA-TF without PDV items")
    return items


def pdata_fragments(context_id: int, control: int, data: bytes, max_pdu: int) -> list[bytes]:
    """``data`` as P-DATA-TF PDUs of one PDV each, none longer than ``max_pdu`` (the peer's
    Maximum Length Received; 0 means unlimited). ``control`` is :data:`MCH_COMMAND` or 0;
    the last fragment gets :data:`MCH_LAST`."""
    step = max_pdu - PDV_HEADER_LENGTH if max_pdu else len(data) or 1
    step = max(step, 1)
    pdus: list[bytes] = []
    last_start = max(len(data) - 1, 0) // step * step
    for start in range(0, max(len(data), 1), step):
        fragment = data[start : start + step]
        flags = control | (MCH_LAST if start == last_start else 0)
        pdus.append(
            _PDATA_PDV.pack(
                P_DATA_TF_TYPE,
                len(fragment) + PDV_HEADER_LENGTH,
                len(fragment) + 2,
                context_id,
                flags,
            )
            + fragment
        )
    return pdus


def message_bytes(context_id: int, command: bytes, data_set: bytes | None, max_pdu: int) -> bytes:
    """A whole DIMSE message (command, then data set if any) as P-DATA-TF PDUs."""
    pdus = pdata_fragments(context_id, MCH_COMMAND, command, max_pdu)
    if data_set is not None:
        pdus.extend(pdata_fragments(context_id, 0, data_set, max_pdu))
    return b"".join(pdus)
