"""Which facts feed TID 9000 (Breast Imaging) and how they are mapped (``_breast_maps``).

- medications -> TID 9002 with DCID 6080: a member, or a drug of the hormone table;
- procedures -> TID 9003 with DCID 6083 (+ extension), sides per DCID 6022, mammograms of a known
  side as the CID 6050 mammogram of that side, CID 6061 modifiers from the procedure's purpose;
- problems -> TID 9004 with DCID 6055 (+ extension), side per DCID 6022, site per DCID 6018/6020;
- risk factors -> TID 9005 with DCID 6081: risk-factor facts, a relative's breast / prostate
  cancer, and the CID 6081 risk factors other facts establish (:func:`derived_breast_risks`),
  which TID 9007 reports too (its BCID 6087 includes CID 6081).
"""

from __future__ import annotations

import dataclasses

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates._breast_maps import (
    BREAST_CANCER_CONDITIONS,
    FAMILY_RISK_BY_CONDITION,
    HORMONE_BY_DRUG,
    MAMMOGRAM_BY_SIDE,
    MAMMOGRAPHY,
    MODIFIER_BY_PROCEDURE,
    PROCEDURE_WITH_SIDE,
    SIDE_BY_LATERALITY,
)
from rpiq.templates.tid9001 import GYNECOLOGICAL_KINDS, NUM_ROWS, latest_value
from rpiq.templates.tid9003 import PreviousProcedure, merge_procedures
from rpiq.templates.tid9005 import RiskFactor, family_member

_ROW = {spec.row: spec for spec in NUM_ROWS}
AGE_AT_FIRST_FULL_TERM_PREGNANCY, PARA, AGE_AT_MENOPAUSE = _ROW[5], _ROW[6], _ROW[14]
LATE_CHILD_BEARING_AGE = 30


def side_of(fact: ClinicalFact) -> Code | None:
    """The CID 6022 side of a fact's CID 244 laterality, if it has one."""
    return SIDE_BY_LATERALITY.get(fact.laterality) if fact.laterality is not None else None


def hormones(patient: Patient) -> tuple[ClinicalFact, ...]:
    """Medications, each drug replaced by its CID 6080 hormone where one is known."""
    return tuple(
        dataclasses.replace(fact, code=HORMONE_BY_DRUG.get(fact.code, fact.code))
        for fact in patient.facts_of(FactKind.MEDICATION)
    )


def breast_procedure(fact: ClinicalFact) -> PreviousProcedure:
    """A procedure fact in CID 6083 terms: the side-specific member where the side is known."""
    code, side = fact.code, side_of(fact)
    if code in PROCEDURE_WITH_SIDE:
        code, named_side = PROCEDURE_WITH_SIDE[code]
        side = side or named_side
    elif code in MAMMOGRAPHY and side is not None:
        code = MAMMOGRAM_BY_SIDE[side]
    return PreviousProcedure(code, side, MODIFIER_BY_PROCEDURE.get(fact.code, ()), fact.started)


def breast_procedures(patient: Patient) -> tuple[PreviousProcedure, ...]:
    return merge_procedures(map(breast_procedure, patient.facts_of(FactKind.PROCEDURE)))


def breast_problems(patient: Patient) -> tuple[ClinicalFact, ...]:
    return tuple(
        dataclasses.replace(fact, laterality=side_of(fact))
        for fact in patient.facts_of(FactKind.PROBLEM)
    )


def derived_breast_risks(patient: Patient) -> list[RiskFactor]:
    """CID 6081 risk factors other facts establish: a breast cancer of the patient's own; an
    age at menopause (post menopausal); para 0 (nulliparous); a first full-term pregnancy after
    30 (late child bearing)."""
    found: list[RiskFactor] = []
    if any(fact.code in BREAST_CANCER_CONDITIONS for fact in patient.facts_of(FactKind.PROBLEM)):
        found.append(RiskFactor(dcm.PERSONAL_BREAST_CANCER_HISTORY))
    facts = patient.facts_of(*GYNECOLOGICAL_KINDS)
    if latest_value(AGE_AT_MENOPAUSE, facts) is not None:
        found.append(RiskFactor(dcm.POST_MENOPAUSAL_PATIENT))
    para = latest_value(PARA, facts)
    if para is not None and float(para) == 0:
        found.append(RiskFactor(dcm.NULLIPAROUS))
    first = latest_value(AGE_AT_FIRST_FULL_TERM_PREGNANCY, facts)
    if first is not None and float(first) > LATE_CHILD_BEARING_AGE:
        found.append(RiskFactor(dcm.LATE_CHILD_BEARING_AFTER_30))
    return found


def breast_risk_factors(patient: Patient) -> tuple[RiskFactor, ...]:
    """Derived risk factors, risk-factor facts, then relatives' breast / prostate cancers."""
    found = derived_breast_risks(patient)
    found.extend(
        RiskFactor(fact.code, family_members=family_member(fact))
        for fact in patient.facts_of(FactKind.RISK_FACTOR)
    )
    for fact in patient.facts_of(FactKind.FAMILY_HISTORY):
        risk = FAMILY_RISK_BY_CONDITION.get(fact.code)
        if risk is not None:
            found.append(RiskFactor(risk, family_members=family_member(fact)))
    return tuple(found)
