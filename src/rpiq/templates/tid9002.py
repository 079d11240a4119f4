"""TID 9002 Medication, Substance, Environmental Exposure (PS3.16-2024c; digest §2.3.2).

One row-2 item per fact whose code the $CodeValue value set admits (after any mapping the
including template applied), with rows 7/8 (DateTime Started/Ended) from the fact's start and
end, and row 10 (Ongoing, DCID 230) from its status: active is Yes; completed or stopped is No;
any other status leaves row 10 out. Rows 3-6, 9 and 11-17 are not emitted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, FactStatus
from rpiq.templates import _codes as dcm
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import CONTAINS, HAS_PROPERTIES, code_item, datetime_item, row
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem

ONGOING_BY_STATUS: dict[FactStatus, Code] = {
    FactStatus.ACTIVE: dcm.YES,
    FactStatus.COMPLETED: dcm.NO,
    FactStatus.STOPPED: dcm.NO,
}


@dataclass(frozen=True)
class Tid9002(ContainerTemplate[ClinicalFact]):
    """TID 9002 with its parameters: $ContainerConcept, $CodeConcept and $CodeValue."""

    ContainerConcept: Code
    CodeConcept: Code
    CodeValue: ValueSet = ANY_CODE

    TEMPLATE_ID = "9002"

    @property
    def concept_name(self) -> Code:
        return self.ContainerConcept  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        return tuple(item for item in (self._row2(fact) for fact in entries) if item is not None)

    def _row2(self, fact: ClinicalFact) -> ContentItem | None:
        value = self.CodeValue.canonical(fact.code)
        if value is None:
            return None
        properties: list[ContentItem] = []
        if fact.started is not None:
            properties.append(
                datetime_item(
                    HAS_PROPERTIES, dcm.DATETIME_STARTED, fact.started, row=row(self.TEMPLATE_ID, 7)
                )
            )
        if fact.ended is not None:
            properties.append(
                datetime_item(
                    HAS_PROPERTIES, dcm.DATETIME_ENDED, fact.ended, row=row(self.TEMPLATE_ID, 8)
                )
            )
        ongoing = ONGOING_BY_STATUS.get(fact.status)
        if ongoing is not None:
            properties.append(
                code_item(HAS_PROPERTIES, dcm.ONGOING, ongoing, row=row(self.TEMPLATE_ID, 10))
            )
        return code_item(
            CONTAINS,
            self.CodeConcept,
            value,
            row=row(self.TEMPLATE_ID, 2),
            children=tuple(properties),
        )


MEDICATION_HISTORY = Tid9002(dcm.HISTORY_OF_MEDICATION_USE, dcm.MEDICATION_TYPE)
"""TID 9007 row 4: medications, any code."""

SUBSTANCE_USE_HISTORY = Tid9002(dcm.SUBSTANCE_USE_HISTORY, dcm.USED_SUBSTANCE_TYPE)
"""TID 9007 row 5: substances; $CodeValue is BCID 6089 (Baseline), so any code."""

ENVIRONMENTAL_EXPOSURE_HISTORY = Tid9002(
    dcm.ENVIRONMENTAL_EXPOSURE_HISTORY, dcm.ENVIRONMENTAL_FACTOR
)
"""TID 9007 row 6: environmental factors, any code."""
