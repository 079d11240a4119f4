"""The test validator itself finds what it is meant to find (so the tree tests can fail)."""

from __future__ import annotations

import dataclasses
from typing import Any

from tpl_validate import validate

from rpiq.domain import Code
from rpiq.templates.content import ContentItem, NumericValue, RelationshipType, ValueType

PROBLEM_LIST = Code("11450-4", "LN", "Problem List")
INDICATED_PROBLEM = Code("111533", "DCM", "Indicated Problem")


def _problem(row: str = "TID 9004 row 2", **fields: Any) -> ContentItem:
    item = ContentItem(
        ValueType.CODE,
        INDICATED_PROBLEM,
        RelationshipType.CONTAINS,
        code_value=Code("195662009", "SCT", "Acute viral pharyngitis"),
        row=row,
    )
    return dataclasses.replace(item, **fields)


def _root(*children: ContentItem) -> ContentItem:
    return ContentItem(
        ValueType.CONTAINER, PROBLEM_LIST, None, template_id="9004", children=children,
        row="TID 9004 row 1",
    )  # fmt: skip


def _problems(root: ContentItem) -> list[str]:
    return [finding.problem for finding in validate(root)]


def test_a_valid_tree_has_no_findings() -> None:
    assert validate(_root(_problem())) == []


def test_long_meaning_bad_ds_partial_date_and_bad_dt_are_found() -> None:
    long_code = Code("1", "SCT", "x" * 65)
    number = ContentItem(
        ValueType.NUM, Code("18185-9", "LN", "Gestational Age"), RelationshipType.CONTAINS,
        numeric=NumericValue("1.5e3", Code("d", "UCUM", "day")), row="TID 9006 row 3",
    )  # fmt: skip
    date = ContentItem(
        ValueType.DATE, Code("8665-2", "LN", "LMP"), RelationshipType.CONTAINS, date="202401",
        row="TID 9006 row 2",
    )  # fmt: skip
    found = _problems(_root(_problem(code_value=long_code), number, date))
    assert any("Code Meaning not LO" in problem for problem in found)
    assert any("not DS" in problem for problem in found)
    assert any("not a full DA" in problem for problem in found)
    assert _problems(_root(_problem(datetime="20240101")))  # a CODE carrying a DT value


def test_wrong_relationship_concept_order_and_missing_relationship_are_found() -> None:
    assert _problems(_root(_problem(relationship=RelationshipType.HAS_PROPERTIES)))
    assert _problems(_root(_problem(concept_name=PROBLEM_LIST)))
    observed = ContentItem(
        ValueType.DATETIME, Code("111535", "DCM", "DateTime problem observed"),
        RelationshipType.HAS_OBS_CONTEXT, datetime="2024", row="TID 9004 row 4",
    )  # fmt: skip
    assert _problems(_root(observed, _problem()))  # row 4 before row 2
    assert _problems(_root(_problem(relationship=None)))
    assert _problems(dataclasses.replace(_root(_problem()), relationship=RelationshipType.CONTAINS))


def test_a_container_must_be_separate() -> None:
    nested = ContentItem(
        ValueType.CONTAINER, PROBLEM_LIST, RelationshipType.CONTAINS, continuity="CONTINUOUS",
        row="TID 9004 row 1",
    )  # fmt: skip
    assert any("SEPARATE" in problem for problem in _problems(_root(nested)))
