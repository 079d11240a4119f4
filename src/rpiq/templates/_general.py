"""Which facts feed which sub-template under the General SOP class (TID 9007 and the Annex K
sub-templates used as roots). Placement decisions are documented in ``docs/templates.md``.

- medications -> TID 9002 "History Of Medication Use";
- substance use / environmental exposure facts whose code names the substance or factor
  (no coded or numeric value of their own) -> TID 9002 "Substance Use History" /
  "Environmental Exposure History"; the smoking status observation is not one of them;
- procedures -> TID 9003; problems -> TID 9004;
- risk factors -> TID 9005: risk-factor facts, allergies (the templates have no allergy row;
  an allergy is a risk for the procedure), a current or former smoker status (CID 3724), and
  family history as the relative's condition with the modifier "Family history of" and the
  relative as Family Member with Risk Factor.
"""

from __future__ import annotations

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates._smoking import is_smoking_status, smoking_history
from rpiq.templates.tid9005 import RiskFactor

SMOKING_RISK_FACTORS: frozenset[Code] = frozenset({dcm.CURRENT_SMOKER, dcm.FORMER_SMOKER})
"""Smoking History values that are risk factors ("No History of Smoking" is not one)."""


def medications(patient: Patient) -> tuple[ClinicalFact, ...]:
    return patient.facts_of(FactKind.MEDICATION)


def _named(fact: ClinicalFact) -> bool:
    return fact.value_code is None and fact.quantity is None and not is_smoking_status(fact)


def substances(patient: Patient) -> tuple[ClinicalFact, ...]:
    return tuple(fact for fact in patient.facts_of(FactKind.SUBSTANCE_USE) if _named(fact))


def exposures(patient: Patient) -> tuple[ClinicalFact, ...]:
    return tuple(fact for fact in patient.facts_of(FactKind.ENVIRONMENTAL_EXPOSURE) if _named(fact))


def procedures(patient: Patient) -> tuple[ClinicalFact, ...]:
    return patient.facts_of(FactKind.PROCEDURE)


def problems(patient: Patient) -> tuple[ClinicalFact, ...]:
    return patient.facts_of(FactKind.PROBLEM)


def risk_factors(patient: Patient) -> tuple[RiskFactor, ...]:
    """Risk factors and allergies (stored order), then smoking, then family history."""
    found = [
        RiskFactor(fact.code, family_members=relatives_of(fact))
        for fact in patient.facts_of(FactKind.RISK_FACTOR, FactKind.ALLERGY)
    ]
    smoking = smoking_history(patient)
    if smoking is not None and smoking in SMOKING_RISK_FACTORS:
        found.append(RiskFactor(smoking))
    found.extend(
        RiskFactor(fact.code, family_history=True, family_members=relatives_of(fact))
        for fact in patient.facts_of(FactKind.FAMILY_HISTORY)
    )
    return tuple(found)


def relatives_of(fact: ClinicalFact) -> tuple[Code, ...]:
    """The relative a fact names (family history; a family risk factor), if any."""
    return (fact.relative,) if fact.relative is not None else ()
