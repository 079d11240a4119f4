"""Data elements straight to bytes, as pydicom's writer lays them out (for :mod:`.direct`).

Everything here mirrors ``pydicom.filewriter`` (pydicom 3.0) for the VRs the RPI identifier
uses, so that the direct encoder's output is byte-identical to the Dataset path
(:mod:`rpiq.encode.dataset`):

- little endian; Implicit VR: tag, 4-byte length; Explicit VR: tag, VR, then a 2-byte length, or
  2 reserved bytes and a 4-byte length for the VRs of PS3.5 Table 7.1-1 (SQ, UC, UR, UT, ...);
- sequences and their items with *defined* lengths (pydicom's default for new Datasets);
- values padded to even length: NUL for UI, SPACE for every other string VR;
- the VRs pydicom encodes with the data set's character set (SH, LO, ST, LT, UC, UT, PN) are
  UTF-8 here: that is exactly pydicom's result, because the identifier is either all ASCII
  (default repertoire, same bytes) or declares ISO_IR 192; the other string VRs (CS, DA, DT, TM,
  UI, UR, AS, AE) are Latin-1, as pydicom's ``write_string`` does;
- a person name loses its trailing empty component groups (``Doe^Jane==`` → ``Doe^Jane``).

Whatever this module is not sure to write exactly as pydicom does (a value pydicom would
replace, change to UN, or refuse) raises :class:`Fallback`; the caller then takes the pydicom
path for the whole identifier. Return keys (a small Dataset) are written here for the value
types the query service sets, and any other element through pydicom's own element writer.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.multival import MultiValue
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32, PersonName

_UL = struct.Struct("<I").pack
_US = struct.Struct("<H").pack
_FD = struct.Struct("<d").pack
_TAG = struct.Struct("<HH").pack

ITEM = _TAG(0xFFFE, 0xE000)
"""Item tag (FFFE,E000), followed by the item's 4-byte length."""

UTF8_TEXT_VRS = frozenset({"SH", "LO", "ST", "LT", "UC", "UT"})
LATIN1_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "TM", "UR"})
_SPECIFIC_CHARACTER_SET = 0x00080005


class Fallback(Exception):
    """The direct writer cannot promise pydicom's exact bytes for this identifier."""


@dataclass(frozen=True)
class Attribute:
    """One attribute's element header, ready for both syntaxes: ``implicit`` / ``explicit``
    are the bytes before the length field, ``long`` whether Explicit VR uses 4 length bytes."""

    tag: int
    VR: str
    implicit: bytes
    explicit: bytes
    long: bool

    def element(self, value: bytes, explicit: bool) -> bytes:
        """The element with ``value`` (already padded to even length)."""
        if not explicit:
            return self.implicit + _UL(len(value)) + value
        if self.long:
            return self.explicit + _UL(len(value)) + value
        try:
            return self.explicit + _US(len(value)) + value
        except struct.error:  # > 64 KiB in a 2-byte length: pydicom changes the VR to UN
            raise Fallback from None


def attribute_for(tag: int, VR: str) -> Attribute:
    group, element = tag >> 16, tag & 0xFFFF
    tag_bytes = _TAG(group, element)
    long = VR in EXPLICIT_VR_LENGTH_32
    explicit = tag_bytes + VR.encode("ascii") + (b"\x00\x00" if long else b"")
    return Attribute(tag, VR, tag_bytes, explicit, long)


def attribute(keyword: str) -> Attribute:
    """The header of the standard attribute ``keyword``, with the VR pydicom writes for it."""
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    return attribute_for(tag, dictionary_VR(keyword))


def text(value: str) -> bytes:
    """SH/LO/ST/LT/UC/UT/PN value bytes (UTF-8, SPACE-padded to even length)."""
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: pydicom replaces them (with a warning)
        raise Fallback from None
    return data + b" " if len(data) & 1 else data


def latin1(value: str) -> bytes:
    """CS/DA/DT/TM/UR/AS/AE value bytes (pydicom's ``write_string``: Latin-1, SPACE pad)."""
    try:
        data = value.encode("latin-1")
    except UnicodeEncodeError:  # pydicom raises it; let the pydicom path do so
        raise Fallback from None
    return data + b" " if len(data) & 1 else data


def uid(value: str) -> bytes:
    """UI value bytes (NUL-padded to even length)."""
    try:
        data = value.encode("latin-1")
    except UnicodeEncodeError:
        raise Fallback from None
    return data + b"\x00" if len(data) & 1 else data


