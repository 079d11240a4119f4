"""Response identifier → pydicom Dataset → bytes in the negotiated transfer syntax, and back.

Strict when encoding (guide, principle 1): every content item is written per PS3.3 C.17.3
(Document Content and Relationship Macros) and C.18 (value-type macros), digest §2.1:

- Relationship Type, Value Type and Concept Name Code Sequence on every item; the value
  attributes of its value type; Observation DateTime when the item has its own; Content
  Sequence when it has children;
- nested CONTAINERs carry Continuity Of Content and, when they are the outermost invocation of
  a template, Content Template Sequence (DCMR / TID);
- the root is the identifier itself: Value Type, Concept Name Code Sequence and Content Sequence
  at the top level, and **no** Continuity Of Content (Table Q.4-1 does not list it; PS3.17 EE
  omits it). Its Content Template Sequence is the one the service put in the keys;
- Code Sequence items (PS3.3 Table 8.8-1) use Code Value, or Long Code Value when longer than
  16 characters, or URN Code Value for a URN/URL; Code Meaning is cut to 64 characters (LO);
- NUM values are valid DS strings (at most 16 characters); a value that DS cannot hold exactly
  is rounded into DS and the exact number goes into Floating Point Value (C.18.1). A NUM without
  a value gets an empty Measured Value Sequence and the qualifier (114010, DCM, "Value unknown");
- DA, TM, DT and UI values are checked against their VR.

A content tree that cannot be encoded correctly raises ``ValueError`` naming the item's path
(e.g. ``1.3.2``). Specific Character Set is ``ISO_IR 192`` exactly when some string value is not
ASCII, and absent otherwise (PS3.4 Q.2.1.1.3.2; Table Q.4-2 Type 1C).
"""

from __future__ import annotations

import copy
import math
import re
import zlib
from collections.abc import Callable, Mapping
from io import BytesIO
from types import MappingProxyType
from typing import TypeVar

from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filereader import read_dataset
from pydicom.filewriter import write_dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName, format_number_as_ds

from rpiq.domain import Code
from rpiq.encode.lengths import check_lengths
from rpiq.service.responses import ResponseIdentifier
from rpiq.templates.content import ContentItem, ValueType

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
TRANSFER_SYNTAXES = (
    IMPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
)
UTF8_CHARACTER_SET = "ISO_IR 192"
CODE_MEANING_MAX = 64
CODE_VALUE_MAX = 16
VALUE_UNKNOWN = Code("114010", "DCM", "Value unknown")
CONTINUITY_VALUES = frozenset({"SEPARATE", "CONTINUOUS"})
MAX_INFLATED_SIZE = 64 * 1024 * 1024  # a deflated identifier may not inflate beyond this

_DS_PATTERN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z", re.ASCII)
_DA_PATTERN = re.compile(r"^\d{8}\Z", re.ASCII)
_TM_PATTERN = re.compile(r"^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?\Z", re.ASCII)
_DT_PATTERN = re.compile(
    r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?\Z", re.ASCII
)
_UI_PATTERN = re.compile(r"^(0|[1-9]\d*)(\.(0|[1-9]\d*))*\Z", re.ASCII)
_URN_PATTERN = re.compile(r"^(urn|https?):", re.IGNORECASE)

_T = TypeVar("_T")


def identifier_dataset(identifier: ResponseIdentifier) -> Dataset:
    """The Pending response's identifier as a Dataset: the service's keys, then Value Type,
    Concept Name Code Sequence and Content Sequence from the root content item."""
    root = identifier.root
    if root.concept_name is None:
        raise ValueError("the root content item has no concept name")
    ds = copy.deepcopy(identifier.keys)
    if "SpecificCharacterSet" in ds:
        del ds.SpecificCharacterSet
    ds.ValueType = root.value_type.value
    ds.ConceptNameCodeSequence = [code_item(root.concept_name)]
    ds.ContentSequence = [
        content_item(child, f"1.{index}") for index, child in enumerate(root.children, start=1)
    ]
    if not is_ascii(ds):
        ds.SpecificCharacterSet = UTF8_CHARACTER_SET
    return ds


