"""Tobacco smoking status as a CID 3724 "Smoking History" value (digest §2.9).

The importer stores the US Core smoking status observation (LOINC 72166-2) with its answer as
``value_code``. Answers that are CID 3724 members (266919005 never, 77176002 current, 8517006
former: the SNOMED codes US Core uses) are taken as they are; "Smokes tobacco daily"
(449868002) is a kind of current smoker. Any other answer, e.g. an unknown status, gives no
CID 3724 value: nothing is guessed (TID 3802 shows it as row 14 text instead). (Code 8517009,
sometimes quoted for "Former smoker", is not a CID 3724 member and is not accepted.)
"""

from __future__ import annotations

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cids import CID_3724
from rpiq.templates._values import latest

SMOKING_KINDS = (FactKind.SOCIAL_HISTORY, FactKind.SUBSTANCE_USE)
SMOKING_HISTORY_BY_ANSWER: dict[Code, Code] = {src.SCT_SMOKES_TOBACCO_DAILY: dcm.CURRENT_SMOKER}


def is_smoking_status(fact: ClinicalFact) -> bool:
    """Whether ``fact`` is a tobacco smoking status observation."""
    return fact.code == src.LN_TOBACCO_SMOKING_STATUS


def smoking_history(patient: Patient) -> Code | None:
    """The CID 3724 value of the patient's latest smoking status that has one."""
    answers = [
        fact
        for fact in patient.facts_of(*SMOKING_KINDS)
        if is_smoking_status(fact)
        and fact.value_code is not None
        and smoking_value(fact.value_code)
    ]
    chosen = latest(answers)
    if chosen is None or chosen.value_code is None:
        return None
    return smoking_value(chosen.value_code)


def smoking_value(answer: Code) -> Code | None:
    """The CID 3724 value a smoking status answer is, if any."""
    return CID_3724.canonical(SMOKING_HISTORY_BY_ANSWER.get(answer, answer))