def person_name(value: str) -> bytes:
    """PN value bytes: each value without its trailing empty component groups."""
    if "=" in value:
        value = "\\".join(part.rstrip("=") for part in value.split("\\"))
    return text(value)


def floating_point(value: float) -> bytes:
    """FD value bytes."""
    return _FD(value)


def sequence(attribute: Attribute, items: Iterable[bytes], explicit: bool) -> bytes:
    """A sequence element of defined length whose items have the given encoded contents."""
    return attribute.element(b"".join([ITEM + _UL(len(item)) + item for item in items]), explicit)


def one_item_sequence(attribute: Attribute, item: bytes, explicit: bool) -> bytes:
    """A sequence element of defined length with one item of the given encoded contents."""
    return attribute.element(ITEM + _UL(len(item)) + item, explicit)


@dataclass(frozen=True)
class Syntax:
    """How one identifier is written: VR form and the data set's character encodings."""

    explicit: bool
    encodings: Sequence[str]


def dataset_elements(
    ds: Dataset, syntax: Syntax, skip: frozenset[int] = frozenset()
) -> list[tuple[int, bytes]]:
    """(tag, element bytes) for every element of ``ds`` (not in ``skip``), in tag order,
    as ``pydicom.filewriter.write_dataset`` writes them."""
    out: list[tuple[int, bytes]] = []
    for element in ds.elements():
        tag = int(element.tag)
        if tag in skip or (tag & 0xFFFF == 0 and tag >> 16 > 6):
            continue
        if isinstance(element, RawDataElement):
            raise Fallback
        out.append((tag, _element(element, syntax)))
    return out


def _element(element: DataElement, syntax: Syntax) -> bytes:
    VR = element.VR
    value = element.value
    header = attribute_for(int(element.tag), VR)
    if VR == "SQ":
        if element.is_undefined_length:  # read from a file or the wire: pydicom keeps it so
            raise Fallback
        items = [_item(item, syntax) for item in value or ()]
        return sequence(header, items, syntax.explicit)
    if VR in UTF8_TEXT_VRS or VR in LATIN1_TEXT_VRS or VR == "UI":
        joined = _joined_text(value)
        if joined is not None:
            if VR in UTF8_TEXT_VRS:
                return header.element(text(joined), syntax.explicit)
            encode = uid if VR == "UI" else latin1
            return header.element(encode(joined), syntax.explicit)
    if VR == "PN":
        names = _person_names(value)
        if names is not None:
            return header.element(text(names), syntax.explicit)
    return _pydicom_element(element, syntax)


def _item(item: Dataset, syntax: Syntax) -> bytes:
    if _SPECIFIC_CHARACTER_SET in item or getattr(item, "is_undefined_length_sequence_item", False):
        raise Fallback
    return b"".join([data for _, data in dataset_elements(item, syntax)])


def _joined_text(value: object) -> str | None:
    """A str value, or several joined with backslashes; ``None`` for anything else."""
    if type(value) is str:
        return value
    if isinstance(value, str):  # UID and other str subclasses
        return str(value)
    if isinstance(value, MultiValue | list) and all(isinstance(part, str) for part in value):
        return "\\".join(str(part) for part in value)
    return None


def _person_names(value: object) -> str | None:
    values = list(value) if isinstance(value, MultiValue | list) else [value]
    names: list[str] = []
    for name in values:
        if not isinstance(name, PersonName) or name.original_string is not None:
            return None  # built from bytes: pydicom may re-encode it; let it
        names.append("=".join(name.components))
    return "\\".join(names)


def _pydicom_element(element: DataElement, syntax: Syntax) -> bytes:
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = not syntax.explicit
    write_data_element(fp, element, list(syntax.encodings))
    return fp.getvalue()


def is_ascii_dataset(ds: Dataset) -> bool:
    """Whether every str or PersonName value in ``ds`` (sequences included) is ASCII, as
    :func:`rpiq.encode.dataset.is_ascii` decides it."""
    for element in ds.elements():
        if isinstance(element, RawDataElement):
            raise Fallback
        value = element.value
        if element.VR == "SQ":
            if not all(is_ascii_dataset(item) for item in value or ()):
                return False
            continue
        values = value if isinstance(value, MultiValue | list) else (value,)
        for part in values:
            if isinstance(part, str | PersonName) and not str(part).isascii():
                return False
    return True


__all__ = [
    "ITEM",
    "Attribute",
    "Fallback",
    "Syntax",
    "attribute",
    "attribute_for",
    "dataset_elements",
    "floating_point",
    "is_ascii_dataset",
    "latin1",
    "one_item_sequence",
    "person_name",
    "sequence",
    "text",
    "uid",
]