def code_item(code: Code) -> Dataset:
    """A Code Sequence item (PS3.3 Table 8.8-1) for ``code``."""
    item = Dataset()
    if _URN_PATTERN.match(code.value):
        item.URNCodeValue = code.value
    elif len(code.value) > CODE_VALUE_MAX:
        item.LongCodeValue = code.value
    else:
        item.CodeValue = code.value
    item.CodingSchemeDesignator = code.scheme
    if code.scheme_version:
        item.CodingSchemeVersion = code.scheme_version
    item.CodeMeaning = _lo_text(code.meaning)
    return item


def _lo_text(text: str) -> str:
    """``text`` as one LO value: whitespace runs made one space, no backslash, 64 characters."""
    cleaned = " ".join(text.replace("\\", "/").split())
    return cleaned[:CODE_MEANING_MAX]


def content_item(item: ContentItem, path: str) -> Dataset:
    """One Content Sequence item (PS3.3 C.17.3) and, recursively, its children."""
    if item.relationship is None:
        raise ValueError(f"content item {path} has no Relationship Type")
    ds = Dataset()
    ds.RelationshipType = item.relationship.value
    ds.ValueType = item.value_type.value
    if item.concept_name is not None:
        ds.ConceptNameCodeSequence = [code_item(item.concept_name)]
    elif item.value_type is not ValueType.CONTAINER:
        raise ValueError(f"content item {path} ({item.value_type}) has no concept name")
    if item.observation_datetime is not None:
        ds.ObservationDateTime = _checked(item.observation_datetime, _DT_PATTERN, "DT", path)
    _VALUE_WRITERS[item.value_type](ds, item, path)
    if item.children:
        ds.ContentSequence = [
            content_item(child, f"{path}.{index}")
            for index, child in enumerate(item.children, start=1)
        ]
    return ds


def _checked(value: str, pattern: re.Pattern[str], VR: str, path: str) -> str:
    if not pattern.match(value):
        raise ValueError(f"content item {path}: {value!r} is not a valid {VR} value")
    return value


def _require(value: _T | None, what: str, path: str) -> _T:
    if value is None:
        raise ValueError(f"content item {path} has no {what}")
    return value


def _write_container(ds: Dataset, item: ContentItem, path: str) -> None:
    if item.continuity not in CONTINUITY_VALUES:
        raise ValueError(f"content item {path}: Continuity Of Content {item.continuity!r}")
    ds.ContinuityOfContent = item.continuity
    if item.template_id is not None:
        template = Dataset()
        template.MappingResource = "DCMR"
        template.TemplateIdentifier = item.template_id
        ds.ContentTemplateSequence = [template]


def _write_code(ds: Dataset, item: ContentItem, path: str) -> None:
    ds.ConceptCodeSequence = [code_item(_require(item.code_value, "coded value", path))]


def _write_num(ds: Dataset, item: ContentItem, path: str) -> None:
    if item.numeric is None:
        ds.MeasuredValueSequence = []
        ds.NumericValueQualifierCodeSequence = [code_item(VALUE_UNKNOWN)]
        return
    measured = Dataset()
    text, exact = numeric_value(item.numeric.value, path)
    measured.NumericValue = text
    if exact is not None:
        measured.FloatingPointValue = exact
    measured.MeasurementUnitsCodeSequence = [code_item(item.numeric.units)]
    ds.MeasuredValueSequence = [measured]


def numeric_value(value: str, path: str = "?") -> tuple[str, float | None]:
    """A valid DS string for ``value`` and, when DS cannot hold it exactly, the exact number
    for Floating Point Value (PS3.3 C.18.1)."""
    text = value.strip(" ")
    if len(text) <= 16 and _DS_PATTERN.match(text):
        return text, None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"content item {path}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"content item {path}: {value!r} is not a finite number")
    formatted = format_number_as_ds(number)
    return formatted, (number if float(formatted) != number else None)


def _write_text(ds: Dataset, item: ContentItem, path: str) -> None:
    ds.TextValue = _require(item.text, "text", path)


def _write_date(ds: Dataset, item: ContentItem, path: str) -> None:
    ds.Date = _checked(_require(item.date, "date", path), _DA_PATTERN, "DA", path)


def _write_time(ds: Dataset, item: ContentItem, path: str) -> None:
    ds.Time = _checked(_require(item.time, "time", path), _TM_PATTERN, "TM", path)


def _write_datetime(ds: Dataset, item: ContentItem, path: str) -> None:
    ds.DateTime = _checked(_require(item.datetime, "datetime", path), _DT_PATTERN, "DT", path)


