"""TID 3830 Procedure Properties and TID 3831 Medical Device Use (PS3.16-2024c; digest §2.4.3,
§2.4.4), as TID 3802 rows 19, 22 and 37 include them.

TID 3830: row 1 (CODE $ProcType = $Procedure) and row 3 (Procedure DateTime, the fact's start);
rows 2 and 4-11 are not emitted yet. TID 3831: row 1 (Medical Device Used), rows 2-3 (DateTime
Started/Ended) and row 4 (Status, DCID 3773); row 5 is not emitted yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import USE_STATUS_BY_FACT_STATUS
from rpiq.templates._items import CONTAINS, HAS_PROPERTIES, code_item, datetime_item, row
from rpiq.templates._valueset import ValueSet
from rpiq.templates.content import ContentItem

PROCEDURE_TEMPLATE_ID = "3830"
DEVICE_TEMPLATE_ID = "3831"


@dataclass(frozen=True)
class Tid3830:
    """TID 3830 with its parameters $ProcType and $Procedure."""

    ProcType: Code
    Procedure: ValueSet

    def build(self, fact: ClinicalFact, invoked_by: str) -> ContentItem | None:
        """Row 1 for ``fact``, or ``None`` when $Procedure does not admit its code."""
        procedure = self.Procedure.canonical(fact.code)
        if procedure is None:
            return None
        properties: tuple[ContentItem, ...] = ()
        if fact.started is not None:
            properties = (
                datetime_item(
                    HAS_PROPERTIES,
                    dcm.PROCEDURE_DATETIME,
                    fact.started,
                    row=row(PROCEDURE_TEMPLATE_ID, 3),
                ),
            )
        return code_item(
            CONTAINS,
            self.ProcType,
            procedure,
            row=f"{invoked_by} > {row(PROCEDURE_TEMPLATE_ID, 1)}",
            children=properties,
        )


@dataclass(frozen=True)
class Tid3831:
    """TID 3831 with its parameter $Device."""

    Device: ValueSet

    def build(self, fact: ClinicalFact, invoked_by: str) -> ContentItem | None:
        """Row 1 for ``fact``, or ``None`` when $Device does not admit its code."""
        device = self.Device.canonical(fact.code)
        if device is None:
            return None
        found: list[ContentItem] = [
            datetime_item(HAS_PROPERTIES, concept, value, row=row(DEVICE_TEMPLATE_ID, number))
            for number, concept, value in (
                (2, dcm.DATETIME_STARTED, fact.started),
                (3, dcm.DATETIME_ENDED, fact.ended),
            )
            if value is not None
        ]
        status = USE_STATUS_BY_FACT_STATUS.get(fact.status)
        if status is not None:
            found.append(
                code_item(HAS_PROPERTIES, dcm.STATUS, status, row=row(DEVICE_TEMPLATE_ID, 4))
            )
        return code_item(
            CONTAINS,
            dcm.MEDICAL_DEVICE_USED,
            device,
            row=f"{invoked_by} > {row(DEVICE_TEMPLATE_ID, 1)}",
            children=tuple(found),
        )
