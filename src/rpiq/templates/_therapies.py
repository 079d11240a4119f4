"""The $Therapy values of TID 3829 concerns, from the patient's medications and procedures
(TID 3802 rows 6-10, TID 4301 row 5; mapping table: ``docs/clinical-mapping.md``).

A therapy is reported for a problem when the patient takes (or took) a drug of the therapy's
class (``_drug_classes``) or had a procedure that is a member of the $Therapy group. The
sources do not say which problem a drug was prescribed for: an antihypertensive of a patient
with hypertension is listed as that hypertension's therapy, whatever else it also treats.

A drug therapy's Use Status (CID 3773) sums up its drugs: "In progress" when any is active,
"Suspended" when none is active and one is on hold, "Ended" when every one is completed or
stopped, nothing otherwise. A procedure is a therapy received, with no use status.
"""

from __future__ import annotations

from collections.abc import Iterable

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import USE_STATUS_BY_FACT_STATUS
from rpiq.templates._drug_classes import DrugClass, classes_of
from rpiq.templates._valueset import ValueSet
from rpiq.templates.tid3829 import Therapy


def use_status(facts: Iterable[ClinicalFact]) -> Code | None:
    """The CID 3773 status of a therapy given by these drug facts (module docstring)."""
    statuses = [USE_STATUS_BY_FACT_STATUS.get(fact.status) for fact in facts]
    for status in (dcm.IN_PROGRESS, dcm.SUSPENDED):
        if status in statuses:
            return status
    if statuses and all(status == dcm.ENDED for status in statuses):
        return dcm.ENDED
    return None


def drug_therapies(
    medications: Iterable[ClinicalFact], table: tuple[DrugClass, ...]
) -> tuple[Therapy, ...]:
    """One therapy per class of ``table`` that some medication belongs to, in table order."""
    drugs = tuple(medications)
    found = []
    for entry in table:
        taken = [fact for fact in drugs if entry.code in classes_of(fact.code, table)]
        if taken:
            found.append(Therapy(entry.code, use_status(taken)))
    return tuple(found)


def procedure_therapies(procedures: Iterable[ClinicalFact], group: ValueSet) -> tuple[Therapy, ...]:
    """One therapy per distinct member of ``group`` among the procedures, first-seen order."""
    found = dict.fromkeys(
        member for member in (group.canonical(fact.code) for fact in procedures) if member
    )
    return tuple(Therapy(member) for member in found)
