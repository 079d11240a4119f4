"""Response identifier → DICOM bytes directly, without building pydicom Datasets.

:func:`encode_response` returns exactly the bytes of the reference path
``encode_identifier(identifier_dataset(identifier), transfer_syntax_uid)``
(:mod:`rpiq.encode.dataset`, whose docstring states every encoding rule) for Implicit VR
Little Endian, Explicit VR Little Endian and Deflated Explicit VR Little Endian, in a small
fraction of its time: content items are written straight to bytes (element layout in
:mod:`.direct_values`); the Code Sequence items, which repeat across items and queries, are
kept encoded in a bounded cache; and a content tree encoded before (the query service hands
out the same tree object while a patient is unchanged) is not encoded again.

Agreement with the reference path, under pydicom's default configuration (which rpiq never
changes), is the contract: tests/encode/test_direct*.py compare both for every root template
and test patient. Where the direct writer is not certain to agree (a content tree the
reference path refuses, its ``ValueError`` naming the item's path; a value pydicom would
change while writing it; a transfer syntax it refuses) it hands the whole identifier to the
reference path, so results, errors and warnings are the reference path's own.
"""

from __future__ import annotations

import re
import weakref
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from types import MappingProxyType

from rpiq.domain import Code
from rpiq.encode.dataset import (
    CODE_MEANING_MAX,
    CODE_VALUE_MAX,
    CONTINUITY_VALUES,
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    UTF8_CHARACTER_SET,
    VALUE_UNKNOWN,
    encode_identifier,
    identifier_dataset,
    numeric_value,
)
from rpiq.encode.direct_values import (
    Attribute,
    Fallback,
    Syntax,
    attribute,
    dataset_elements,
    floating_point,
    is_ascii_dataset,
    latin1,
    one_item_sequence,
    person_name,
    sequence,
    text,
    uid,
)
from rpiq.service.responses import ResponseIdentifier
from rpiq.templates.content import ContentItem, RelationshipType, ValueType

_SYNTAXES: Mapping[str, tuple[bool, bool]] = MappingProxyType(
    {  # transfer syntax -> (explicit VR, deflated)
        IMPLICIT_VR_LITTLE_ENDIAN: (False, False),
        EXPLICIT_VR_LITTLE_ENDIAN: (True, False),
        DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: (True, True),
    }
)
_CODE_CACHE_SIZE = 8192

# Stricter than the reference path's checks (whole string, ASCII digits only): whatever passes
# here passes there too; anything else goes to the reference path, which decides.
_DS_PATTERN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_DA_PATTERN = re.compile(r"\d{8}", re.ASCII)
_TM_PATTERN = re.compile(r"\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?", re.ASCII)
_DT_PATTERN = re.compile(
    r"\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?", re.ASCII
)
_UI_PATTERN = re.compile(r"(0|[1-9]\d*)(\.(0|[1-9]\d*))*", re.ASCII)
_URN_PATTERN = re.compile(r"(urn|https?):", re.IGNORECASE)

SpecificCharacterSet = attribute("SpecificCharacterSet")
ReferencedSOPSequence = attribute("ReferencedSOPSequence")
ReferencedSOPClassUID = attribute("ReferencedSOPClassUID")
ReferencedSOPInstanceUID = attribute("ReferencedSOPInstanceUID")
CodeValue = attribute("CodeValue")
CodingSchemeDesignator = attribute("CodingSchemeDesignator")
CodingSchemeVersion = attribute("CodingSchemeVersion")
CodeMeaning = attribute("CodeMeaning")
MappingResource = attribute("MappingResource")
LongCodeValue = attribute("LongCodeValue")
URNCodeValue = attribute("URNCodeValue")
MeasurementUnitsCodeSequence = attribute("MeasurementUnitsCodeSequence")
RelationshipType_ = attribute("RelationshipType")
ObservationDateTime = attribute("ObservationDateTime")
ValueType_ = attribute("ValueType")
ConceptNameCodeSequence = attribute("ConceptNameCodeSequence")
ContinuityOfContent = attribute("ContinuityOfContent")
DateTime = attribute("DateTime")
Date = attribute("Date")
Time = attribute("Time")
PersonName = attribute("PersonName")
UID = attribute("UID")
TextValue = attribute("TextValue")
FloatingPointValue = attribute("FloatingPointValue")
ConceptCodeSequence = attribute("ConceptCodeSequence")
MeasuredValueSequence = attribute("MeasuredValueSequence")
NumericValueQualifierCodeSequence = attribute("NumericValueQualifierCodeSequence")
NumericValue = attribute("NumericValue")
ContentTemplateSequence = attribute("ContentTemplateSequence")
ContentSequence = attribute("ContentSequence")
TemplateIdentifier = attribute("TemplateIdentifier")

