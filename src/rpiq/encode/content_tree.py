"""DICOM data set → content tree: the inverse of :mod:`rpiq.encode.dataset` (tolerant decoding).

:func:`decode_tree` reads the top level of a C-FIND response identifier, or of an SR document
(its root content item is the data set itself too), as the root :class:`ContentItem` and its
Content Sequence (PS3.3 C.17.3) as the tree below it:

- Value Type, Concept Name Code Sequence (first item), Relationship Type, Observation DateTime
  and the value attributes of each value type (C.18), kept as text, so that the validator can
  judge their VRs (a 17-character Numeric Value stays 17 characters);
- Code Sequence items with Code Value, Long Code Value or URN Code Value (Table 8.8-1);
- CONTAINER: Continuity Of Content (``""`` when absent below the root) and Content Template
  Sequence (the Template Identifier);
- the root's own Observation DateTime is a return key, not part of the tree.

What the tree cannot carry is reported as :class:`Finding` s at the item's data set path:
by-reference items (Referenced Content Item Identifier, forbidden in RPI by PS3.4 Q.2.1.1.3.3),
value types the RPI templates do not use (SCOORD, IMAGE, ...), unknown Relationship Types,
codes without value or scheme, extra sequence items, and the VR problems pydicom notices while
reading. Items left out are not in the tree, so the validator's paths of their later siblings
are one lower than the data set's.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from rpiq.domain import Code
from rpiq.templates._rules import Finding, Severity
from rpiq.templates.content import (
    CompositeReference,
    ContentItem,
    NumericValue,
    RelationshipType,
    ValueType,
)

MISSING_MEANING = "(no Code Meaning)"
VALUE_KEYWORDS = {
    ValueType.TEXT: "TextValue",
    ValueType.DATE: "Date",
    ValueType.TIME: "Time",
    ValueType.DATETIME: "DateTime",
    ValueType.PNAME: "PersonName",
    ValueType.UIDREF: "UID",
}
_FIELDS = {
    ValueType.TEXT: "text",
    ValueType.DATE: "date",
    ValueType.TIME: "time",
    ValueType.DATETIME: "datetime",
    ValueType.PNAME: "person_name",
    ValueType.UIDREF: "uid",
}


@dataclass(frozen=True)
class DecodedTree:
    """The root content item and what could not be carried into the tree."""

    root: ContentItem
    findings: tuple[Finding, ...]


def decode_tree(ds: Dataset) -> DecodedTree:
    """The content tree at the top level of ``ds`` (root without Relationship Type unless the
    data set has one; Value Type CONTAINER assumed when the data set has none)."""
    decoder = _Decoder()
    root = decoder.root(ds)
    return DecodedTree(root, tuple(decoder.findings))


@dataclass
class _Decoder:
    findings: list[Finding] = field(default_factory=list)

    def error(self, path: str, message: str, severity: Severity = "error") -> None:
        self.findings.append(Finding(path, "", severity, message))

    def root(self, ds: Dataset) -> ContentItem:
        with self._reading("1"):
            value_type = _value_type(_text(ds, "ValueType")) or ValueType.CONTAINER
            fields = self._fields(ds, value_type, "1")
            relationship = self._relationship(ds, "1")
            continuity = _text(ds, "ContinuityOfContent") or "SEPARATE"
        return ContentItem(
            value_type=value_type,
            concept_name=self._concept(ds, "1", "ConceptNameCodeSequence"),
            relationship=relationship,
            continuity=continuity,
            children=self._children(ds, "1"),
            **fields,
        )

    def item(self, ds: Dataset, path: str) -> ContentItem | None:
        if "ReferencedContentItemIdentifier" in ds:
            message = "by-reference relationship: forbidden in RPI (PS3.4 Q.2.1.1.3.3)"
            self.error(path, f"{message}; left out of the tree")
            return None
        with self._reading(path):
            text = _text(ds, "ValueType")
            value_type = _value_type(text)
            if value_type is None:
                message = f"Value Type {text!r} is not an RPI value type; left out of the tree"
                self.error(path, message, "warning" if text else "error")
                return None
            fields = self._fields(ds, value_type, path)
            relationship = self._relationship(ds, path)
            observed = _text(ds, "ObservationDateTime")
            continuity = _text(ds, "ContinuityOfContent") or ""
        return ContentItem(
            value_type=value_type,
            concept_name=self._concept(ds, path, "ConceptNameCodeSequence"),
            relationship=relationship,
            observation_datetime=observed,
            continuity=continuity if value_type is ValueType.CONTAINER else "SEPARATE",
            children=self._children(ds, path),
            **fields,
        )

    def _children(self, ds: Dataset, path: str) -> tuple[ContentItem, ...]:
        children: list[ContentItem] = []
        for index, child in enumerate(_items(ds, "ContentSequence"), start=1):
            item = self.item(child, f"{path}.{index}")
            if item is not None:
                children.append(item)
        return tuple(children)

    def _relationship(self, ds: Dataset, path: str) -> RelationshipType | None:
        text = _text(ds, "RelationshipType")
        if text is None:
            return None
        try:
            return RelationshipType(text)
        except ValueError:
            self.error(path, f"Relationship Type {text!r} is not an enumerated value")
            return None

    def _fields(self, ds: Dataset, value_type: ValueType, path: str) -> dict[str, Any]:
        if value_type is ValueType.CONTAINER:
            return {"template_id": self._template(ds, path)}
        if value_type is ValueType.CODE:
            return {"code_value": self._concept(ds, path, "ConceptCodeSequence")}
        if value_type is ValueType.NUM:
            return {"numeric": self._numeric(ds, path)}
        if value_type is ValueType.COMPOSITE:
            return {"composite": self._composite(ds, path)}
        return {_FIELDS[value_type]: _text(ds, VALUE_KEYWORDS[value_type])}

    def _template(self, ds: Dataset, path: str) -> str | None:
        items = self._one(ds, "ContentTemplateSequence", path)
        if not items:
            return None
        mapping = _text(items[0], "MappingResource")
        if mapping != "DCMR":
            self.error(path, f"Content Template Sequence Mapping Resource {mapping!r}, not DCMR")
        return _text(items[0], "TemplateIdentifier")

    def _concept(self, ds: Dataset, path: str, keyword: str) -> Code | None:
        items = self._one(ds, keyword, path)
        return self._code(items[0], path, keyword) if items else None

    def _code(self, item: Dataset, path: str, what: str) -> Code | None:
        with self._reading(path):
            value = (
                _text(item, "CodeValue")
                or _text(item, "LongCodeValue")
                or _text(item, "URNCodeValue")
            )
            scheme = _text(item, "CodingSchemeDesignator")
            meaning = _text(item, "CodeMeaning")
            version = _text(item, "CodingSchemeVersion")
        if not value or not scheme:
            self.error(path, f"{what} item without Code Value or Coding Scheme Designator")
            return None
        if not meaning:
            self.error(path, f"{what} ({value}, {scheme}) has no Code Meaning")
        return Code(value, scheme, meaning or MISSING_MEANING, version)

    def _numeric(self, ds: Dataset, path: str) -> NumericValue | None:
        measured = self._one(ds, "MeasuredValueSequence", path)
        if not measured:
            if not _items(ds, "NumericValueQualifierCodeSequence"):
                message = "NUM without a measured value needs a Numeric Value Qualifier"
                self.error(path, f"{message} Code Sequence (PS3.3 C.18.1)")
            return None
        with self._reading(path):
            number = _text(measured[0], "NumericValue")
        units = self._concept(measured[0], path, "MeasurementUnitsCodeSequence")
        if number is None or units is None:
            self.error(path, "Measured Value Sequence item needs Numeric Value and units")
            return None
        return NumericValue(number, units)

    def _composite(self, ds: Dataset, path: str) -> CompositeReference | None:
        items = self._one(ds, "ReferencedSOPSequence", path)
        if not items:
            return None
        with self._reading(path):
            sop_class = _text(items[0], "ReferencedSOPClassUID") or ""
            sop_instance = _text(items[0], "ReferencedSOPInstanceUID") or ""
        return CompositeReference(sop_class, sop_instance)

    def _one(self, ds: Dataset, keyword: str, path: str) -> list[Dataset]:
        items = _items(ds, keyword)
        if len(items) > 1:
            self.error(path, f"{keyword} has {len(items)} items; one is allowed")
        return items

    def _reading(self, path: str) -> _Recorder:
        return _Recorder(self, path)


class _Recorder:
    """Records the warnings pydicom gives while values of one item are read, as findings."""

    def __init__(self, decoder: _Decoder, path: str) -> None:
        self.decoder = decoder
        self.path = path
        self.context = warnings.catch_warnings(record=True)
        self.caught: list[warnings.WarningMessage] | None = None

    def __enter__(self) -> None:
        caught = self.context.__enter__()
        warnings.simplefilter("always")
        self.caught = caught

    def __exit__(self, *exc: object) -> None:
        self.context.__exit__(None, None, None)
        for warning in self.caught or []:
            self.decoder.error(self.path, f"invalid value: {warning.message}")


def _items(ds: Dataset, keyword: str) -> list[Dataset]:
    value = ds.get(keyword)
    return list(value) if value else []


def _text(ds: Dataset, keyword: str) -> str | None:
    """The attribute's value as text (``None`` when absent or empty)."""
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    if isinstance(value, MultiValue | list | tuple):
        return "\\".join(str(part) for part in value)
    return str(value).rstrip(" \x00")


def _value_type(text: str | None) -> ValueType | None:
    try:
        return ValueType(text) if text else None
    except ValueError:
        return None
