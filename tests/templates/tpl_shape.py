"""Compact, comparable views of content trees for exact-shape assertions."""

from __future__ import annotations

from rpiq.templates.content import ContentItem

Shape = tuple[object, ...]


def value_of(item: ContentItem) -> object:
    """The item's value in short form: a code's value, ``(number, unit)``, or the text/date."""
    if item.code_value is not None:
        return item.code_value.value
    if item.numeric is not None:
        return (item.numeric.value, item.numeric.units.value)
    return item.text or item.date or item.datetime


def shape(item: ContentItem) -> Shape:
    """``(relationship, value type, concept value, value, (children...))``, recursively."""
    relationship = item.relationship.value if item.relationship is not None else None
    concept = item.concept_name.value if item.concept_name is not None else None
    children = tuple(shape(child) for child in item.children)
    return (relationship, item.value_type.value, concept, value_of(item), children)


def concepts(item: ContentItem) -> list[str]:
    """The concept values of the item's children, in order."""
    return [child.concept_name.value for child in item.children if child.concept_name]


def child(item: ContentItem, concept: str) -> ContentItem:
    """The one child with concept value ``concept``."""
    found = [c for c in item.children if c.concept_name and c.concept_name.value == concept]
    assert len(found) == 1, f"{len(found)} children named {concept} in {concepts(item)}"
    return found[0]


def rows(item: ContentItem) -> list[str]:
    """Row labels of every item of the tree, depth first."""
    return [descendant.row or "" for _, descendant in item.walk()]
