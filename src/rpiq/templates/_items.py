"""Constructors of content items: one per value type, each making its values VR-safe.

Builders never call :class:`ContentItem` directly; they use these, so every Code Meaning is
clipped to LO and every CONTAINER carries Continuity of Content SEPARATE (PS3.3 C.17.3.3).
"""

from __future__ import annotations

import dataclasses

from rpiq.domain import Code
from rpiq.templates._values import lo_code
from rpiq.templates.content import (
    CompositeReference,
    ContentItem,
    NumericValue,
    RelationshipType,
    ValueType,
)

CONTAINS = RelationshipType.CONTAINS
HAS_PROPERTIES = RelationshipType.HAS_PROPERTIES
HAS_OBS_CONTEXT = RelationshipType.HAS_OBS_CONTEXT
HAS_CONCEPT_MOD = RelationshipType.HAS_CONCEPT_MOD
INFERRED_FROM = RelationshipType.INFERRED_FROM

_SEPARATE = "SEPARATE"


def row(template_id: str, number: int) -> str:
    """The label of a template row, e.g. ``"TID 9004 row 2"``."""
    return f"TID {template_id} row {number}"


def extension(template_id: str, what: str) -> str:
    """The label of an item an extensible template gets beyond its table, e.g.
    ``"TID 9004 extension: Status"`` (PS3.16 ch. 6: Extensible templates admit added items)."""
    return f"TID {template_id} extension: {what}"


def container_item(
    concept: Code,
    children: tuple[ContentItem, ...],
    *,
    row: str,
    relationship: RelationshipType | None = CONTAINS,
    template_id: str | None = None,
) -> ContentItem:
    """A CONTAINER; ``template_id`` when it is the outermost invocation of a template."""
    return ContentItem(
        value_type=ValueType.CONTAINER,
        concept_name=lo_code(concept),
        relationship=relationship,
        continuity=_SEPARATE,
        template_id=template_id,
        children=children,
        row=row,
    )


def code_item(
    relationship: RelationshipType,
    concept: Code,
    value: Code,
    *,
    row: str,
    children: tuple[ContentItem, ...] = (),
) -> ContentItem:
    return ContentItem(
        value_type=ValueType.CODE,
        concept_name=lo_code(concept),
        relationship=relationship,
        code_value=lo_code(value),
        children=children,
        row=row,
    )


def num_item(
    relationship: RelationshipType,
    concept: Code,
    value: str,
    units: Code,
    *,
    row: str,
    observation_datetime: str | None = None,
    children: tuple[ContentItem, ...] = (),
) -> ContentItem:
    """A NUM; ``value`` must already be DS text (see ``_values.format_ds``)."""
    return ContentItem(
        value_type=ValueType.NUM,
        concept_name=lo_code(concept),
        relationship=relationship,
        numeric=NumericValue(value, lo_code(units)),
        observation_datetime=observation_datetime,
        children=children,
        row=row,
    )


def text_item(
    relationship: RelationshipType, concept: Code, value: str, *, row: str
) -> ContentItem:
    return ContentItem(
        value_type=ValueType.TEXT,
        concept_name=lo_code(concept),
        relationship=relationship,
        text=value,
        row=row,
    )


def date_item(
    relationship: RelationshipType, concept: Code, value: str, *, row: str
) -> ContentItem:
    """A DATE; ``value`` must be a full DA ``YYYYMMDD`` (see ``_values.full_date``)."""
    return ContentItem(
        value_type=ValueType.DATE,
        concept_name=lo_code(concept),
        relationship=relationship,
        date=value,
        row=row,
    )


def datetime_item(
    relationship: RelationshipType, concept: Code, value: str, *, row: str
) -> ContentItem:
    """A DATETIME; ``value`` is a DICOM DT (partial precision allowed, as in the domain)."""
    return ContentItem(
        value_type=ValueType.DATETIME,
        concept_name=lo_code(concept),
        relationship=relationship,
        datetime=value,
        row=row,
    )


def composite_item(
    relationship: RelationshipType,
    concept: Code | None,
    reference: CompositeReference,
    *,
    row: str,
) -> ContentItem:
    """A COMPOSITE: a reference to a stored SOP instance (by value: the reference itself)."""
    return ContentItem(
        value_type=ValueType.COMPOSITE,
        concept_name=lo_code(concept) if concept is not None else None,
        relationship=relationship,
        composite=reference,
        row=row,
    )


def as_root(item: ContentItem, template_id: str) -> ContentItem:
    """``item`` as the response root: no Relationship Type, the requested Template ID."""
    return dataclasses.replace(item, relationship=None, template_id=template_id)
