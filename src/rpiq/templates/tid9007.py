"""TID 9007 General Relevant Patient Information, the default root of the General SOP Class
(PS3.16-2024c; digest §2.2.1).

Rows 2-14 are emitted from the patient's facts as ``_general`` places them (the table of every
code: ``docs/clinical-mapping.md``); each included template appears only when it has content:

- row 2 TID 1204 (MC: IFF TID 9007 is the root, which it always is here); row 3 TID 3114;
- rows 4-6 TID 9002 (medications classified by drug class; substances, BCID 6089; exposures);
- row 7 TID 9003 ($LateralityValue = BCID 244, any code); row 8 TID 9004 (BCID 244);
- row 9 TID 9005 ($RiskList defaults to BCID 6087, so any code; $FamilyList = DCID 7451);
- rows 10/11 TID 9001 / TID 9006;
- row 12 TID 3802, the cardiac history (``Tid3802.build_nested``);
- row 13 TID 351, previous reports that reference a stored instance;
- row 14 TID 4301, the genitourinary history.

TID 9007 is extensible: a previous-report fact without a stored-instance reference, which TID
351 cannot hold, is added after row 14 as (121144, DCM, "Document Title") = the report's title.
Every fact of a patient is thus somewhere in this tree (``tests/templates`` checks it for the
Synthea and demo patients).
"""

from __future__ import annotations

from rpiq.domain import FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates import _general as general
from rpiq.templates._cids import CID_7451
from rpiq.templates._items import CONTAINS, code_item, container_item, extension, row
from rpiq.templates._valueset import ANY_CODE
from rpiq.templates.content import ContentItem
from rpiq.templates.tid351 import Tid351, referenced_sop
from rpiq.templates.tid1204 import Tid1204
from rpiq.templates.tid3114 import Tid3114
from rpiq.templates.tid3802 import Tid3802
from rpiq.templates.tid4301 import Tid4301
from rpiq.templates.tid9001 import Tid9001
from rpiq.templates.tid9002 import (
    ENVIRONMENTAL_EXPOSURE_HISTORY,
    MEDICATION_HISTORY,
    SUBSTANCE_USE_HISTORY,
)
from rpiq.templates.tid9003 import Tid9003
from rpiq.templates.tid9004 import Tid9004
from rpiq.templates.tid9005 import Tid9005
from rpiq.templates.tid9006 import Tid9006

TEMPLATE_ID = "9007"

GENERAL_PROCEDURES = Tid9003()  # $LateralityValue = BCID 244 (Baseline): any code
GENERAL_PROBLEMS = Tid9004()  # $ProblemList unset, $LateralityValue = BCID 244
GENERAL_RISK_FACTORS = Tid9005(RiskList=ANY_CODE, FamilyList=CID_7451)  # BCID 6087, DCID 7451


def unreferenced_reports(patient: Patient) -> tuple[ContentItem, ...]:
    """The extension items for previous reports TID 351 cannot reference."""
    return tuple(
        code_item(
            CONTAINS,
            dcm.DOCUMENT_TITLE,
            fact.code,
            row=extension(TEMPLATE_ID, "previous report without a stored instance"),
        )
        for fact in patient.facts_of(FactKind.PREVIOUS_REPORT)
        if referenced_sop(fact) is None
    )


class Tid9007:
    """The general content tree of a patient (always the root: row 2 is then M)."""

    def build(self, patient: Patient) -> ContentItem:
        rows = (
            Tid1204().build(),  # row 2, MC: IFF TID 9007 is the root
            Tid3114().build(patient.facts),  # row 3
            MEDICATION_HISTORY.build(general.medications(patient)),  # row 4
            SUBSTANCE_USE_HISTORY.build(general.substances(patient)),  # row 5
            ENVIRONMENTAL_EXPOSURE_HISTORY.build(general.exposures(patient)),  # row 6
            GENERAL_PROCEDURES.build(general.procedures(patient)),  # row 7
            GENERAL_PROBLEMS.build(general.problems(patient)),  # row 8
            GENERAL_RISK_FACTORS.build(general.risk_factors(patient)),  # row 9
            Tid9001(patient.birth_date).build(patient.facts),  # row 10
            Tid9006().build(patient.facts),  # row 11
            Tid3802().build_nested(patient),  # row 12
            Tid351().build(patient.facts),  # row 13
            Tid4301().build(patient),  # row 14
        )
        return container_item(
            dcm.RELEVANT_PATIENT_INFORMATION,  # row 1
            tuple(item for item in rows if item is not None) + unreferenced_reports(patient),
            row=row(TEMPLATE_ID, 1),
            relationship=None,
            template_id=TEMPLATE_ID,
        )
