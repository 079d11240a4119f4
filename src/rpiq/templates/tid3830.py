"""TID 3830 Procedure Properties and TID 3831 Medical Device Use (PS3.16-2024c; digest §2.4.3,
§2.4.4), as TID 3802 rows 19, 22, 37 and TID 4301 rows 11, 16 include them.

TID 3830: row 1 (CODE $ProcType = $Procedure; where $ProcType is a context group, e.g. DCID 6319
in TID 4301, the type each procedure is of), row 3 (Procedure DateTime, the fact's start) and
row 10 (Comment: the source's note). Not filled (no fact carries them): rows 2 (modifiers),
4-9 (reports, location, performer) and 11 (result).

TID 3831: row 1 (Medical Device Used), rows 2-3 (DateTime Started/Ended), row 4 (Status, DCID
3773) and row 5 (Comment: the source's note on the device).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import USE_STATUS_BY_FACT_STATUS
from rpiq.templates._items import (
    CONTAINS,
    HAS_PROPERTIES,
    code_item,
    datetime_item,
    row,
    text_item,
)
from rpiq.templates._valueset import ValueSet
from rpiq.templates.content import ContentItem

PROCEDURE_TEMPLATE_ID = "3830"
DEVICE_TEMPLATE_ID = "3831"


@dataclass(frozen=True)
class Tid3830:
    """TID 3830 with its parameters $ProcType and $Procedure; ``ProcTypeOf`` gives the type of
    a procedure when $ProcType is a context group rather than one code."""

    ProcType: Code
    Procedure: ValueSet
    ProcTypeOf: Mapping[Code, Code] = field(default_factory=dict)

    def build(self, fact: ClinicalFact, invoked_by: str) -> ContentItem | None:
        """Row 1 for ``fact``, or ``None`` when $Procedure does not admit its code."""
        procedure = self.Procedure.canonical(fact.code)
        if procedure is None:
            return None
        properties: list[ContentItem] = []
        if fact.started is not None:
            properties.append(
                datetime_item(
                    HAS_PROPERTIES,
                    dcm.PROCEDURE_DATETIME,
                    fact.started,
                    row=row(PROCEDURE_TEMPLATE_ID, 3),
                )
            )
        if fact.text:
            properties.append(
                text_item(
                    HAS_PROPERTIES, dcm.COMMENT, fact.text, row=row(PROCEDURE_TEMPLATE_ID, 10)
                )
            )
        return code_item(
            CONTAINS,
            self.ProcTypeOf.get(procedure, self.ProcType),
            procedure,
            row=f"{invoked_by} > {row(PROCEDURE_TEMPLATE_ID, 1)}",
            children=tuple(properties),
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
        if fact.text:
            found.append(
                text_item(HAS_PROPERTIES, dcm.COMMENT, fact.text, row=row(DEVICE_TEMPLATE_ID, 5))
            )
        return code_item(
            CONTAINS,
            dcm.MEDICAL_DEVICE_USED,
            device,
            row=f"{invoked_by} > {row(DEVICE_TEMPLATE_ID, 1)}",
            children=tuple(found),
        )
