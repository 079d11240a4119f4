"""TID 9004 Indicated Problem (PS3.16-2024c; digest §2.3.4).

One row-2 item per problem fact whose code $ProblemList admits, with row 4 (DateTime problem
observed: the fact's onset, else when it was recorded), row 5 (Laterality) and row 6 (Finding
site, from the fact's body site) when their value sets admit the fact's codes. Rows 3 and 7-10
are not emitted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import (
    CONTAINS,
    HAS_OBS_CONTEXT,
    HAS_PROPERTIES,
    code_item,
    datetime_item,
    row,
)
from rpiq.templates._values import observed_at
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem


@dataclass(frozen=True)
class Tid9004(ContainerTemplate[ClinicalFact]):
    """TID 9004 with its parameters $ProblemList, $LateralityValue and $LocationValue."""

    ProblemList: ValueSet = ANY_CODE
    LateralityValue: ValueSet = ANY_CODE
    LocationValue: ValueSet = ANY_CODE

    TEMPLATE_ID = "9004"

    @property
    def concept_name(self) -> Code:
        return dcm.PROBLEM_LIST  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        return tuple(item for item in (self._row2(fact) for fact in entries) if item is not None)

    def _row2(self, fact: ClinicalFact) -> ContentItem | None:
        problem = self.ProblemList.canonical(fact.code)
        if problem is None:
            return None
        properties: list[ContentItem] = []
        observed = observed_at(fact)
        if observed is not None:
            properties.append(
                datetime_item(
                    HAS_OBS_CONTEXT,
                    dcm.DATETIME_PROBLEM_OBSERVED,
                    observed,
                    row=row(self.TEMPLATE_ID, 4),
                )
            )
        laterality = self.LateralityValue.canonical(fact.laterality) if fact.laterality else None
        if laterality is not None:
            properties.append(
                code_item(HAS_PROPERTIES, dcm.LATERALITY, laterality, row=row(self.TEMPLATE_ID, 5))
            )
        site = self.LocationValue.canonical(fact.body_site) if fact.body_site else None
        if site is not None:
            properties.append(
                code_item(HAS_PROPERTIES, dcm.FINDING_SITE, site, row=row(self.TEMPLATE_ID, 6))
            )
        return code_item(
            CONTAINS,
            dcm.INDICATED_PROBLEM,
            problem,
            row=row(self.TEMPLATE_ID, 2),
            children=tuple(properties),
        )
