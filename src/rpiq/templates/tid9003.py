"""TID 9003 Previous Procedure (PS3.16-2024c; digest §2.3.3).

One row-2 item per procedure fact whose code $ProcedureList admits, with row 6 (Laterality)
when $LateralityValue admits the fact's laterality, and row 7 (Procedure DateTime) from the
fact's start. Row 8 (its XOR partner) and rows 3-5, 9-13 are not emitted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import CONTAINS, HAS_PROPERTIES, code_item, datetime_item, row
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem


@dataclass(frozen=True)
class Tid9003(ContainerTemplate[ClinicalFact]):
    """TID 9003 with its parameters $ProcedureList and $LateralityValue."""

    ProcedureList: ValueSet = ANY_CODE
    LateralityValue: ValueSet = ANY_CODE

    TEMPLATE_ID = "9003"

    @property
    def concept_name(self) -> Code:
        return dcm.RELEVANT_PREVIOUS_PROCEDURES  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        return tuple(item for item in (self._row2(fact) for fact in entries) if item is not None)

    def _row2(self, fact: ClinicalFact) -> ContentItem | None:
        procedure = self.ProcedureList.canonical(fact.code)
        if procedure is None:
            return None
        properties: list[ContentItem] = []
        laterality = self.LateralityValue.canonical(fact.laterality) if fact.laterality else None
        if laterality is not None:
            properties.append(
                code_item(HAS_PROPERTIES, dcm.LATERALITY, laterality, row=row(self.TEMPLATE_ID, 6))
            )
        if fact.started is not None:
            properties.append(
                datetime_item(
                    HAS_PROPERTIES,
                    dcm.PROCEDURE_DATETIME,
                    fact.started,
                    row=row(self.TEMPLATE_ID, 7),
                )
            )
        return code_item(
            CONTAINS,
            dcm.PREVIOUS_PROCEDURE,
            procedure,
            row=row(self.TEMPLATE_ID, 2),
            children=tuple(properties),
        )
