"""The rules of the DICOM audit message schema (PS3.15 A.5.1, RELAX NG compact), in code.

The schema text itself is not copied into the repository: the DICOM standard is published by
NEMA under copyright without a licence that grants redistribution. This module restates the
schema's rules (element names, which attributes are required, optional or enumerated, which
children in which order and how many, where text is allowed) and checks a message against
them. ``check_audit_message(xml)`` returns the list of violations (empty: valid).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element, fromstring

Check = Callable[[str], bool]


def _enum(*values: str) -> Check:
    return lambda value: value in values


def _any(value: str) -> bool:
    return True


def _boolean(value: str) -> bool:
    return value in ("true", "false", "1", "0")


def _base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _datetime(value: str) -> bool:  # xsd:dateTime
    if not re.match(r"^-?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$", value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _integer(value: str) -> bool:
    return re.match(r"^[+-]?\d+$", value) is not None


@dataclass(frozen=True)
class Group:
    """Children allowed at one position: one of ``names``, ``low``..``high`` times."""

    names: tuple[str, ...]
    low: int = 1
    high: int | None = 1


@dataclass(frozen=True)
class Rule:
    required: dict[str, Check] = field(default_factory=dict)
    optional: dict[str, Check] = field(default_factory=dict)
    children: tuple[Group, ...] = ()
    text: Check | None = None  # None: no text content allowed


CODED_VALUE = Rule(
    required={"csd-code": _any, "codeSystemName": _any, "originalText": _any},
    optional={"displayName": _any},
)

RULES: dict[str, Rule] = {
    "AuditMessage": Rule(
        children=(
            Group(("EventIdentification",)),
            Group(("ActiveParticipant",), 1, None),
            Group(("AuditSourceIdentification",)),
            Group(("ParticipantObjectIdentification",), 0, None),
        )
    ),
    "EventIdentification": Rule(
        required={"EventDateTime": _datetime, "EventOutcomeIndicator": _enum("0", "4", "8", "12")},
        optional={"EventActionCode": _enum("C", "R", "U", "D", "E")},
        children=(
            Group(("EventID",)),
            Group(("EventTypeCode",), 0, None),
            Group(("EventOutcomeDescription",), 0, 1),
        ),
    ),
    "EventID": CODED_VALUE,
    "EventTypeCode": CODED_VALUE,
    "EventOutcomeDescription": Rule(text=_any),
    "ActiveParticipant": Rule(
        required={"UserID": _any, "UserIsRequestor": _boolean},
        optional={
            "AlternativeUserID": _any,
            "UserName": _any,
            "NetworkAccessPointID": _any,
            "NetworkAccessPointTypeCode": _enum("1", "2", "3", "4", "5"),
        },
        children=(Group(("RoleIDCode",), 0, None), Group(("MediaIdentifier",), 0, 1)),
    ),
    "RoleIDCode": CODED_VALUE,
    "MediaIdentifier": Rule(children=(Group(("MediaType",)),)),
    "MediaType": CODED_VALUE,
    "AuditSourceIdentification": Rule(
        required={"AuditSourceID": _any},
        optional={"AuditEnterpriseSiteID": _any},
        children=(Group(("AuditSourceTypeCode",), 0, None),),
    ),
    "AuditSourceTypeCode": Rule(
        required={"csd-code": _any},
        optional={"codeSystemName": _any, "displayName": _any, "originalText": _any},
    ),
    "ParticipantObjectIdentification": Rule(
        required={"ParticipantObjectID": _any},
        optional={
            "ParticipantObjectTypeCode": _enum("1", "2", "3", "4"),
            "ParticipantObjectTypeCodeRole": _enum(*(str(n) for n in range(1, 27))),
            "ParticipantObjectDataLifeCycle": _enum(*(str(n) for n in range(1, 16))),
            "ParticipantObjectSensitivity": _any,
        },
        children=(
            Group(("ParticipantObjectIDTypeCode",)),
            Group(("ParticipantObjectName", "ParticipantObjectQuery")),
            Group(("ParticipantObjectDetail",), 0, None),
            Group(("ParticipantObjectDescription",), 0, None),
        ),
    ),
    "ParticipantObjectIDTypeCode": CODED_VALUE,
    "ParticipantObjectName": Rule(text=_any),
    "ParticipantObjectQuery": Rule(text=_base64),
    "ParticipantObjectDetail": Rule(required={"type": _any, "value": _base64}),
    "ParticipantObjectDescription": Rule(
        children=(
            Group(("MPPS",), 0, None),
            Group(("Accession",), 0, None),
            Group(("SOPClass",), 0, None),
            Group(("ParticipantObjectContainsStudy",), 0, 1),
            Group(("Encrypted",), 0, 1),
            Group(("Anonymized",), 0, 1),
        )
    ),
    "MPPS": Rule(required={"UID": _any}),
    "Accession": Rule(required={"Number": _any}),
    "SOPClass": Rule(
        required={"NumberOfInstances": _integer},
        optional={"UID": _any},
        children=(Group(("Instance",), 0, None),),
    ),
    "Instance": Rule(required={"UID": _any}),
    "ParticipantObjectContainsStudy": Rule(children=(Group(("StudyIDs",), 0, None),)),
    "StudyIDs": Rule(required={"UID": _any}),
    "Encrypted": Rule(text=_boolean),
    "Anonymized": Rule(text=_boolean),
}

_AUDIT_SOURCE_TYPES = {str(n) for n in range(1, 10)}


def parse_xml(xml: str | bytes) -> Element:
    """Parse an audit message rpiq wrote (the tests' own output, not untrusted input)."""
    return fromstring(xml)  # noqa: S314 - our own messages; no DTDs or entities in them


def check_audit_message(xml: str) -> list[str]:
    """Every way ``xml`` breaks the PS3.15 A.5.1 schema (empty list: none)."""
    root = parse_xml(xml)
    if root.tag != "AuditMessage":
        return [f"root element is {root.tag}, not AuditMessage"]
    problems: list[str] = []
    _check(root, "/AuditMessage", problems)
    return problems


def _check(element: Element, path: str, problems: list[str]) -> None:
    rule = RULES.get(element.tag)
    if rule is None:
        problems.append(f"{path}: element not in the schema")
        return
    _check_attributes(element, rule, path, problems)
    _check_text(element, rule, path, problems)
    _check_children(element, rule, path, problems)
    if element.tag == "AuditSourceTypeCode":
        _check_source_type(element, path, problems)
    for index, child in enumerate(element):
        _check(child, f"{path}/{child.tag}[{index}]", problems)


def _check_attributes(element: Element, rule: Rule, path: str, problems: list[str]) -> None:
    for name, check in rule.required.items():
        if name not in element.attrib:
            problems.append(f"{path}: required attribute {name} missing")
        elif not check(element.attrib[name]):
            problems.append(f"{path}: attribute {name}={element.attrib[name]!r} not allowed")
    for name, value in element.attrib.items():
        if name in rule.required:
            continue
        check = rule.optional.get(name)
        if check is None:
            problems.append(f"{path}: attribute {name} not in the schema")
        elif not check(value):
            problems.append(f"{path}: attribute {name}={value!r} not allowed")


def _check_text(element: Element, rule: Rule, path: str, problems: list[str]) -> None:
    text = element.text or ""
    if rule.text is None:
        if text.strip():
            problems.append(f"{path}: text content not allowed")
    elif not rule.text(text.strip()):
        problems.append(f"{path}: text {text!r} not allowed")
    for child in element:
        if (child.tail or "").strip():
            problems.append(f"{path}: text after {child.tag} not allowed")


def _check_children(element: Element, rule: Rule, path: str, problems: list[str]) -> None:
    tags = [child.tag for child in element]
    position = 0
    for group in rule.children:
        count = 0
        while (
            position < len(tags)
            and tags[position] in group.names
            and (group.high is None or count < group.high)
        ):
            position += 1
            count += 1
        if count < group.low:
            problems.append(f"{path}: expected {' or '.join(group.names)} at child {position}")
    if position < len(tags):
        problems.append(f"{path}: unexpected {tags[position]} at child {position}")


def _check_source_type(element: Element, path: str, problems: list[str]) -> None:
    if (
        element.get("csd-code") not in _AUDIT_SOURCE_TYPES
        and "codeSystemName" not in element.attrib
    ):
        problems.append(f"{path}: a code other than 1-9 needs codeSystemName")
    if ("codeSystemName" in element.attrib) != ("originalText" in element.attrib):
        problems.append(f"{path}: codeSystemName and originalText go together")
