"""TID 4301 Genitourinary Patient History, row 14 of TID 9007 (PS3.16-2024c; digest §2.5.2).

Emitted only when the patient has genitourinary history: a prostate disease (row 5), a prostate
intervention (row 11), a prostate cancer diagnostic procedure (row 16), an androgen deprivation
drug (row 20) or a relative's prostate cancer (row 25); the smoking status (row 8) then joins.

- Problem List (row 3): one TID 3829 concern per prostate disease (row 5, $Problem DCID 6313
  with rpiq's extension), from its earliest fact, with $Therapy DCID 6323 from the androgen
  deprivation drugs and the CID 6323 procedures;
- Social History (row 6): Tobacco Smoking Behavior (row 8, DCID 3724);
- Past Surgical History (row 9): CID 6320 interventions as TID 3830 (row 11), $ProcType per
  DCID 6319 (operations: surgical procedure; ablations: therapeutic procedure);
- Diagnostic intent (row 14, a container beside row 12): the CID 6321 procedures (and the
  prostate biopsy, rpiq's extension) as TID 3830 (row 16);
- History of Medication Use (row 17): androgen deprivation drugs (row 20) with status (row 22);
- History of Family Member Diseases (row 23): CID 6322 findings with the relative (rows 25-26).

Not filled: rows 2, 4, 7, 10, 12-13, 18, 19, 21, 24 (free text, text-only medications, dosage: no
source carries them) and row 15 (TID 1700 Generic Blood Lab Measurements, e.g. the PSA: the
importer skips laboratory results, and TID 1700's table is not in the digest).
"""

from __future__ import annotations

from collections.abc import Iterable

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import USE_STATUS_BY_FACT_STATUS
from rpiq.templates._cids import CID_7451
from rpiq.templates._cids_extra import CID_6323
from rpiq.templates._drug_classes import classes_of
from rpiq.templates._items import CONTAINS, HAS_PROPERTIES, code_item, container_item, row
from rpiq.templates._prostate_maps import (
    ANDROGEN_DEPRIVATION_DRUGS,
    FAMILY_HISTORY_BY_CONDITION,
    PROC_TYPE_OF_INTERVENTION,
    PROSTATE_DIAGNOSTICS,
    PROSTATE_FAMILY_HISTORY,
    PROSTATE_INTERVENTIONS,
    PROSTATE_PROBLEMS,
)
from rpiq.templates._smoking import smoking_history
from rpiq.templates._therapies import drug_therapies, procedure_therapies
from rpiq.templates.content import ContentItem
from rpiq.templates.tid3829 import Concern, Tid3829
from rpiq.templates.tid3830 import Tid3830

TEMPLATE_ID = "4301"

INTERVENTIONS = Tid3830(
    ProcType=dcm.SURGICAL_PROCEDURE,
    Procedure=PROSTATE_INTERVENTIONS,
    ProcTypeOf=PROC_TYPE_OF_INTERVENTION,
)  # row 11
DIAGNOSTICS = Tid3830(ProcType=dcm.DIAGNOSTIC_INTENT, Procedure=PROSTATE_DIAGNOSTICS)  # row 16


def _section(
    concept: Code, number: int, children: Iterable[ContentItem | None]
) -> ContentItem | None:
    found = tuple(item for item in children if item is not None)
    if not found:
        return None
    return container_item(concept, found, row=row(TEMPLATE_ID, number))


def _earliest_by_problem(patient: Patient) -> dict[Code, ClinicalFact]:
    found: dict[Code, ClinicalFact] = {}
    for fact in patient.facts_of(FactKind.PROBLEM):
        problem = PROSTATE_PROBLEMS.canonical(fact.code)
        if problem is None:
            continue
        seen = found.get(problem)
        if seen is None or (fact.started or "9") < (seen.started or "9"):
            found[problem] = fact
    return found


def _adt_drugs(patient: Patient) -> list[ClinicalFact]:
    return [
        fact
        for fact in patient.facts_of(FactKind.MEDICATION)
        if classes_of(fact.code, ANDROGEN_DEPRIVATION_DRUGS)
    ]


