"""A strict length check of encoded data sets, before pydicom reads them.

pydicom's reader takes a value whose declared length runs past the end of the data as the
shorter value it finds (``fp.read(length)``), so a truncated identifier would be answered as if
it were whole. :func:`check_lengths` walks the elements (Little Endian, Implicit or Explicit
VR), into sequences and items of defined and undefined length, and raises ``ValueError`` naming
the tag when a length does not fit the bytes that enclose it, or when nesting exceeds
:data:`MAX_DEPTH`.
"""

from __future__ import annotations

import struct
from typing import Any

from pydicom.datadict import dictionary_VR
from pydicom.tag import Tag

UNDEFINED = 0xFFFFFFFF
ITEM = 0xFFFEE000
ITEM_DELIMITATION = 0xFFFEE00D
SEQUENCE_DELIMITATION = 0xFFFEE0DD
MAX_DEPTH = 64
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN"})
_LONG_VRS |= {b"UR", b"UT", b"UV"}
_HEADER = struct.Struct("<HHI")
_SHORT = struct.Struct("<HH2sH")
_LONG = struct.Struct("<HH2s2xI")


def check_lengths(data: bytes, *, implicit: bool) -> None:
    """Raise ``ValueError`` unless every length in ``data`` fits (module docstring)."""
    end = _elements(memoryview(data), 0, len(data), implicit, 0, stop_at=None)
    if end != len(data):
        raise ValueError("data set ends inside an element")


def _elements(
    data: memoryview, pos: int, end: int, implicit: bool, depth: int, *, stop_at: int | None
) -> int:
    """Walk elements from ``pos`` to ``end`` (or to the ``stop_at`` delimiter); return the
    position after the last byte consumed."""
    if depth > MAX_DEPTH:
        raise ValueError(f"data set nested deeper than {MAX_DEPTH} levels")
    while pos < end:
        tag, vr, length, pos = _header(data, pos, end, implicit)
        if tag == stop_at:
            return pos
        if length == UNDEFINED:
            if not _is_sequence(tag, vr, implicit):
                raise ValueError(f"{_name(tag)} has undefined length but is not a sequence")
            pos = _items(data, pos, end, implicit, depth, fixed_end=None)
            continue
        if pos + length > end:
            raise ValueError(f"{_name(tag)} length {length} runs past the end of its data")
        if _is_sequence(tag, vr, implicit):
            _items(data, pos, pos + length, implicit, depth, fixed_end=pos + length)
        pos += length
    if stop_at is not None:
        raise ValueError("undefined-length item or sequence has no delimiter")
    return pos


def _items(
    data: memoryview, pos: int, end: int, implicit: bool, depth: int, *, fixed_end: int | None
) -> int:
    """Walk a sequence's items; ``fixed_end`` given: a defined-length sequence ending there."""
    while pos < end:
        tag, length, pos = _item_header(data, pos, end)
        if tag == SEQUENCE_DELIMITATION and fixed_end is None:
            return pos
        if tag != ITEM:
            raise ValueError(f"{_name(tag)} found where a sequence item was expected")
        if length == UNDEFINED:
            pos = _elements(data, pos, end, implicit, depth + 1, stop_at=ITEM_DELIMITATION)
        elif pos + length > end:
            raise ValueError(f"item length {length} runs past the end of its sequence")
        else:
            _elements(data, pos, pos + length, implicit, depth + 1, stop_at=None)
            pos += length
    if fixed_end is None:
        raise ValueError("undefined-length sequence has no delimiter")
    return pos


def _header(data: memoryview, pos: int, end: int, implicit: bool) -> tuple[int, bytes, int, int]:
    if implicit or _is_delimiter_at(data, pos, end):
        group, element, length = _unpack(_HEADER, data, pos, end)
        return (group << 16) | element, b"", length, pos + _HEADER.size
    group, element, vr, short = _unpack(_SHORT, data, pos, end)
    if vr in _LONG_VRS:
        group, element, vr, length = _unpack(_LONG, data, pos, end)
        return (group << 16) | element, vr, length, pos + _LONG.size
    return (group << 16) | element, vr, short, pos + _SHORT.size


def _item_header(data: memoryview, pos: int, end: int) -> tuple[int, int, int]:
    group, element, length = _unpack(_HEADER, data, pos, end)
    return (group << 16) | element, length, pos + _HEADER.size


def _is_delimiter_at(data: memoryview, pos: int, end: int) -> bool:
    return pos + 4 <= end and bytes(data[pos : pos + 2]) == b"\xfe\xff"


def _unpack(layout: struct.Struct, data: memoryview, pos: int, end: int) -> tuple[Any, ...]:
    if pos + layout.size > end:
        raise ValueError("data set ends inside an element header")
    return layout.unpack_from(data, pos)


def _is_sequence(tag: int, vr: bytes, implicit: bool) -> bool:
    if not implicit:
        return vr == b"SQ"
    try:
        return bool(dictionary_VR(Tag(tag)) == "SQ")
    except KeyError:
        return False


def _name(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
