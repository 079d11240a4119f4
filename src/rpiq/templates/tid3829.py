"""TID 3829 Problem Properties (PS3.16-2024c; digest §2.4.2), as TID 3802 rows 5-11 and TID
4301 row 5 include it.

Emitted: row 1 (Concern), row 2 (DateTime Concern Noted: when the fact was recorded), row 4
(the problem, concept name (55607006, SCT, "Problem") from DCID 3769), and under it row 5
($ModType/$ModValue when given), row 6 (DateTime Started), row 7 (DateTime Problem Resolved:
the fact's end), row 8 (Status, DCID 3770, from the fact status), row 9 (Severity, when a
DCID 3716 member) and row 10 (Stage when given); then row 12 (Therapy, one per $Therapy value
the including template found) with row 13 (its Use Status, DCID 3773), and row 14 (Comment:
the source's note on the problem).

Not filled: row 3 (DateTime Concern Resolved: sources date the problem's end, which row 7
holds, not the end of the concern) and row 11 (Health status: no fact carries it).
"""

from __future__ import annotations

from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import PROBLEM_STATUS_BY_FACT_STATUS
from rpiq.templates._cids import CID_3716
from rpiq.templates._items import (
    CONTAINS,
    HAS_CONCEPT_MOD,
    HAS_PROPERTIES,
    code_item,
    container_item,
    datetime_item,
    row,
    text_item,
)
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "3829"


@dataclass(frozen=True)
class Therapy:
    """A $Therapy value received for the problem and its CID 3773 Use Status, if known."""

    code: Code
    status: Code | None = None


@dataclass(frozen=True)
class Concern:
    """One TID 3829 invocation: the $Problem value, its fact, optional modifier and stage."""

    problem: Code
    fact: ClinicalFact
    modifier: tuple[Code, Code] | None = None  # ($ModType, $ModValue)
    stage: Code | None = None
    therapies: tuple[Therapy, ...] = ()


class Tid3829:
    """A Concern container for one problem."""

    def build(self, concern: Concern, invoked_by: str) -> ContentItem:
        """The Concern container; ``invoked_by`` labels the including row (``TID 3802 row 7``)."""
        fact = concern.fact
        children: list[ContentItem] = []
        if fact.recorded is not None:
            children.append(
                datetime_item(
                    CONTAINS, dcm.DATETIME_CONCERN_NOTED, fact.recorded, row=row(TEMPLATE_ID, 2)
                )
            )
        children.append(
            code_item(
                CONTAINS,
                dcm.PROBLEM,
                concern.problem,
                row=row(TEMPLATE_ID, 4),
                children=self._properties(concern),
            )
        )
        children.extend(self._therapy(therapy) for therapy in concern.therapies)  # rows 12, 13
        if fact.text:
            children.append(text_item(CONTAINS, dcm.COMMENT, fact.text, row=row(TEMPLATE_ID, 14)))
        return container_item(
            dcm.CONCERN,
            tuple(children),
            row=f"{invoked_by} > {row(TEMPLATE_ID, 1)}",
            template_id=TEMPLATE_ID,
        )

    def _therapy(self, therapy: Therapy) -> ContentItem:
        status = (
            (code_item(HAS_PROPERTIES, dcm.STATUS, therapy.status, row=row(TEMPLATE_ID, 13)),)
            if therapy.status is not None
            else ()
        )
        return code_item(
            CONTAINS, dcm.THERAPY, therapy.code, row=row(TEMPLATE_ID, 12), children=status
        )

    def _properties(self, concern: Concern) -> tuple[ContentItem, ...]:
        fact = concern.fact
        found: list[ContentItem] = []
        if concern.modifier is not None:
            mod_type, mod_value = concern.modifier
            found.append(code_item(HAS_CONCEPT_MOD, mod_type, mod_value, row=row(TEMPLATE_ID, 5)))
        dates = (
            (6, dcm.DATETIME_STARTED, fact.started),
            (7, dcm.DATETIME_PROBLEM_RESOLVED, fact.ended),
        )
        found.extend(
            datetime_item(HAS_PROPERTIES, concept, value, row=row(TEMPLATE_ID, number))
            for number, concept, value in dates
            if value is not None
        )
        status = PROBLEM_STATUS_BY_FACT_STATUS.get(fact.status)
        severity = CID_3716.canonical(fact.severity) if fact.severity is not None else None
        coded = (
            (8, dcm.STATUS, status),
            (9, dcm.SEVERITY, severity),
            (10, dcm.STAGE, concern.stage),
        )
        found.extend(
            code_item(HAS_PROPERTIES, concept, value, row=row(TEMPLATE_ID, number))
            for number, concept, value in coded
            if value is not None
        )
        return tuple(found)