class Tid4301:
    """The genitourinary history of a patient inside TID 9007, or ``None`` without one."""

    def build(self, patient: Patient) -> ContentItem | None:
        procedures = patient.facts_of(FactKind.PROCEDURE)
        specific = (
            _section(dcm.PROBLEM_LIST, 3, self._problems(patient)),
            _section(
                dcm.PAST_SURGICAL_HISTORY,
                9,
                (INTERVENTIONS.build(fact, row(TEMPLATE_ID, 11)) for fact in procedures),
            ),
            self._diagnostic_intent(procedures),
            _section(dcm.HISTORY_OF_MEDICATION_USE_3802, 17, self._medications(patient)),
            _section(dcm.HISTORY_OF_FAMILY_MEMBER_DISEASES, 23, self._family(patient)),
        )
        if all(item is None for item in specific):
            return None
        social = _section(dcm.SOCIAL_HISTORY, 6, (self._smoking(patient),))
        rows = (specific[0], social, *specific[1:])
        return container_item(
            dcm.GENITOURINARY_HISTORY,  # row 1
            tuple(item for item in rows if item is not None),
            row=row(TEMPLATE_ID, 1),
            template_id=TEMPLATE_ID,
        )

    def _problems(self, patient: Patient) -> list[ContentItem]:
        """Row 5: one concern per prostate disease, with the CID 6323 therapies."""
        therapies = drug_therapies(
            patient.facts_of(FactKind.MEDICATION), ANDROGEN_DEPRIVATION_DRUGS
        )
        therapies += procedure_therapies(patient.facts_of(FactKind.PROCEDURE), CID_6323)
        return [
            Tid3829().build(Concern(problem, fact, therapies=therapies), row(TEMPLATE_ID, 5))
            for problem, fact in _earliest_by_problem(patient).items()
        ]

    def _smoking(self, patient: Patient) -> ContentItem | None:
        smoking = smoking_history(patient)
        if smoking is None:
            return None
        return code_item(CONTAINS, dcm.TOBACCO_SMOKING_BEHAVIOR, smoking, row=row(TEMPLATE_ID, 8))

    def _diagnostic_intent(self, procedures: tuple[ClinicalFact, ...]) -> ContentItem | None:
        """Row 14: a Diagnostic intent container (NL 1, 1-n) holding the row 16 procedures."""
        found = tuple(
            item
            for item in (DIAGNOSTICS.build(fact, row(TEMPLATE_ID, 16)) for fact in procedures)
            if item is not None
        )
        if not found:
            return None
        return container_item(dcm.DIAGNOSTIC_INTENT, found, row=row(TEMPLATE_ID, 14))

    def _medications(self, patient: Patient) -> list[ContentItem]:
        """Row 20 (the androgen deprivation drugs) with row 22 (Status, DCID 3773)."""
        found = []
        for fact in _adt_drugs(patient):
            status = USE_STATUS_BY_FACT_STATUS.get(fact.status)
            properties = (
                (code_item(HAS_PROPERTIES, dcm.STATUS, status, row=row(TEMPLATE_ID, 22)),)
                if status is not None
                else ()
            )
            found.append(
                code_item(
                    CONTAINS,
                    dcm.MEDICATION_TYPE,
                    fact.code,
                    row=row(TEMPLATE_ID, 20),
                    children=properties,
                )
            )
        return found

    def _family(self, patient: Patient) -> list[ContentItem]:
        """Rows 25-26: a relative's prostate cancer (DCID 6322) with the relative (DCID 7451)."""
        pairs: dict[tuple[Code, Code], None] = {}
        for fact in patient.facts_of(FactKind.FAMILY_HISTORY):
            finding = PROSTATE_FAMILY_HISTORY.canonical(
                FAMILY_HISTORY_BY_CONDITION.get(fact.code, fact.code)
            )
            relative = CID_7451.canonical(fact.relative) if fact.relative is not None else None
            if finding is not None and relative is not None:
                pairs[(finding, relative)] = None
        return [
            code_item(
                CONTAINS,
                dcm.FAMILY_HISTORY_OF_CLINICAL_FINDING,
                finding,
                row=row(TEMPLATE_ID, 25),
                children=(
                    code_item(
                        HAS_PROPERTIES, dcm.SUBJECT_RELATIONSHIP, relative, row=row(TEMPLATE_ID, 26)
                    ),
                ),
            )
            for finding, relative in pairs
        ]
