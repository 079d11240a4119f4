"""TID 9007 General Relevant Patient Information, the default root of the General SOP Class
(PS3.16-2024c; digest §2.2.1).

Rows 2-11 are emitted from the patient's facts as ``_general`` places them; each sub-template
appears only when it has content. Not emitted yet: row 12 (TID 3802, the Cardiac SOP Class's
root: problems and medications are already in rows 4 and 8), row 13 (TID 351 Previous
Reports) and row 14 (TID 4301 Genitourinary Patient History).
"""

from __future__ import annotations

from rpiq.domain import Patient
from rpiq.templates import _codes as dcm
from rpiq.templates import _general as general
from rpiq.templates._cids import CID_7451
from rpiq.templates._items import container_item, row
from rpiq.templates._valueset import ANY_CODE
from rpiq.templates.content import ContentItem
from rpiq.templates.tid1204 import Tid1204
from rpiq.templates.tid3114 import Tid3114
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
            Tid9001().build(patient.facts),  # row 10
            Tid9006().build(patient.facts),  # row 11
        )
        return container_item(
            dcm.RELEVANT_PATIENT_INFORMATION,  # row 1
            tuple(item for item in rows if item is not None),
            row=row(TEMPLATE_ID, 1),
            relationship=None,
            template_id=TEMPLATE_ID,
        )
