"""A small structural validator for content trees (the full validator is a later issue).

It checks what holds for every tree rpiq emits, whatever the template: VR limits of the values
(LO Code Meaning, DS, DA, DT), one value per value type, containers SEPARATE, the root shape,
rows of one template in table order among siblings, and, from the tables in the digest
(PS3.16-2024c), the relationship / value type / concept name of every row it knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rpiq.domain import Code
from rpiq.templates.content import ContentItem, RelationshipType, ValueType

DS = re.compile(r"^[+-]?\d+(\.\d+)?$")
DA = re.compile(r"^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
DT = re.compile(r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$")
ROW_LABEL = re.compile(r"^TID (\d+) row (\d+)")

C = RelationshipType.CONTAINS
HP = RelationshipType.HAS_PROPERTIES
HOC = RelationshipType.HAS_OBS_CONTEXT
HCM = RelationshipType.HAS_CONCEPT_MOD
IF = RelationshipType.INFERRED_FROM

# (relationship, value type, concept (value, scheme) or None when a parameter/CID decides it),
# transcribed from the digest's template tables, independently of rpiq.templates._codes.
ROWS: dict[str, tuple[RelationshipType | None, ValueType, tuple[str, str] | None]] = {
    "TID 1204 row 1": (HCM, ValueType.CODE, ("121049", "DCM")),
    "TID 3114 row 1": (C, ValueType.CODE, ("121123", "DCM")),
    "TID 3114 row 2": (HP, ValueType.NUM, ("271649006", "SCT")),
    "TID 3114 row 3": (HP, ValueType.NUM, ("271650006", "SCT")),
    "TID 3114 row 4": (HP, ValueType.NUM, ("8867-4", "LN")),
    "TID 3114 row 5": (HP, ValueType.NUM, ("8310-5", "LN")),
    "TID 3114 row 6": (HP, ValueType.NUM, None),
    "TID 3114 row 7": (HP, ValueType.NUM, ("86290005", "SCT")),
    "TID 9001 row 1": (C, ValueType.CONTAINER, ("267011001", "SCT")),
    "TID 9001 row 3": (C, ValueType.DATE, ("8665-2", "LN")),
    "TID 9001 row 4": (C, ValueType.NUM, ("111518", "DCM")),
    "TID 9001 row 5": (C, ValueType.NUM, ("111519", "DCM")),
    "TID 9001 row 6": (C, ValueType.NUM, ("11977-6", "LN")),
    "TID 9001 row 11": (C, ValueType.NUM, ("11996-6", "LN")),
    "TID 9001 row 21": (C, ValueType.CODE, ("364320009", "SCT")),
    "TID 9002 row 1": (C, ValueType.CONTAINER, None),
    "TID 9002 row 2": (C, ValueType.CODE, None),
    "TID 9002 row 7": (HP, ValueType.DATETIME, ("111526", "DCM")),
    "TID 9002 row 8": (HP, ValueType.DATETIME, ("111527", "DCM")),
    "TID 9002 row 10": (HP, ValueType.CODE, ("111528", "DCM")),
    "TID 9003 row 1": (C, ValueType.CONTAINER, ("111513", "DCM")),
    "TID 9003 row 2": (C, ValueType.CODE, ("111531", "DCM")),
    "TID 9003 row 6": (HP, ValueType.CODE, ("272741003", "SCT")),
    "TID 9003 row 7": (HP, ValueType.DATETIME, ("122146", "DCM")),
    "TID 9004 row 1": (C, ValueType.CONTAINER, ("11450-4", "LN")),
    "TID 9004 row 2": (C, ValueType.CODE, ("111533", "DCM")),
    "TID 9004 row 4": (HOC, ValueType.DATETIME, ("111535", "DCM")),
    "TID 9004 row 5": (HP, ValueType.CODE, ("272741003", "SCT")),
    "TID 9004 row 6": (HP, ValueType.CODE, ("363698007", "SCT")),
    "TID 9005 row 1": (C, ValueType.CONTAINER, ("111515", "DCM")),
    "TID 9005 row 2": (C, ValueType.CODE, ("80943009", "SCT")),
    "TID 9005 row 3": (HCM, ValueType.CODE, ("111530", "DCM")),
    "TID 9005 row 9": (IF, ValueType.CODE, ("111537", "DCM")),
    "TID 9006 row 1": (C, ValueType.CONTAINER, ("248983002", "SCT")),
    "TID 9006 row 2": (C, ValueType.DATE, None),
    "TID 9006 row 3": (C, ValueType.NUM, ("18185-9", "LN")),
    "TID 3802 row 3": (C, ValueType.CONTAINER, ("11450-4", "LN")),
    "TID 3802 row 4": (C, ValueType.TEXT, None),
    **{f"TID 3802 row {n}": (C, ValueType.CONTAINER, ("121430", "DCM")) for n in range(5, 12)},
    "TID 3802 row 19": (C, ValueType.CODE, ("387713003", "SCT")),
    "TID 3802 row 22": (C, ValueType.CODE, ("261004008", "SCT")),
    "TID 3802 row 37": (C, ValueType.CODE, ("121436", "DCM")),
    "TID 3802 row 12": (C, ValueType.CONTAINER, ("29762-2", "LN")),
    "TID 3802 row 15": (C, ValueType.CODE, ("365981007", "SCT")),
    "TID 3802 row 17": (C, ValueType.CONTAINER, ("10167-5", "LN")),
    "TID 3802 row 20": (C, ValueType.CONTAINER, ("30954-2", "LN")),
    "TID 3802 row 25": (C, ValueType.CONTAINER, ("10160-0", "LN")),
    "TID 3802 row 28": (C, ValueType.CODE, ("111516", "DCM")),
    "TID 3802 row 30": (HP, ValueType.CODE, ("33999-4", "LN")),
    "TID 3802 row 31": (C, ValueType.CONTAINER, ("10157-6", "LN")),
    "TID 3802 row 33": (C, ValueType.CODE, ("416471007", "SCT")),
    "TID 3802 row 34": (HP, ValueType.CODE, ("408732007", "SCT")),
    "TID 3802 row 35": (C, ValueType.CONTAINER, ("46264-8", "LN")),
    "TID 3829 row 2": (C, ValueType.DATETIME, ("121431", "DCM")),
    "TID 3829 row 4": (C, ValueType.CODE, None),
    "TID 3829 row 5": (HCM, ValueType.CODE, None),
    "TID 3829 row 6": (HP, ValueType.DATETIME, ("111526", "DCM")),
    "TID 3829 row 7": (HP, ValueType.DATETIME, ("121433", "DCM")),
    "TID 3829 row 8": (HP, ValueType.CODE, ("33999-4", "LN")),
    "TID 3829 row 9": (HP, ValueType.CODE, ("246112005", "SCT")),
    "TID 3829 row 10": (HP, ValueType.CODE, ("258214002", "SCT")),
    "TID 3830 row 3": (HP, ValueType.DATETIME, ("122146", "DCM")),
}

_VALUE_FIELDS = {
    ValueType.CODE: "code_value",
    ValueType.NUM: "numeric",
    ValueType.TEXT: "text",
    ValueType.DATE: "date",
    ValueType.DATETIME: "datetime",
}


@dataclass(frozen=True)
class Finding:
    path: str
    problem: str


def _code_findings(path: str, what: str, code: Code | None) -> list[Finding]:
    if code is None:
        return []
    found = []
    if not code.meaning or len(code.meaning) > 64 or "\\" in code.meaning:
        found.append(Finding(path, f"{what} Code Meaning not LO: {code.meaning!r}"))
    if any(ord(char) < 0x20 for char in code.meaning):
        found.append(Finding(path, f"{what} Code Meaning has control characters"))
    return found


def _value_findings(path: str, item: ContentItem) -> list[Finding]:
    found = []
    present = {name for name in _VALUE_FIELDS.values() if getattr(item, name) is not None}
    expected = {_VALUE_FIELDS[item.value_type]} if item.value_type in _VALUE_FIELDS else set()
    if present != expected:
        found.append(Finding(path, f"{item.value_type} carries values {sorted(present)}"))
    if item.numeric is not None:
        value = item.numeric.value
        if len(value) > 16 or not DS.match(value):
            found.append(Finding(path, f"NUM value {value!r} is not DS without exponent"))
        found += _code_findings(path, "units", item.numeric.units)
    if item.date is not None and not DA.match(item.date):
        found.append(Finding(path, f"DATE {item.date!r} is not a full DA"))
    for when in (item.datetime, item.observation_datetime):
        if when is not None and not DT.match(when):
            found.append(Finding(path, f"DT {when!r} is not a DICOM DT"))
    return found


def _row_findings(path: str, item: ContentItem) -> list[Finding]:
    if item.row is None:
        return [Finding(path, "no row label")]
    spec = ROWS.get(item.row.split(" > ")[0])
    if spec is None or item.relationship is None:
        return []
    relationship, value_type, concept = spec
    found = []
    if item.relationship != relationship or item.value_type != value_type:
        found.append(Finding(path, f"{item.row}: {item.relationship} {item.value_type}"))
    name = item.concept_name
    if concept is not None and (name is None or (name.value, name.scheme) != concept):
        found.append(Finding(path, f"{item.row}: concept {name}"))
    return found


def _order_findings(path: str, item: ContentItem) -> list[Finding]:
    last: dict[str, int] = {}
    found = []
    for child in item.children:
        match = ROW_LABEL.match(child.row or "")
        if match is None:
            continue
        tid, number = match.group(1), int(match.group(2))
        if number < last.get(tid, 0):
            found.append(Finding(path, f"{child.row} after row {last[tid]} of TID {tid}"))
        last[tid] = number
    return found


def _item_findings(path: str, item: ContentItem) -> list[Finding]:
    found = _value_findings(path, item) + _row_findings(path, item)
    found += _order_findings(path, item)
    found += _code_findings(path, "concept", item.concept_name)
    found += _code_findings(path, "value", item.code_value)
    if item.concept_name is None:
        found.append(Finding(path, "no concept name"))
    if item.value_type is ValueType.CONTAINER and item.continuity != "SEPARATE":
        found.append(Finding(path, "container not SEPARATE"))
    return found


def validate(root: ContentItem) -> list[Finding]:
    """Everything wrong with a response root and its tree (empty when it is fine)."""
    found = _item_findings("1", root)
    if root.relationship is not None:
        found.append(Finding("1", "root has a relationship"))
    if root.value_type is not ValueType.CONTAINER or root.template_id is None:
        found.append(Finding("1", "root is not a CONTAINER with a template id"))
    for path, item in root.walk():
        found += _item_findings(path, item)
        if item.relationship is None:
            found.append(Finding(path, "nested item without relationship"))
    return found