_ROOT_TAGS = frozenset(
    {SpecificCharacterSet.tag, ValueType_.tag, ConceptNameCodeSequence.tag, ContentSequence.tag}
)


def encode_response(identifier: ResponseIdentifier, transfer_syntax_uid: str) -> bytes:
    """The Pending identifier's bytes in ``transfer_syntax_uid``: byte-identical to
    ``encode_identifier(identifier_dataset(identifier), transfer_syntax_uid)``, including its
    ``ValueError`` for a content tree that cannot be encoded or an unsupported syntax."""
    try:
        return encode_direct(identifier, transfer_syntax_uid)
    except Fallback:
        return encode_identifier(identifier_dataset(identifier), transfer_syntax_uid)


def encode_direct(
    identifier: ResponseIdentifier, transfer_syntax_uid: str, *, reuse: bool = True
) -> bytes:
    """The direct writer alone: :func:`encode_response`'s bytes, or :class:`Fallback` where it
    hands over to the reference path (for tests and benchmarks that must see which ran).
    ``reuse=False`` encodes the content tree afresh even if it was encoded before."""
    syntax = _SYNTAXES.get(transfer_syntax_uid)
    if syntax is None:
        raise Fallback
    explicit, deflated = syntax
    data = _encode(identifier, explicit, reuse)
    return _deflate(data) if deflated else data


def _deflate(data: bytes) -> bytes:
    """Raw deflate (PS3.5 A.5), NUL-padded to even length: the reference path's settings."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    data = compressor.compress(data) + compressor.flush()
    return data + b"\x00" if len(data) % 2 else data


def _encode(identifier: ResponseIdentifier, explicit: bool, reuse: bool) -> bytes:
    if reuse:
        named, content, tree_ascii = _TREES.encoded(identifier.root, explicit)
    else:
        named, content, tree_ascii = _encode_tree(identifier.root, explicit)
    keys_ascii = is_ascii_dataset(identifier.keys)
    encodings = ("iso8859",) if tree_ascii and keys_ascii else ("utf_8",)
    elements = dataset_elements(identifier.keys, Syntax(explicit, encodings), _ROOT_TAGS)
    if any(ValueType_.tag < tag < ConceptNameCodeSequence.tag for tag, _ in elements):
        raise Fallback  # a key would go between Value Type and Concept Name Code Sequence
    elements.append((ValueType_.tag, named))  # with Concept Name Code Sequence (A043)
    elements.append((ContentSequence.tag, content))
    if not (tree_ascii and keys_ascii):
        charset = SpecificCharacterSet.element(latin1(UTF8_CHARACTER_SET), explicit)
        elements.append((SpecificCharacterSet.tag, charset))
    elements.sort(key=_tag_of)
    return b"".join([data for _, data in elements])


EncodedTree = tuple[bytes, bytes, bool]
"""A root's Value Type + Concept Name Code Sequence elements, its Content Sequence element,
and whether all their strings are ASCII."""


def _encode_tree(root: ContentItem, explicit: bool) -> EncodedTree:
    if root.concept_name is None:
        raise Fallback
    encoder = _Encoder(explicit)
    children = [encoder.item(child) for child in root.children]
    named, name_ascii = _named(root.value_type, _code_key(root.concept_name), explicit)
    content = sequence(ContentSequence, children, explicit)
    return named, content, encoder.ascii and name_ascii


class _TreeMemo:
    """Encoded trees by the identity of their root, for as long as the root lives.

    The query service hands out the same (immutable) tree object while a patient is unchanged
    (:class:`rpiq.templates.roots.RootCache`), so repeated queries reuse its encoding. Keyed by
    ``id`` and checked through a weak reference, never by equality (``ContentItem`` equality
    ignores Code Meanings); an entry goes when its root is collected. Races only recompute.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, bool], tuple[weakref.ref[ContentItem], EncodedTree]] = {}

    def encoded(self, root: ContentItem, explicit: bool) -> EncodedTree:
        key = (id(root), explicit)
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is root:
            return entry[1]
        tree = _encode_tree(root, explicit)
        self._entries[key] = (weakref.ref(root, partial(self._forget, key)), tree)
        return tree

    def _forget(self, key: tuple[int, bool], _: object) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


_TREES = _TreeMemo()


def _tag_of(element: tuple[int, bytes]) -> int:
    return element[0]


