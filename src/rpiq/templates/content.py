"""SR content items as plain objects (PS3.3 C.17.3), the output of every template builder.

A tree of :class:`ContentItem` is what a template produces; the encode layer turns it into DICOM.
Only by-value relationships exist here: PS3.4 Q.2.1.1.3.3 forbids by-reference ones in RPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rpiq.domain import Code


class RelationshipType(StrEnum):
    """Relationship Type (0040,A010), enumerated values (PS3.3 C.17.3.2.4)."""

    CONTAINS = "CONTAINS"
    HAS_PROPERTIES = "HAS PROPERTIES"
    HAS_OBS_CONTEXT = "HAS OBS CONTEXT"
    HAS_ACQ_CONTEXT = "HAS ACQ CONTEXT"
    INFERRED_FROM = "INFERRED FROM"
    SELECTED_FROM = "SELECTED FROM"
    HAS_CONCEPT_MOD = "HAS CONCEPT MOD"


class ValueType(StrEnum):
    """Value Type (0040,A040) of a content item (PS3.3 C.17.3.2.1)."""

    CONTAINER = "CONTAINER"
    TEXT = "TEXT"
    CODE = "CODE"
    NUM = "NUM"
    DATE = "DATE"
    TIME = "TIME"
    DATETIME = "DATETIME"
    PNAME = "PNAME"
    UIDREF = "UIDREF"
    COMPOSITE = "COMPOSITE"


@dataclass(frozen=True)
class NumericValue:
    """A NUM item's Measured Value Sequence item: the number as DS text and its units."""

    value: str
    units: Code


@dataclass(frozen=True)
class CompositeReference:
    """A COMPOSITE item's Referenced SOP Sequence item."""

    ReferencedSOPClassUID: str
    ReferencedSOPInstanceUID: str


@dataclass(frozen=True)
class ContentItem:
    """One SR content item.

    ``relationship`` is ``None`` only for the root, whose attributes become the C-FIND response
    identifier's own Value Type / Concept Name Code Sequence / Content Sequence.
    ``template_id`` is the TID whose outermost invocation this CONTAINER is (Content Template
    Sequence, PS3.3 C.18.8); ``row`` is the template row that produced the item, for validation
    findings and for readers of the code. Exactly one value field fits the value type.
    """

    value_type: ValueType
    concept_name: Code | None
    relationship: RelationshipType | None = None
    code_value: Code | None = None
    numeric: NumericValue | None = None
    text: str | None = None
    date: str | None = None
    time: str | None = None
    datetime: str | None = None
    person_name: str | None = None
    uid: str | None = None
    composite: CompositeReference | None = None
    continuity: str = "SEPARATE"
    template_id: str | None = None
    observation_datetime: str | None = None
    children: tuple[ContentItem, ...] = field(default=())
    row: str | None = field(default=None, compare=False)

    def walk(self) -> list[tuple[str, ContentItem]]:
        """Every descendant with its dotted path (``1.3.2``), depth first, root excluded."""
        found: list[tuple[str, ContentItem]] = []
        self._walk("1", found)
        return found

    def _walk(self, prefix: str, found: list[tuple[str, ContentItem]]) -> None:
        for index, child in enumerate(self.children, start=1):
            path = f"{prefix}.{index}"
            found.append((path, child))
            child._walk(path, found)