def _write_pname(ds: Dataset, item: ContentItem, path: str) -> None:
    ds.PersonName = _require(item.person_name, "person name", path)


def _write_uidref(ds: Dataset, item: ContentItem, path: str) -> None:
    uid = _require(item.uid, "UID", path)
    if len(uid) > 64:
        raise ValueError(f"content item {path}: UID longer than 64 characters")
    ds.UID = _checked(uid, _UI_PATTERN, "UI", path)


def _write_composite(ds: Dataset, item: ContentItem, path: str) -> None:
    reference = _require(item.composite, "referenced SOP instance", path)
    referenced = Dataset()
    referenced.ReferencedSOPClassUID = _checked(
        reference.ReferencedSOPClassUID, _UI_PATTERN, "UI", path
    )
    referenced.ReferencedSOPInstanceUID = _checked(
        reference.ReferencedSOPInstanceUID, _UI_PATTERN, "UI", path
    )
    ds.ReferencedSOPSequence = [referenced]


_VALUE_WRITERS: Mapping[ValueType, Callable[[Dataset, ContentItem, str], None]] = MappingProxyType(
    {
        ValueType.CONTAINER: _write_container,
        ValueType.CODE: _write_code,
        ValueType.NUM: _write_num,
        ValueType.TEXT: _write_text,
        ValueType.DATE: _write_date,
        ValueType.TIME: _write_time,
        ValueType.DATETIME: _write_datetime,
        ValueType.PNAME: _write_pname,
        ValueType.UIDREF: _write_uidref,
        ValueType.COMPOSITE: _write_composite,
    }
)


def is_ascii(ds: Dataset) -> bool:
    """Whether every string value in ``ds`` (sequences included) is plain ASCII."""
    for element in ds.iterall():
        values = element.value if isinstance(element.value, MultiValue | list) else [element.value]
        for value in values:
            if isinstance(value, str | PersonName) and not str(value).isascii():
                return False
    return True


def _syntax(transfer_syntax_uid: str) -> tuple[bool, bool]:
    """(implicit VR, deflated) for one of the three supported little endian syntaxes."""
    if transfer_syntax_uid == IMPLICIT_VR_LITTLE_ENDIAN:
        return True, False
    if transfer_syntax_uid == EXPLICIT_VR_LITTLE_ENDIAN:
        return False, False
    if transfer_syntax_uid == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
        return False, True
    raise ValueError(f"transfer syntax {transfer_syntax_uid} is not supported for identifiers")


def encode_identifier(ds: Dataset, transfer_syntax_uid: str) -> bytes:
    """``ds`` encoded in Implicit VR LE, Explicit VR LE or Deflated Explicit VR LE (raw deflate,
    PS3.5 A.5, padded with one NUL byte to an even length)."""
    implicit, deflated = _syntax(transfer_syntax_uid)
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = implicit
    write_dataset(fp, ds)
    data = fp.getvalue()
    if deflated:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        data = compressor.compress(data) + compressor.flush()
        if len(data) % 2:
            data += b"\x00"
    return data


def decode_identifier(data: bytes, transfer_syntax_uid: str) -> Dataset:
    """The Dataset encoded in ``data`` (values are decoded lazily, with the data set's own
    Specific Character Set). Raises ``ValueError`` (a length that runs past its data, see
    :mod:`rpiq.encode.lengths`), ``zlib.error`` or pydicom errors on bad input."""
    implicit, deflated = _syntax(transfer_syntax_uid)
    if deflated:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        data = inflater.decompress(data, MAX_INFLATED_SIZE)
        if inflater.unconsumed_tail:
            raise ValueError(f"deflated data set inflates beyond {MAX_INFLATED_SIZE} bytes")
    check_lengths(data, implicit=implicit)
    return read_dataset(BytesIO(data), is_implicit_VR=implicit, is_little_endian=True)


__all__ = [
    "DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN",
    "EXPLICIT_VR_LITTLE_ENDIAN",
    "IMPLICIT_VR_LITTLE_ENDIAN",
    "TRANSFER_SYNTAXES",
    "code_item",
    "content_item",
    "decode_identifier",
    "encode_identifier",
    "identifier_dataset",
    "is_ascii",
    "numeric_value",
]