CodeKey = tuple[str, str, str, str | None]
"""(Code Value, Coding Scheme Designator, Code Meaning, Coding Scheme Version): all a Code
Sequence item depends on (``Code`` equality ignores the meaning, so it cannot be the key)."""


def _code_key(code: Code) -> CodeKey:
    return (code.value, code.scheme, code.meaning, code.scheme_version)


def _code_sequence(sequence_attribute: Attribute, code: Code, explicit: bool) -> tuple[bytes, bool]:
    """A one-item Code Sequence element for ``code`` and whether its strings are ASCII."""
    return _cached_code_sequence(sequence_attribute.tag, _code_key(code), explicit)


@lru_cache(maxsize=_CODE_CACHE_SIZE)
def _cached_code_sequence(sequence_tag: int, key: CodeKey, explicit: bool) -> tuple[bytes, bool]:
    value, scheme, meaning, version = key
    meaning = " ".join(meaning.replace("\\", "/").split())[:CODE_MEANING_MAX]
    parts: list[bytes] = []  # in tag order: (0008,0100), 0102, 0103, 0104, 0119, 0120
    if _URN_PATTERN.match(value):
        last = URNCodeValue.element(latin1(value), explicit)
    elif len(value) > CODE_VALUE_MAX:
        last = LongCodeValue.element(text(value), explicit)
    else:
        parts.append(CodeValue.element(text(value), explicit))
        last = b""
    parts.append(CodingSchemeDesignator.element(text(scheme), explicit))
    if version:
        parts.append(CodingSchemeVersion.element(text(version), explicit))
    parts.append(CodeMeaning.element(text(meaning), explicit))
    parts.append(last)
    ascii_only = all(part.isascii() for part in (value, scheme, meaning, version or ""))
    return one_item_sequence(_SEQUENCES[sequence_tag], b"".join(parts), explicit), ascii_only


@lru_cache(maxsize=_CODE_CACHE_SIZE)
def _named(value_type: ValueType, key: CodeKey, explicit: bool) -> tuple[bytes, bool]:
    """Value Type and Concept Name Code Sequence of an item (adjacent tags, A040 and A043)."""
    name, name_ascii = _cached_code_sequence(ConceptNameCodeSequence.tag, key, explicit)
    return ValueType_.element(latin1(value_type.value), explicit) + name, name_ascii


_SEQUENCES: Mapping[int, Attribute] = MappingProxyType(
    {
        attribute.tag: attribute
        for attribute in (
            ConceptNameCodeSequence,
            ConceptCodeSequence,
            MeasurementUnitsCodeSequence,
            NumericValueQualifierCodeSequence,
        )
    }
)


@dataclass(frozen=True)
class _Fixed:
    """The elements that take few values, encoded once per VR form."""

    relationship: Mapping[RelationshipType, bytes]
    value_type: Mapping[ValueType, bytes]
    continuity: Mapping[str, bytes]
    no_measured_value: bytes

    @classmethod
    def encoded(cls, explicit: bool) -> _Fixed:
        qualifier = _cached_code_sequence(
            NumericValueQualifierCodeSequence.tag, _code_key(VALUE_UNKNOWN), explicit
        )[0]
        return cls(
            MappingProxyType(
                {
                    kind: RelationshipType_.element(latin1(kind), explicit)
                    for kind in RelationshipType
                }
            ),
            MappingProxyType(
                {kind: ValueType_.element(latin1(kind), explicit) for kind in ValueType}
            ),
            MappingProxyType(
                {
                    kind: ContinuityOfContent.element(latin1(kind), explicit)
                    for kind in CONTINUITY_VALUES
                }
            ),
            MeasuredValueSequence.element(b"", explicit) + qualifier,
        )


_FIXED = (_Fixed.encoded(explicit=False), _Fixed.encoded(explicit=True))


