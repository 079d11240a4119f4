"""DIMSE command sets (PS3.7 E.1), hand-coded in Implicit VR Little Endian, group 0000 only.

Requests are decoded into :class:`Command` (only the fields the engine uses); responses are
encoded from plain values in ascending tag order with Command Group Length first. No pydicom
on this path: it runs for every message.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

C_STORE_RQ: Final = 0x0001
C_STORE_RSP: Final = 0x8001
C_FIND_RQ: Final = 0x0020
C_FIND_RSP: Final = 0x8020
C_ECHO_RQ: Final = 0x0030
C_ECHO_RSP: Final = 0x8030
C_CANCEL_RQ: Final = 0x0FFF
RESPONSE_BIT: Final = 0x8000

NO_DATA_SET: Final = 0x0101
DATA_SET_PRESENT: Final = 0x0001  # what pynetdicom sends; any value but 0101H means present

UNRECOGNIZED_OPERATION: Final = 0x0211
MISTYPED_ARGUMENT: Final = 0x0212

# Command element numbers (group 0000)
AFFECTED_SOP_CLASS_UID: Final = 0x0002
COMMAND_FIELD: Final = 0x0100
MESSAGE_ID: Final = 0x0110
MESSAGE_ID_BEING_RESPONDED_TO: Final = 0x0120
PRIORITY: Final = 0x0700
COMMAND_DATA_SET_TYPE: Final = 0x0800
STATUS: Final = 0x0900
OFFENDING_ELEMENT: Final = 0x0901
ERROR_COMMENT: Final = 0x0902
AFFECTED_SOP_INSTANCE_UID: Final = 0x1000

_ELEMENT = struct.Struct("<HHL")
_US = struct.Struct("<H")
_UL_ELEMENT = struct.Struct("<HHLL")
_US_ELEMENT = struct.Struct("<HHLH")
_MAX_ELEMENTS = 64


class CommandError(ValueError):
    """A command set that cannot be decoded or lacks a required field."""


@dataclass(frozen=True, slots=True)
class Command:
    """The fields of a received command set the engine acts on."""

    CommandField: int
    MessageID: int
    CommandDataSetType: int
    AffectedSOPClassUID: str = ""
    MessageIDBeingRespondedTo: int | None = None
    AffectedSOPInstanceUID: str = ""

    @property
    def has_data_set(self) -> bool:
        return self.CommandDataSetType != NO_DATA_SET


def _elements(data: bytes) -> dict[int, bytes]:
    values: dict[int, bytes] = {}
    offset, end = 0, len(data)
    while offset < end:
        if end - offset < _ELEMENT.size:
            raise CommandError("truncated command element")
        group, element, length = _ELEMENT.unpack_from(data, offset)
        offset += _ELEMENT.size
        if group != 0 or length > end - offset:
            raise CommandError("command element outside group 0000 or too long")
        values[element] = data[offset : offset + length]
        offset += length
        if len(values) > _MAX_ELEMENTS:
            raise CommandError("too many command elements")
    return values


def _us(values: dict[int, bytes], element: int) -> int | None:
    value = values.get(element)
    if value is None:
        return None
    if len(value) != 2:
        raise CommandError(f"(0000,{element:04X}) is not a US value")
    return int(_US.unpack(value)[0])


def _ui(values: dict[int, bytes], element: int) -> str:
    value = values.get(element, b"")
    try:
        return value.rstrip(b"\x00 ").decode("ascii")
    except UnicodeDecodeError as exc:
        raise CommandError(f"(0000,{element:04X}) is not a UI value") from exc


def decode_command(data: bytes) -> Command:
    """The :class:`Command` in ``data``; :class:`CommandError` if it is not one."""
    values = _elements(data)
    field = _us(values, COMMAND_FIELD)
    data_set_type = _us(values, COMMAND_DATA_SET_TYPE)
    if field is None or data_set_type is None:
        raise CommandError("no Command Field or Command Data Set Type")
    MessageID = _us(values, MESSAGE_ID)
    responded_to = _us(values, MESSAGE_ID_BEING_RESPONDED_TO)
    if MessageID is None and field != C_CANCEL_RQ:
        raise CommandError("no Message ID")
    return Command(
        CommandField=field,
        MessageID=MessageID or 0,
        CommandDataSetType=data_set_type,
        AffectedSOPClassUID=_ui(values, AFFECTED_SOP_CLASS_UID),
        MessageIDBeingRespondedTo=responded_to,
        AffectedSOPInstanceUID=_ui(values, AFFECTED_SOP_INSTANCE_UID),
    )


def _text_element(element: int, text: str, pad: bytes) -> bytes:
    raw = text.encode("ascii", "replace")
    if len(raw) % 2:
        raw += pad
    return _ELEMENT.pack(0, element, len(raw)) + raw


def _us_element(element: int, value: int) -> bytes:
    return _US_ELEMENT.pack(0, element, 2, value)


def encode_response(
    CommandField: int,
    MessageIDBeingRespondedTo: int,
    Status: int,
    *,
    AffectedSOPClassUID: str = "",
    has_data_set: bool = False,
    ErrorComment: str | None = None,
    OffendingElement: tuple[int, ...] = (),
    AffectedSOPInstanceUID: str = "",
) -> bytes:
    """A response command set, elements in ascending tag order, group length first."""
    parts: list[bytes] = []
    if AffectedSOPClassUID:
        parts.append(_text_element(AFFECTED_SOP_CLASS_UID, AffectedSOPClassUID, b"\x00"))
    parts.append(_us_element(COMMAND_FIELD, CommandField))
    parts.append(_us_element(MESSAGE_ID_BEING_RESPONDED_TO, MessageIDBeingRespondedTo & 0xFFFF))
    parts.append(
        _us_element(COMMAND_DATA_SET_TYPE, DATA_SET_PRESENT if has_data_set else NO_DATA_SET)
    )
    parts.append(_us_element(STATUS, Status))
    if OffendingElement:
        tags = b"".join(struct.pack("<HH", tag >> 16, tag & 0xFFFF) for tag in OffendingElement)
        parts.append(_ELEMENT.pack(0, OFFENDING_ELEMENT, len(tags)) + tags)
    if ErrorComment is not None:
        parts.append(_text_element(ERROR_COMMENT, ErrorComment, b" "))
    if AffectedSOPInstanceUID:
        parts.append(_text_element(AFFECTED_SOP_INSTANCE_UID, AffectedSOPInstanceUID, b"\x00"))
    body = b"".join(parts)
    return _UL_ELEMENT.pack(0, 0, 4, len(body)) + body
