"""Rules every content item must satisfy whatever its template (digest §2.1; PS3.3 C.17.3, C.18).

- Concept Name Code Sequence is required for TEXT, NUM, CODE, DATETIME, DATE, TIME, UIDREF and
  PNAME items (C.17.3.3); templates give CONTAINERs theirs (checked per row);
- an item carries the value of its value type and no other (C.18); a NUM may carry none (an
  empty Measured Value Sequence with a qualifier, C.18.1);
- a CONTAINER has Continuity Of Content ``SEPARATE`` or ``CONTINUOUS`` (the response root
  excepted: the identifier carries none, digest §3.5);
- every nested item has a Relationship Type and the root has none (the root is the identifier);
- VRs: Code Meaning is LO (at most 64 characters, no backslash or control character), Numeric
  Value is DS (at most 16 characters), DATE is a full DA, DATETIME and Observation DateTime are
  DT, TIME is TM, UIDs are UI.

Each rule gives an error :class:`~rpiq.templates._rules.Finding` for one item (not its children).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from rpiq.domain import Code
from rpiq.templates._rules import Finding
from rpiq.templates.content import ContentItem, ValueType

CODE_MEANING_MAX = 64
DS_MAX = 16
UI_MAX = 64
CONTINUITY = frozenset({"SEPARATE", "CONTINUOUS"})
NAMED_VALUE_TYPES = frozenset(ValueType) - {ValueType.CONTAINER, ValueType.COMPOSITE}

_DS = re.compile(r"^ *[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)? *$")
_DA = re.compile(r"^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_TM = re.compile(r"^([01]\d|2[0-3])([0-5]\d([0-5]\d(\.\d{1,6})?)?)?$")
_DT = re.compile(r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$")
_UI = re.compile(r"^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$")
_CONTROL = re.compile(r"[\x00-\x1a\x1c-\x1f\x7f]")

VALUE_FIELDS: Mapping[ValueType, str] = MappingProxyType(
    {
        ValueType.CODE: "code_value",
        ValueType.NUM: "numeric",
        ValueType.TEXT: "text",
        ValueType.DATE: "date",
        ValueType.TIME: "time",
        ValueType.DATETIME: "datetime",
        ValueType.PNAME: "person_name",
        ValueType.UIDREF: "uid",
        ValueType.COMPOSITE: "composite",
    }
)
"""The ContentItem field holding each value type's value (CONTAINER has none)."""


def code_findings(code: Code | None, what: str, path: str, row: str) -> list[Finding]:
    """Code Meaning must be a valid LO value."""
    if code is None:
        return []
    meaning = code.meaning
    if len(meaning) > CODE_MEANING_MAX:
        message = f"{what} Code Meaning is {len(meaning)} characters (LO allows 64): {meaning!r}"
        return [Finding(path, row, "error", message)]
    if "\\" in meaning or _CONTROL.search(meaning):
        message = f"{what} Code Meaning has a backslash or control character: {meaning!r}"
        return [Finding(path, row, "error", message)]
    return []


def _value_presence(item: ContentItem, path: str, row: str) -> list[Finding]:
    wanted = VALUE_FIELDS.get(item.value_type)
    present = [name for name in VALUE_FIELDS.values() if getattr(item, name) is not None]
    found = [
        Finding(path, row, "error", f"{item.value_type} item carries a {name.replace('_', ' ')}")
        for name in present
        if name != wanted
    ]
    if wanted is not None and wanted not in present and item.value_type is not ValueType.NUM:
        found.append(Finding(path, row, "error", f"{item.value_type} item has no value"))
    return found


def _format(value: str | None, pattern: re.Pattern[str], VR: str, what: str) -> str | None:
    if value is None or pattern.match(value):
        return None
    return f"{what} {value!r} is not a valid {VR} value"


def _ds(item: ContentItem) -> str | None:
    if item.numeric is None:
        return None
    text = item.numeric.value
    if len(text) > DS_MAX:
        return f"Numeric Value {text!r} is {len(text)} characters (DS allows 16)"
    return _format(text, _DS, "DS", "Numeric Value")


def _uid(value: str | None, what: str) -> str | None:
    if value is not None and len(value) > UI_MAX:
        return f"{what} is longer than 64 characters"
    return _format(value, _UI, "UI", what)


def _composite(item: ContentItem) -> list[str | None]:
    if item.composite is None:
        return []
    return [
        _uid(item.composite.ReferencedSOPClassUID, "Referenced SOP Class UID"),
        _uid(item.composite.ReferencedSOPInstanceUID, "Referenced SOP Instance UID"),
    ]


_VR_CHECKS: tuple[Callable[[ContentItem], list[str | None]], ...] = (
    lambda item: [_ds(item)],
    lambda item: [_format(item.date, _DA, "DA", "Date")],
    lambda item: [_format(item.time, _TM, "TM", "Time")],
    lambda item: [_format(item.datetime, _DT, "DT", "DateTime")],
    lambda item: [_format(item.observation_datetime, _DT, "DT", "Observation DateTime")],
    lambda item: [_uid(item.uid, "UID")],
    _composite,
)


def item_findings(item: ContentItem, path: str, row: str, *, is_root: bool) -> list[Finding]:
    """Every encoding rule ``item`` itself breaks (its children are checked on their own)."""
    found = _value_presence(item, path, row)
    if item.concept_name is None and item.value_type in NAMED_VALUE_TYPES:
        found.append(Finding(path, row, "error", f"{item.value_type} item has no concept name"))
    found += code_findings(item.concept_name, "concept name", path, row)
    found += code_findings(item.code_value, "value", path, row)
    if item.numeric is not None:
        found += code_findings(item.numeric.units, "units", path, row)
    found += [Finding(path, row, "error", m) for c in _VR_CHECKS for m in c(item) if m is not None]
    if is_root:
        if item.relationship is not None:
            message = f"the root has Relationship Type {item.relationship}; the root has none"
            found.append(Finding(path, row, "error", message))
    else:
        if item.relationship is None:
            found.append(Finding(path, row, "error", "no Relationship Type (Type 1)"))
        if item.value_type is ValueType.CONTAINER and item.continuity not in CONTINUITY:
            message = f"Continuity Of Content {item.continuity!r}: SEPARATE or CONTINUOUS required"
            found.append(Finding(path, row, "error", message))
    return found


def tree_findings(item: ContentItem, path: str) -> list[Finding]:
    """:func:`item_findings` for ``item`` and all its descendants (no template known)."""
    found = item_findings(item, path, "", is_root=False)
    for index, child in enumerate(item.children, start=1):
        found += tree_findings(child, f"{path}.{index}")
    return found
