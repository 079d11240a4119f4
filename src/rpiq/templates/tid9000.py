"""TID 9000 Relevant Patient Information for Breast Imaging, the default root of the Breast
Imaging SOP Class (PS3.16-2024c; digest §2.2.2).

The parameters are the table's: TID 9002 with $CodeValue = DCID 6080 (hormones); TID 9003 with
$ProcedureList = DCID 6083 (includes CID 6050, 6084, 6085), $ProcedureModifier = DCID 6058,
$LateralityValue = DCID 6022; TID 9004 with $ProblemList = DCID 6055, $LateralityValue = DCID
6022, $LocationValue = DCID 6018 or DCID 6020; TID 9005 with $RiskList = DCID 6081 and
$FamilyList = DCID 7451. ($NumConceptName, $ProcedureResult and $ComplicationValue name rows
no fact fills.) Source facts reach those groups by membership, through the hand-checked tables
of ``_breast_maps`` or through its documented extensions of the Extensible groups 6055 and 6083
(PS3.16 7.2.3); anything else is left out of TID 9000 (it is in TID 9007) rather than
approximated. Selection: ``_breast``.
"""

from __future__ import annotations

from rpiq.domain import Patient
from rpiq.templates import _breast as breast
from rpiq.templates import _codes as dcm
from rpiq.templates._breast_maps import BREAST_PROBLEMS, BREAST_PROCEDURES
from rpiq.templates._cids import (
    CID_6018,
    CID_6020,
    CID_6022,
    CID_6058,
    CID_6080,
    CID_6081,
    CID_7451,
)
from rpiq.templates._items import container_item, row
from rpiq.templates._valueset import AnyOf
from rpiq.templates.content import ContentItem
from rpiq.templates.tid1204 import Tid1204
from rpiq.templates.tid3114 import Tid3114
from rpiq.templates.tid9001 import Tid9001
from rpiq.templates.tid9002 import Tid9002
from rpiq.templates.tid9003 import Tid9003
from rpiq.templates.tid9004 import Tid9004
from rpiq.templates.tid9005 import Tid9005

TEMPLATE_ID = "9000"

BREAST_HORMONES = Tid9002(dcm.HISTORY_OF_MEDICATION_USE, dcm.MEDICATION_TYPE, CID_6080)
BREAST_PROCEDURE_HISTORY = Tid9003(
    ProcedureList=BREAST_PROCEDURES, LateralityValue=CID_6022, ProcedureModifier=CID_6058
)
BREAST_PROBLEM_LIST = Tid9004(
    ProblemList=BREAST_PROBLEMS, LateralityValue=CID_6022, LocationValue=AnyOf((CID_6018, CID_6020))
)
BREAST_RISK_FACTORS = Tid9005(RiskList=CID_6081, FamilyList=CID_7451)


class Tid9000:
    """The breast imaging content tree of a patient."""

    def build(self, patient: Patient) -> ContentItem:
        rows = (
            Tid1204().build(),  # row 2, M
            Tid3114().build(patient.facts),  # row 3
            Tid9001(patient.birth_date).build(patient.facts),  # row 4
            BREAST_HORMONES.build(breast.hormones(patient)),  # row 5
            BREAST_PROCEDURE_HISTORY.build(breast.breast_procedures(patient)),  # row 6
            BREAST_PROBLEM_LIST.build(breast.breast_problems(patient)),  # row 7
            BREAST_RISK_FACTORS.build(breast.breast_risk_factors(patient)),  # row 8
        )
        return container_item(
            dcm.RELEVANT_PATIENT_INFORMATION_FOR_BREAST_IMAGING,  # row 1
            tuple(item for item in rows if item is not None),
            row=row(TEMPLATE_ID, 1),
            relationship=None,
            template_id=TEMPLATE_ID,
        )