class _Encoder:
    """One identifier's content items in one VR form; ``ascii`` stays True while every string
    written is ASCII (Specific Character Set, PS3.4 Q.2.1.1.3.2)."""

    def __init__(self, explicit: bool) -> None:
        self.explicit = explicit
        self.fixed = _FIXED[explicit]
        self.ascii = True

    def item(self, item: ContentItem) -> bytes:
        """One Content Sequence item's contents (PS3.3 C.17.3), children included, in tag
        order: [Referenced SOP Sequence], Relationship Type, [Observation DateTime], Value
        Type, [Concept Name Code Sequence], the value attributes, [Content Sequence]."""
        relationship = item.relationship
        if relationship is None:
            raise Fallback
        value_type = item.value_type
        head = self.fixed.relationship[relationship]
        if item.observation_datetime is not None:
            head += self._checked(ObservationDateTime, item.observation_datetime, _DT_PATTERN)
        name = item.concept_name
        if name is not None:
            named, name_ascii = _named(value_type, _code_key(name), self.explicit)
            if not name_ascii:
                self.ascii = False
            head += named
        elif value_type is ValueType.CONTAINER:
            head += self.fixed.value_type[value_type]
        else:
            raise Fallback
        body = self._value(item, value_type)
        if value_type is ValueType.COMPOSITE:
            head, body = body + head, b""
        if item.children:
            children = [self.item(child) for child in item.children]
            body += sequence(ContentSequence, children, self.explicit)
        return head + body

    def _value(self, item: ContentItem, value_type: ValueType) -> bytes:
        if value_type is ValueType.CODE:
            if item.code_value is None:
                raise Fallback
            data, code_ascii = _cached_code_sequence(
                ConceptCodeSequence.tag, _code_key(item.code_value), self.explicit
            )
            if not code_ascii:
                self.ascii = False
            return data
        if value_type is ValueType.CONTAINER:
            return self._container(item)
        if value_type is ValueType.NUM:
            return self._num(item)
        return self._simple(item, value_type)

    def _simple(self, item: ContentItem, value_type: ValueType) -> bytes:  # noqa: PLR0911
        if value_type is ValueType.DATE:
            return self._checked(Date, item.date or "", _DA_PATTERN)
        if value_type is ValueType.DATETIME:
            return self._checked(DateTime, item.datetime or "", _DT_PATTERN)
        if value_type is ValueType.TEXT:
            return self._text(TextValue, item.text, text)
        if value_type is ValueType.PNAME:
            return self._text(PersonName, item.person_name, person_name)
        if value_type is ValueType.TIME:
            return self._checked(Time, item.time or "", _TM_PATTERN)
        if value_type is ValueType.UIDREF:
            value = item.uid or ""
            if len(value) > 64 or not _UI_PATTERN.fullmatch(value):
                raise Fallback
            return UID.element(uid(value), self.explicit)
        if value_type is ValueType.COMPOSITE:
            return self._composite(item)
        raise Fallback

    def _checked(self, attr: Attribute, value: str, pattern: re.Pattern[str]) -> bytes:
        if not pattern.fullmatch(value):
            raise Fallback
        return attr.element(latin1(value), self.explicit)

    def _text(self, attr: Attribute, value: str | None, encode: Callable[[str], bytes]) -> bytes:
        if value is None:
            raise Fallback
        if not value.isascii():
            self.ascii = False
        return attr.element(encode(value), self.explicit)

    def _container(self, item: ContentItem) -> bytes:
        continuity = self.fixed.continuity.get(item.continuity)
        if continuity is None:
            raise Fallback
        if item.template_id is None:
            return continuity
        if not item.template_id.isascii():
            raise Fallback
        return continuity + _template(item.template_id, self.explicit)

    def _num(self, item: ContentItem) -> bytes:
        explicit = self.explicit
        if item.numeric is None:
            return self.fixed.no_measured_value
        try:
            number, exact = numeric_value(item.numeric.value)
        except ValueError:
            raise Fallback from None
        if not _DS_PATTERN.fullmatch(number):
            raise Fallback
        units, units_ascii = _code_sequence(
            MeasurementUnitsCodeSequence, item.numeric.units, explicit
        )
        if not units_ascii:
            self.ascii = False
        if exact is not None:
            units += FloatingPointValue.element(floating_point(exact), explicit)
        measured = units + NumericValue.element(latin1(number), explicit)
        return one_item_sequence(MeasuredValueSequence, measured, explicit)

    def _composite(self, item: ContentItem) -> bytes:
        reference = item.composite
        if reference is None:
            raise Fallback
        sop_class = reference.ReferencedSOPClassUID
        sop_instance = reference.ReferencedSOPInstanceUID
        if not (_UI_PATTERN.fullmatch(sop_class) and _UI_PATTERN.fullmatch(sop_instance)):
            raise Fallback
        contents = ReferencedSOPClassUID.element(uid(sop_class), self.explicit)
        contents += ReferencedSOPInstanceUID.element(uid(sop_instance), self.explicit)
        return one_item_sequence(ReferencedSOPSequence, contents, self.explicit)


@lru_cache(maxsize=256)
def _template(template_id: str, explicit: bool) -> bytes:
    contents = MappingResource.element(latin1("DCMR"), explicit)
    contents += TemplateIdentifier.element(latin1(template_id), explicit)
    return one_item_sequence(ContentTemplateSequence, contents, explicit)


__all__ = ["Fallback", "encode_direct", "encode_response"]
