"""Which facts feed which sub-template under the General SOP class (TID 9007 and the Annex K
sub-templates used as roots). Placement decisions: ``docs/clinical-mapping.md``.

- medications -> TID 9002 "History Of Medication Use";
- substance use / environmental exposure facts that name the substance or factor (no value, or
  a value rows 12-14 of TID 9002 take) -> TID 9002 "Substance Use History" / "Environmental
  Exposure History"; a social-history observation with another value (e.g. an alcohol use
  status) goes to TID 3802's Social History instead, and the smoking status is never one;
- procedures -> TID 9003 (repeated occurrences merged); problems -> TID 9004;
- risk factors -> TID 9005: risk-factor facts and allergies (with the source's note as
  Comment), the CID 6081 risk factors other facts establish, a current or former smoker status
  (CID 3724), and family history as the relative's condition with the modifier "Family history
  of" and the relative as Family Member with Risk Factor.
"""

from __future__ import annotations

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates._breast import derived_breast_risks
from rpiq.templates._cids import CID_6090, CID_6091
from rpiq.templates._smoking import is_smoking_status, smoking_history
from rpiq.templates.tid9003 import PreviousProcedure, previous_procedures
from rpiq.templates.tid9005 import RiskFactor, family_member

SMOKING_RISK_FACTORS: frozenset[Code] = frozenset({dcm.CURRENT_SMOKER, dcm.FORMER_SMOKER})
"""Smoking History values that are risk factors ("No History of Smoking" is not one)."""


def medications(patient: Patient) -> tuple[ClinicalFact, ...]:
    return patient.facts_of(FactKind.MEDICATION)


def names_substance(fact: ClinicalFact) -> bool:
    """Whether a substance-use or exposure fact's code is the substance or factor itself: it has
    no coded value, or one TID 9002 rows 13/14 take (a relative amount or frequency)."""
    if is_smoking_status(fact):
        return False
    value = fact.value_code
    return value is None or value in CID_6090 or value in CID_6091


def substances(patient: Patient) -> tuple[ClinicalFact, ...]:
    return tuple(fact for fact in patient.facts_of(FactKind.SUBSTANCE_USE) if names_substance(fact))


def exposures(patient: Patient) -> tuple[ClinicalFact, ...]:
    return tuple(
        fact
        for fact in patient.facts_of(FactKind.ENVIRONMENTAL_EXPOSURE)
        if not is_smoking_status(fact)
    )


def procedures(patient: Patient) -> tuple[PreviousProcedure, ...]:
    return previous_procedures(patient.facts_of(FactKind.PROCEDURE))


def problems(patient: Patient) -> tuple[ClinicalFact, ...]:
    return patient.facts_of(FactKind.PROBLEM)


def _comments(fact: ClinicalFact) -> tuple[str, ...]:
    if not fact.text:
        return ()
    if fact.kind is FactKind.FAMILY_HISTORY and fact.relative is not None:
        return (f"{fact.relative.meaning}: {fact.text}",)
    return (fact.text,)


def risk_factors(patient: Patient) -> tuple[RiskFactor, ...]:
    """Risk factors and allergies (stored order), risk factors other facts establish, smoking,
    then family history."""
    found = [
        RiskFactor(fact.code, family_members=family_member(fact), comments=_comments(fact))
        for fact in patient.facts_of(FactKind.RISK_FACTOR, FactKind.ALLERGY)
    ]
    found.extend(derived_breast_risks(patient))
    smoking = smoking_history(patient)
    if smoking is not None and smoking in SMOKING_RISK_FACTORS:
        found.append(RiskFactor(smoking))
    found.extend(
        RiskFactor(
            fact.code,
            family_history=True,
            family_members=family_member(fact),
            comments=_comments(fact),
        )
        for fact in patient.facts_of(FactKind.FAMILY_HISTORY)
    )
    return tuple(found)
