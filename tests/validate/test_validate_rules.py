"""The validator on deliberately broken trees: each break is found at the right path and row.

Every case starts from a conforming hand-written tree (``trees``; each is checked clean first)
and changes one thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from rpiq.domain import Code
from rpiq.templates.content import ContentItem, NumericValue, RelationshipType, ValueType
from rpiq.templates.validate import Finding, validate
from validate import trees as t


@dataclass(frozen=True)
class Case:
    tree: Callable[[], ContentItem]
    template_id: str
    path: str
    row: str
    severity: str
    says: str
    as_root: bool = True
    also: str = "\0"
    """Other errors expected besides the one tested (a substring of their messages)."""


def replace_child(item: ContentItem, index: int, child: ContentItem) -> ContentItem:
    children = list(item.children)
    children[index] = child
    return dataclasses.replace(item, children=tuple(children))


def with_children(item: ContentItem, *children: ContentItem) -> ContentItem:
    return dataclasses.replace(item, children=children)


def errors(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == "error"]


CLEAN: dict[str, tuple[Callable[[], ContentItem], str]] = {
    "9001": (t.gynecological_history, "9001"),
    "9004": (t.problem_list, "9004"),
    "9000": (t.breast_rpi, "9000"),
    "9005": (t.risk_factors, "9005"),
    "3802": (t.family_history, "3802"),
    "9007": (t.general_rpi, "9007"),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_the_hand_written_trees_conform(name: str) -> None:
    build, template_id = CLEAN[name]
    assert validate(build(), template_id) == []


def _problem_with(**fields: Any) -> Callable[[], ContentItem]:
    return lambda: t.problem_list(dataclasses.replace(t.problem(), **fields))


def _gyn(*children: ContentItem) -> Callable[[], ContentItem]:
    return lambda: t.gynecological_history(*children)


def _lmp_as_text() -> ContentItem:
    return ContentItem(ValueType.TEXT, t.LMP, t.CONTAINS, text="15 January")


def _breast_laterality(side: Code) -> Callable[[], ContentItem]:
    def build() -> ContentItem:
        procedures = t.container(
            t.PREVIOUS_PROCEDURES, t.breast_procedure(laterality=side), template_id="9003"
        )
        return t.breast_rpi(t.language(), procedures)

    return build


def _both_timings() -> ContentItem:
    side = t.code(t.HAS_PROPERTIES, t.LATERALITY, t.LEFT_BREAST)
    when = t.datetime(t.HAS_PROPERTIES, t.PROCEDURE_DATETIME, "20200101")
    roughly = t.code(t.HAS_PROPERTIES, t.ESTIMATED_TIMEFRAME, t.MORE_THAN_A_YEAR)
    procedures = t.container(
        t.PREVIOUS_PROCEDURES, t.breast_procedure(side, when, roughly), template_id="9003"
    )
    return t.breast_rpi(t.language(), procedures)


def _gestational_age_without_premature_delivery() -> ContentItem:
    age = t.num(t.HAS_PROPERTIES, t.GESTATIONAL_AGE, "32", Code("wk", "UCUM", "week"))
    return t.risk_factors(t.code(t.CONTAINS, t.RISK_FACTOR, t.LATEX_ALLERGY, age))


def _family_finding_without_relationship() -> ContentItem:
    tree = t.family_history()
    section = tree.children[0]
    finding = with_children(section.children[0])
    return with_children(tree, with_children(section, finding))


def _continuity(value: str) -> Callable[[], ContentItem]:
    def build() -> ContentItem:
        tree = t.general_rpi()
        return replace_child(tree, 1, dataclasses.replace(tree.children[1], continuity=value))

    return build


def _nested_template(template_id: str) -> Callable[[], ContentItem]:
    def build() -> ContentItem:
        tree = t.general_rpi()
        return replace_child(
            tree, 1, dataclasses.replace(tree.children[1], template_id=template_id)
        )

    return build


def _language_with_extra_child() -> ContentItem:
    note = ContentItem(ValueType.TEXT, Code("121106", "DCM", "Comment"), t.HAS_PROPERTIES, text="x")
    language = with_children(t.language(), note)
    tree = t.general_rpi()
    return replace_child(tree, 0, language)


def _vital_signs_without_measurements() -> ContentItem:
    assessment = t.code(t.CONTAINS, t.PATIENT_STATUS, t.VITAL_SIGNS)
    return t.general_rpi(t.language(), assessment)


def _long_value_meaning() -> ContentItem:
    return t.problem_list(t.problem(value=Code("195662009", "SCT", "x" * 65)))


def _long_numeric() -> ContentItem:
    return t.gynecological_history(
        t.num(t.CONTAINS, t.AGE_AT_MENARCHE, "12.0000000000000001", t.YEAR)
    )


CASES: dict[str, Case] = {
    "missing M row (TID 9000 row 2, TID 1204)": Case(
        lambda: t.breast_rpi(t.breast_rpi().children[1]), "9000",
        "1", "TID 9000 row 2", "error", "missing TID 9000 row 2",
    ),
    "missing M row below a repeated row (TID 3802 row 34)": Case(
        _family_finding_without_relationship, "3802",
        "1.1.1", "TID 3802 row 34", "error", "missing TID 3802 row 34",
    ),
    "missing M 1-n row of an included sub-template (TID 9004 row 2)": Case(
        lambda: t.general_rpi(t.language(), t.container(t.PROBLEM_LIST, template_id="9004")),
        "9007", "1.2", "TID 9004 row 2", "error", "missing TID 9004 row 2",
    ),
    "wrong relationship": Case(
        _problem_with(relationship=RelationshipType.HAS_PROPERTIES), "9004",
        "1.1", "TID 9004 row 2", "error", "Relationship Type HAS PROPERTIES, expected CONTAINS",
    ),
    "wrong value type": Case(
        _gyn(_lmp_as_text(), t.menarche()), "9001",
        "1.1", "TID 9001 row 3", "error", "Value Type TEXT, expected DATE",
    ),
    "wrong EV concept name of an M row": Case(
        _problem_with(concept_name=t.PROBLEM_LIST), "9004",
        "1.1", "TID 9004 row 2", "error", 'is not EV (111533, DCM, "Indicated Problem")',
    ),
    "wrong EV concept name of the root": Case(
        lambda: dataclasses.replace(t.problem_list(), concept_name=t.HISTORY), "9004",
        "1", "TID 9004 row 1", "error", 'is not EV (11450-4, LN, "Problem List")',
    ),
    "value not in a Non-Extensible DCID (CID 6022 Side)": Case(
        _breast_laterality(t.LEFT), "9000",
        "1.2.1.1", "TID 9003 row 6", "error", "is not DCID 6022 “Side” (Non-Extensible)",
    ),
    "value not in an Extensible DCID (CID 6055) is a warning": Case(
        lambda: t.breast_rpi(t.language(), t.container(
            t.PROBLEM_LIST, t.problem(value=t.PHARYNGITIS), template_id="9004")),
        "9000", "1.2.1", "TID 9004 row 2", "warning", "DCID 6055",
    ),
    "wrong units (UNITS = EV)": Case(
        _gyn(t.lmp(), t.menarche(units=t.MONTH)), "9001",
        "1.2", "TID 9001 row 4", "error", 'units (mo, UCUM, "month") is not EV (a, UCUM, "Year")',
    ),
    "order violation": Case(
        _gyn(t.para(), t.lmp()), "9001",
        "1.2", "TID 9001 row 3", "error", "out of order: TID 9001 row 3 item after TID 9001 row 6",
    ),
    "VM 1 row given twice": Case(
        _gyn(t.lmp(), t.lmp()), "9001",
        "1.2", "TID 9001 row 3", "error", "more than 1 item(s) for TID 9001 row 3",
    ),
    "XOR violation (TID 9003 rows 7 and 8)": Case(
        _both_timings, "9000",
        "1.2.1.3", "TID 9003 row 8", "error", "TID 9003 row 7 XOR TID 9003 row 8",
    ),
    "IFF violated: gestational age without premature delivery (TID 9005 row 4)": Case(
        _gestational_age_without_premature_delivery, "9005",
        "1.1.1", "TID 9005 row 4", "error", "must not be present",
    ),
    "IFF violated: TID 9007 as the root without language (row 2)": Case(
        lambda: t.general_rpi(t.general_rpi().children[1]), "9007",
        "1", "TID 9007 row 2", "error", "missing TID 9007 row 2 (MC (IFF TID 9007 is the Root",
    ),
    "IFF violated: TID 9007 not the root but with language (row 2)": Case(
        lambda: dataclasses.replace(t.general_rpi(), relationship=t.CONTAINS), "9007",
        "1.1", "TID 9007 row 2", "error", "must not be present", as_root=False,
    ),
    "IF true: vital signs without their measurements (TID 3114 row 2)": Case(
        _vital_signs_without_measurements, "9007",
        "1.2", "TID 3114 row 2", "error", "missing TID 3114 row 2 (MC (IF Row 1 value =",
        also="missing TID 3114 row",  # rows 3-9 too: all are MC on the same condition
    ),
    "missing Continuity Of Content": Case(
        _continuity(""), "9007",
        "1.2", "TID 9004 row 1", "error", "Continuity Of Content ''",
    ),
    "Content Template Sequence naming another template": Case(
        _nested_template("9005"), "9007",
        "1.2", "TID 9004 row 1", "error", "Content Template Sequence names TID 9005",
    ),
    "no Content Template Sequence on a nested template is a warning": Case(
        _nested_template(None), "9007",  # type: ignore[arg-type]
        "1.2", "TID 9004 row 1", "warning", "no Content Template Sequence",
    ),
    "an item added to Non-Extensible TID 1204": Case(
        _language_with_extra_child, "9007",
        "1.1.1", "TID 1204", "error", "is not a row of TID 1204 (Non-Extensible)",
    ),
    "root with a relationship": Case(
        lambda: dataclasses.replace(t.problem_list(), relationship=t.CONTAINS), "9004",
        "1", "TID 9004 row 1", "error", "the root has Relationship Type CONTAINS",
    ),
    "Code Meaning longer than 64": Case(
        _long_value_meaning, "9004",
        "1.1", "TID 9004 row 2", "error", "Code Meaning is 65 characters",
    ),
    "Numeric Value longer than 16": Case(
        _long_numeric, "9001",
        "1.1", "TID 9001 row 4", "error", "is 19 characters (DS allows 16)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_a_broken_tree_is_reported_at_its_path_and_row(name: str) -> None:
    case = CASES[name]
    findings = validate(case.tree(), case.template_id, as_root=case.as_root)
    matching = [
        f
        for f in findings
        if (f.path, f.row, f.severity) == (case.path, case.row, case.severity)
        and case.says in f.message
    ]
    assert matching, f"expected {case.path} {case.row} {case.severity} {case.says!r}: {findings}"
    others = [f for f in errors(findings) if f not in matching and case.also not in f.message]
    assert others == [], f"unexpected errors besides the one broken: {others}"


def test_an_unknown_template_is_an_error() -> None:
    (finding,) = validate(t.problem_list(), "4242")
    assert (finding.path, finding.row, finding.severity) == ("1", "", "error")
    assert finding.message.startswith("TID 4242 is not a template the validator knows")


def test_an_extension_in_an_extensible_template_is_only_a_warning() -> None:
    comment = ContentItem(
        ValueType.TEXT, Code("121106", "DCM", "Comment"), t.CONTAINS, text="seen by GP"
    )
    findings = validate(t.gynecological_history(t.lmp(), comment), "9001")
    assert [(f.path, f.row, f.severity) for f in findings] == [("1.2", "TID 9001", "warning")]


def test_a_wrong_concept_on_an_optional_row_makes_an_extension_not_an_error() -> None:
    """PS3.16 6.2.5: an Extensible template may carry other items; a DATE named otherwise than
    row 3 is such an item (the validator cannot know it was meant as row 3)."""
    other = t.date(t.CONTAINS, Code("11779-6", "LN", "EDD from LMP"), "20241022")
    findings = validate(t.gynecological_history(other), "9001")
    assert [(f.path, f.severity) for f in findings] == [("1.1", "warning")]


def test_has_concept_mod_may_be_added_anywhere() -> None:
    """PS3.16 6.2.4: post-coordination by HAS CONCEPT MOD is allowed even where not listed."""
    modifier = t.code(t.HAS_CONCEPT_MOD, Code("106233006", "SCT", "Topographical modifier"),
                      Code("255549009", "SCT", "Anterior"))  # fmt: skip
    tree = t.problem_list(t.problem(modifier))
    assert validate(tree, "9004") == []


def test_a_legacy_snomed_rt_code_is_a_warning() -> None:
    tree = _breast_laterality(Code("T-04030", "SRT", "Left breast"))()
    findings = validate(tree, "9000")
    assert [(f.path, f.severity) for f in findings] == [("1.2.1.1", "warning")]
    assert "legacy SNOMED-RT" in findings[0].message


def test_a_language_under_the_old_rfc3066_designator_is_a_warning() -> None:
    old = t.code(t.HAS_CONCEPT_MOD, t.LANGUAGE, Code("en-US", "RFC3066", "English (US)"))
    findings = validate(t.breast_rpi(old, t.breast_rpi().children[1]), "9000")
    assert [(f.path, f.row, f.severity) for f in findings] == [("1.1", "TID 1204 row 1", "warning")]
    wrong = t.code(t.HAS_CONCEPT_MOD, t.LANGUAGE, Code("en", "ISO639_1", "English"))
    findings = validate(t.breast_rpi(wrong, t.breast_rpi().children[1]), "9000")
    assert [(f.path, f.row, f.severity) for f in findings] == [("1.1", "TID 1204 row 1", "error")]


def test_findings_inside_an_out_of_order_item_are_reported_too() -> None:
    late = t.num(t.CONTAINS, t.AGE_AT_MENARCHE, "12", t.MONTH)
    findings = validate(t.gynecological_history(t.para(), late), "9001")
    assert {(f.path, f.row) for f in errors(findings)} == {("1.2", "TID 9001 row 4")}
    assert len(errors(findings)) == 2  # the order, and the units


def test_conditions_on_values_hold_when_the_value_is_there() -> None:
    premature = t.risk_factors()
    assert validate(premature, "9005") == []
    vitals = t.code(
        t.CONTAINS, t.PATIENT_STATUS, t.VITAL_SIGNS,
        t.num(t.HAS_PROPERTIES, t.SYSTOLIC, "120", t.MM_HG),
    )  # fmt: skip
    findings = validate(t.general_rpi(t.language(), vitals), "9007")
    assert {f.row for f in errors(findings)} == {f"TID 3114 row {n}" for n in range(3, 10)}


def test_numeric_value_formats() -> None:
    bad = dataclasses.replace(t.menarche(), numeric=NumericValue("12,5", t.YEAR))
    findings = validate(t.gynecological_history(bad), "9001")
    assert [(f.path, f.row) for f in findings] == [("1.1", "TID 9001 row 4")]
    assert "not a valid DS value" in findings[0].message
