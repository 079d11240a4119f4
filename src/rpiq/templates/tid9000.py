"""TID 9000 Relevant Patient Information for Breast Imaging, the default root of the Breast
Imaging SOP Class (PS3.16-2024c; digest §2.2.2).

Only what the rows' Defined context groups admit is emitted: hormones in CID 6080, breast
procedures in CID 6083 (which includes CID 6050, 6084, 6085), breast findings in CID 6055,
breast cancer risk factors in CID 6081, sides in CID 6022. Source facts reach those groups by
membership or through the hand-checked tables of ``_breast_maps``; anything else is left out
rather than approximated.
"""

from __future__ import annotations

import dataclasses

from rpiq.domain import ClinicalFact, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates._breast_maps import (
    BREAST_CANCER_CONDITIONS,
    FAMILY_RISK_BY_CONDITION,
    HORMONE_BY_DRUG,
    SIDE_BY_LATERALITY,
)
from rpiq.templates._cids import (
    CID_6018,
    CID_6020,
    CID_6022,
    CID_6055,
    CID_6080,
    CID_6081,
    CID_6083,
    CID_7451,
)
from rpiq.templates._general import relatives_of
from rpiq.templates._items import container_item, row
from rpiq.templates._valueset import AnyOf
from rpiq.templates.content import ContentItem
from rpiq.templates.tid1204 import Tid1204
from rpiq.templates.tid3114 import Tid3114
from rpiq.templates.tid9001 import Tid9001
from rpiq.templates.tid9002 import Tid9002
from rpiq.templates.tid9003 import Tid9003
from rpiq.templates.tid9004 import Tid9004
from rpiq.templates.tid9005 import RiskFactor, Tid9005

TEMPLATE_ID = "9000"

BREAST_HORMONES = Tid9002(dcm.HISTORY_OF_MEDICATION_USE, dcm.MEDICATION_TYPE, CID_6080)
BREAST_PROCEDURES = Tid9003(ProcedureList=CID_6083, LateralityValue=CID_6022)
BREAST_PROBLEMS = Tid9004(
    ProblemList=CID_6055, LateralityValue=CID_6022, LocationValue=AnyOf((CID_6018, CID_6020))
)
BREAST_RISK_FACTORS = Tid9005(RiskList=CID_6081, FamilyList=CID_7451)


def _with_side(fact: ClinicalFact) -> ClinicalFact:
    side = SIDE_BY_LATERALITY.get(fact.laterality) if fact.laterality is not None else None
    return dataclasses.replace(fact, laterality=side) if side is not None else fact


def hormones(patient: Patient) -> tuple[ClinicalFact, ...]:
    """Medications, each drug replaced by its CID 6080 hormone where one is known."""
    return tuple(
        dataclasses.replace(fact, code=HORMONE_BY_DRUG.get(fact.code, fact.code))
        for fact in patient.facts_of(FactKind.MEDICATION)
    )


def breast_procedures(patient: Patient) -> tuple[ClinicalFact, ...]:
    return tuple(_with_side(fact) for fact in patient.facts_of(FactKind.PROCEDURE))


def breast_problems(patient: Patient) -> tuple[ClinicalFact, ...]:
    return tuple(_with_side(fact) for fact in patient.facts_of(FactKind.PROBLEM))


def breast_risk_factors(patient: Patient) -> tuple[RiskFactor, ...]:
    """Personal breast cancer history, risk-factor facts, then family history (CID 6081)."""
    found: list[RiskFactor] = []
    if any(fact.code in BREAST_CANCER_CONDITIONS for fact in patient.facts_of(FactKind.PROBLEM)):
        found.append(RiskFactor(dcm.PERSONAL_BREAST_CANCER_HISTORY))
    found.extend(
        RiskFactor(fact.code, family_members=relatives_of(fact))
        for fact in patient.facts_of(FactKind.RISK_FACTOR)
    )
    for fact in patient.facts_of(FactKind.FAMILY_HISTORY):
        risk = FAMILY_RISK_BY_CONDITION.get(fact.code)
        if risk is not None:
            found.append(RiskFactor(risk, family_members=relatives_of(fact)))
    return tuple(found)


class Tid9000:
    """The breast imaging content tree of a patient."""

    def build(self, patient: Patient) -> ContentItem:
        rows = (
            Tid1204().build(),  # row 2, M
            Tid3114().build(patient.facts),  # row 3
            Tid9001().build(patient.facts),  # row 4
            BREAST_HORMONES.build(hormones(patient)),  # row 5
            BREAST_PROCEDURES.build(breast_procedures(patient)),  # row 6
            BREAST_PROBLEMS.build(breast_problems(patient)),  # row 7
            BREAST_RISK_FACTORS.build(breast_risk_factors(patient)),  # row 8
        )
        return container_item(
            dcm.RELEVANT_PATIENT_INFORMATION_FOR_BREAST_IMAGING,  # row 1
            tuple(item for item in rows if item is not None),
            row=row(TEMPLATE_ID, 1),
            relationship=None,
            template_id=TEMPLATE_ID,
        )
