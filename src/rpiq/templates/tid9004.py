"""TID 9004 Indicated Problem (PS3.16-2024c; digest §2.3.4).

One row-2 item per problem fact whose code $ProblemList admits, with, in table order:

- row 4 DateTime problem observed: the fact's onset, else when it was recorded;
- row 5 Laterality and row 6 Finding site, when $LateralityValue / $LocationValue admit the
  fact's laterality and body site;
- row 10 Comment: the source's note on the problem (the fact's text).

TID 9004 is extensible and has no row for whether a problem is still current, which a reader
of a problem list needs; the builder adds, after row 10, the two properties TID 3829 uses for it:
(33999-4, LN, "Status") with a DCID 3770 value (active / inactive / resolved) and
(121433, DCM, "DateTime Problem Resolved") from the fact's end (labelled ``TID 9004 extension``).

Not filled (no fact carries them): rows 3 (role of the reporter), 7 (duration), 8 (frequency)
and 9 (DateTime of last evaluation: a source's "recorded" date is when the problem was first
noted, not its last evaluation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import PROBLEM_STATUS_BY_FACT_STATUS
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import (
    CONTAINS,
    HAS_OBS_CONTEXT,
    HAS_PROPERTIES,
    code_item,
    datetime_item,
    extension,
    row,
    text_item,
)
from rpiq.templates._values import observed_at
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "9004"


@dataclass(frozen=True)
class Tid9004(ContainerTemplate[ClinicalFact]):
    """TID 9004 with its parameters $ProblemList, $LateralityValue and $LocationValue."""

    ProblemList: ValueSet = ANY_CODE
    LateralityValue: ValueSet = ANY_CODE
    LocationValue: ValueSet = ANY_CODE

    TEMPLATE_ID = TEMPLATE_ID

    @property
    def concept_name(self) -> Code:
        return dcm.PROBLEM_LIST  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        return tuple(item for item in map(self._row2, entries) if item is not None)

    def _row2(self, fact: ClinicalFact) -> ContentItem | None:
        problem = self.ProblemList.canonical(fact.code)
        if problem is None:
            return None
        properties = (*self._rows_4_to_10(fact), *self._extension(fact))
        return code_item(
            CONTAINS,
            dcm.INDICATED_PROBLEM,
            problem,
            row=row(TEMPLATE_ID, 2),
            children=properties,
        )

    def _rows_4_to_10(self, fact: ClinicalFact) -> list[ContentItem]:
        found: list[ContentItem] = []
        observed = observed_at(fact)
        if observed is not None:
            found.append(
                datetime_item(
                    HAS_OBS_CONTEXT,
                    dcm.DATETIME_PROBLEM_OBSERVED,
                    observed,
                    row=row(TEMPLATE_ID, 4),
                )
            )
        side = self.LateralityValue.canonical(fact.laterality) if fact.laterality else None
        if side is not None:
            found.append(code_item(HAS_PROPERTIES, dcm.LATERALITY, side, row=row(TEMPLATE_ID, 5)))
        site = self.LocationValue.canonical(fact.body_site) if fact.body_site else None
        if site is not None:
            found.append(code_item(HAS_PROPERTIES, dcm.FINDING_SITE, site, row=row(TEMPLATE_ID, 6)))
        if fact.text:
            found.append(
                text_item(HAS_PROPERTIES, dcm.COMMENT, fact.text, row=row(TEMPLATE_ID, 10))
            )
        return found

    def _extension(self, fact: ClinicalFact) -> list[ContentItem]:
        found: list[ContentItem] = []
        status = PROBLEM_STATUS_BY_FACT_STATUS.get(fact.status)
        if status is not None:
            found.append(
                code_item(HAS_PROPERTIES, dcm.STATUS, status, row=extension(TEMPLATE_ID, "Status"))
            )
        if fact.ended is not None:
            found.append(
                datetime_item(
                    HAS_PROPERTIES,
                    dcm.DATETIME_PROBLEM_RESOLVED,
                    fact.ended,
                    row=extension(TEMPLATE_ID, "DateTime Problem Resolved"),
                )
            )
        return found
