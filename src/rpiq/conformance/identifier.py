"""Inspections of one response identifier against its request (PS3.4-2024c Q.2.1.1.3.2,
Q.4.3.1.2.1, Tables Q.4-1 and Q.4-2). Each returns the problems found, empty when none.

These are pure functions on pydicom Datasets, free of any network, so they are tested on
hand-made identifiers as well as on live answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag

from rpiq.conformance.standard import (
    FIRST_ROW_CONCEPTS,
    RETURN_KEY_TYPES,
    SPECIFIED_IN_RESPONSE,
)

TYPE_1 = 1


def _name(tag: BaseTag) -> str:
    keyword = keyword_for_tag(tag)
    text = f"({tag.group:04X},{tag.element:04X})"
    return f"{keyword} {text}" if keyword else text


def _text(ds: Dataset, keyword: str) -> str:
    """A single text value with LO padding removed (``""`` if absent or empty)."""
    value = ds.get(keyword)
    return "" if value is None else str(value).strip(" \0")


def _is_empty(ds: Dataset, keyword: str) -> bool:
    value = ds[keyword].value
    return value is None or (hasattr(value, "__len__") and len(value) == 0)


def extra_attributes(request: Dataset, identifier: Dataset) -> list[str]:
    """Top-level attributes neither requested nor specified for the response (Q.2.1.1.3.2:
    "shall not contain Attributes that were not in the request or specified in this
    section"). Group lengths are not attributes and are ignored."""
    requested = set(request.keys())
    extras = []
    for tag in sorted(identifier.keys()):
        if tag.element == 0 or tag in requested:
            continue
        if keyword_for_tag(tag) not in SPECIFIED_IN_RESPONSE:
            extras.append(_name(tag))
    return [f"not requested: {', '.join(extras)}"] if extras else []


def return_key_problems(request: Dataset, identifier: Dataset) -> list[str]:
    """Key echo (Patient ID, Issuer) and the requested Type 1 / Type 2 return keys."""
    problems = []
    if _text(identifier, "PatientID") != _text(request, "PatientID"):
        problems.append(
            f"Patient ID {_text(identifier, 'PatientID')!r} does not echo "
            f"{_text(request, 'PatientID')!r}"
        )
    issuer = _text(request, "IssuerOfPatientID")
    if issuer and _text(identifier, "IssuerOfPatientID") != issuer:
        problems.append(
            f"Issuer of Patient ID {_text(identifier, 'IssuerOfPatientID')!r} does not echo "
            f"{issuer!r}"
        )
    for keyword, key_type in RETURN_KEY_TYPES.items():
        if keyword not in request:
            continue
        if keyword not in identifier:
            problems.append(f"requested Type {key_type} key {keyword} missing")
        elif key_type == TYPE_1 and _is_empty(identifier, keyword):
            problems.append(f"Type 1 key {keyword} is empty")
    return problems


def root_problems(identifier: Dataset, template_id: str) -> list[str]:
    """Value Type CONTAINER and Concept Name = the first row of ``template_id``
    (Q.4.3.1.2.1); for a template outside Annex K only the Value Type is checked."""
    problems = []
    ValueType = _text(identifier, "ValueType")
    if ValueType != "CONTAINER":
        problems.append(f"Value Type {ValueType or '(none)'} is not CONTAINER")
    names = identifier.get("ConceptNameCodeSequence") or []
    if len(names) != 1:
        problems.append(f"Concept Name Code Sequence has {len(names)} items, not 1")
        return problems
    concept = (_text(names[0], "CodeValue"), _text(names[0], "CodingSchemeDesignator"))
    expected = FIRST_ROW_CONCEPTS.get(template_id)
    if expected is not None and concept not in expected:
        wanted = " or ".join(f"({value}, {scheme})" for value, scheme in sorted(expected))
        problems.append(
            f"Concept Name ({concept[0]}, {concept[1]}) is not TID {template_id}'s first row "
            f"{wanted}"
        )
    return problems


def _item_values(item: Dataset) -> dict[int, str]:
    return {int(element.tag): str(element.value).strip(" \0") for element in item}


def template_echo_problems(expected: Iterable[Dataset], identifier: Dataset) -> list[str]:
    """Content Template Sequence identical to ``expected`` (the request's items, or the
    default root's item when the request had none): "The values shall be the same as
    specified in the Request Identifier" (Q.2.1.1.3.2)."""
    wanted = [_item_values(item) for item in expected]
    got_items = identifier.get("ContentTemplateSequence")
    if got_items is None:
        return ["no Content Template Sequence"]
    got = [_item_values(item) for item in got_items]
    if got != wanted:
        return [f"Content Template Sequence {_describe(got)} differs from {_describe(wanted)}"]
    return []


def _describe(items: list[dict[int, str]]) -> str:
    shown = []
    for item in items:
        values = ", ".join(
            f"{keyword_for_tag(tag) or hex(tag)}={value}" for tag, value in sorted(item.items())
        )
        shown.append(f"[{values}]")
    return " ".join(shown) or "[]"


def template_item(TemplateIdentifier: str) -> Dataset:
    """A Content Template Sequence item naming ``TemplateIdentifier`` in DCMR."""
    item = Dataset()
    item.MappingResource = "DCMR"
    item.TemplateIdentifier = TemplateIdentifier
    return item
