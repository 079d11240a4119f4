"""TID 3802 Cardiovascular Patient History, the default root of the Cardiac SOP Class and row 12
of TID 9007 (PS3.16-2024c; digest §2.4.1). It has no language row (TID 1204 is not part of it).

Placement (``docs/clinical-mapping.md`` has every code):

- Problem List (row 3): conditions that are a row 6-11 $Problem (diabetes, hypertension,
  hypercholesterolemia, arrhythmia, myocardial infarction, kidney disease) or a CID 3756
  cardiac risk factor (row 5, with rpiq's extension) as TID 3829 concerns, with the $Therapy
  rows 6-10 name: CID 3722 / 3760 / 3761 / 3762 from the patient's drugs, CID 3764 from the
  procedures, the CID 3723 MI type and the CID 3778 kidney disease stage; every other condition
  is a row 4 TEXT named "Problem", and every allergy a row 4 TEXT named "Finding" (CID 3769);
- Social History (row 12): rows 14-16 (``_cardiac_history.social_history``);
- Past Surgical History (row 17): CID 3721 procedures (row 19, TID 3830);
- Relevant Diagnostic Tests (row 20): CID 3757 procedures (row 22) and HDL / LDL (rows 23/24);
- History of Medication Use (row 25): medications (row 28) with their status (row 30);
- History of Family Member Diseases (row 31): other relatives' conditions as TEXT (row 32),
  CID 3758 findings with the relative (rows 33-34);
- History of medical device use (row 35): other devices as TEXT (row 36), implanted devices
  (row 37, TID 3831).

Inside TID 9007 (:meth:`Tid3802.build_nested`) the template holds the cardiac history only:
rows 4 and 32 (non-cardiac problems, allergies, other family history) and the non-cardiac
medications are left out, because TID 9007's own rows 4, 8 and 9 already hold them; it is
emitted only when it has content. Each section container is emitted only when it has content.

Not filled (no source carries them): rows 2, 13, 18, 21 (free-text histories), 26-27 (medications
as text), 29 (a numeric dosage: sources give dosage instructions as text).
"""

from __future__ import annotations

from collections.abc import Iterable

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _cardiac_history as sections
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import (
    CARDIAC_CONCERNS,
    CARDIAC_RISK_BY_CONDITION,
    DRUG_MISUSE,
    MI_THERAPY,
    MI_TYPES,
    PROBLEM_ROWS,
    STAGE_BY_CONDITION,
    ProblemRow,
)
from rpiq.templates._cids import CID_3723
from rpiq.templates._drug_classes import (
    ANTIARRHYTHMIC_AGENTS,
    ANTILIPEMIC_AGENTS,
    DIABETIC_THERAPY,
    HYPERTENSION_THERAPY,
)
from rpiq.templates._items import CONTAINS, container_item, row, text_item
from rpiq.templates._therapies import drug_therapies, procedure_therapies
from rpiq.templates._values import latest
from rpiq.templates.content import ContentItem
from rpiq.templates.tid3829 import Concern, Therapy, Tid3829

TEMPLATE_ID = "3802"

DRUG_THERAPY_BY_ROW = {
    6: DIABETIC_THERAPY,
    7: HYPERTENSION_THERAPY,
    8: ANTILIPEMIC_AGENTS,
    9: ANTIARRHYTHMIC_AGENTS,
}
"""The $Therapy groups of rows 6-9 (DCID 3722, 3760, 3761, 3762) as drug-class tables."""


def _onset_order(fact: ClinicalFact) -> tuple[int, str]:
    return (0, fact.started) if fact.started is not None else (1, "")


def earliest(facts: Iterable[ClinicalFact]) -> ClinicalFact | None:
    """The fact with the earliest onset (undated ones last, stored order breaks ties)."""
    return min(facts, key=_onset_order, default=None)


def problem_row(fact: ClinicalFact) -> ProblemRow | None:
    """The row 6-11 whose $Problem the fact is an instance of, if any."""
    return next((spec for spec in PROBLEM_ROWS if spec.matches(fact.code)), None)


def cardiac_concern(fact: ClinicalFact) -> Code | None:
    """The row 5 $Problem (CID 3756 or its extension) the fact is, if any."""
    return CARDIAC_CONCERNS.canonical(CARDIAC_RISK_BY_CONDITION.get(fact.code, fact.code))


def _section(
    concept: Code, number: int, children: Iterable[ContentItem | None]
) -> ContentItem | None:
    found = tuple(item for item in children if item is not None)
    if not found:
        return None
    return container_item(concept, found, row=row(TEMPLATE_ID, number))


class Tid3802:
    """The cardiovascular history content tree of a patient."""

    def build(self, patient: Patient) -> ContentItem:
        """TID 3802 as the response root: every row the facts fill."""
        return container_item(
            dcm.HISTORY,  # row 1
            self._sections(patient, full=True),
            row=row(TEMPLATE_ID, 1),
            relationship=None,
            template_id=TEMPLATE_ID,
        )

    def build_nested(self, patient: Patient) -> ContentItem | None:
        """TID 3802 inside TID 9007 (row 12): the cardiac history only, or ``None``."""
        found = self._sections(patient, full=False)
        if not found:
            return None
        return container_item(
            dcm.HISTORY,
            found,
            row=row(TEMPLATE_ID, 1),
            relationship=CONTAINS,
            template_id=TEMPLATE_ID,
        )

    def _sections(self, patient: Patient, full: bool) -> tuple[ContentItem, ...]:
        sections_ = (
            _section(dcm.PROBLEM_LIST, 3, self._problems(patient, full)),
            _section(dcm.SOCIAL_HISTORY, 12, sections.social_history(patient)),
            _section(dcm.PAST_SURGICAL_HISTORY, 17, sections.surgical_history(patient)),
            _section(
                dcm.RELEVANT_DIAGNOSTIC_TESTS_AND_OR_LABORATORY_DATA,
                20,
                sections.diagnostic_tests(patient),
            ),
            _section(dcm.HISTORY_OF_MEDICATION_USE_3802, 25, sections.medications(patient, full)),
            _section(
                dcm.HISTORY_OF_FAMILY_MEMBER_DISEASES, 31, sections.family_history(patient, full)
            ),
            _section(dcm.HISTORY_OF_MEDICAL_DEVICE_USE, 35, sections.device_history(patient)),
        )
        return tuple(item for item in sections_ if item is not None)

    def _problems(self, patient: Patient, full: bool) -> list[ContentItem]:
        """Rows 4, 5 and 6-11 of the Problem List, in table order."""
        problems = patient.facts_of(FactKind.PROBLEM)
        specific = [fact for fact in problems if problem_row(fact) is not None]
        general = [f for f in problems if f not in specific and cardiac_concern(f) is not None]
        found: list[ContentItem] = self._texts(patient, specific + general) if full else []
        found.extend(
            Tid3829().build(concern, row(TEMPLATE_ID, 5))
            for concern in self._risk_concerns(general)
        )
        for spec in PROBLEM_ROWS:
            concern = self._row_concern(
                spec, [f for f in specific if spec.matches(f.code)], patient
            )
            if concern is not None:
                found.append(Tid3829().build(concern, row(TEMPLATE_ID, spec.row)))
        return found

    def _texts(self, patient: Patient, placed: list[ClinicalFact]) -> list[ContentItem]:
        """Row 4: other problems as "Problem", allergies as "Finding" (CID 3769), each once."""
        texts = [
            (dcm.PROBLEM, fact.code.meaning)
            for fact in patient.facts_of(FactKind.PROBLEM)
            if fact not in placed and fact.code not in DRUG_MISUSE
        ]
        texts += [(dcm.FINDING, fact.code.meaning) for fact in patient.facts_of(FactKind.ALLERGY)]
        return [
            text_item(CONTAINS, concept, meaning, row=row(TEMPLATE_ID, 4))
            for concept, meaning in dict.fromkeys(texts)
        ]

    def _risk_concerns(self, facts: list[ClinicalFact]) -> list[Concern]:
        """Row 5: one concern per cardiac risk factor, from its earliest fact."""
        by_risk: dict[Code, list[ClinicalFact]] = {}
        for fact in facts:
            risk = cardiac_concern(fact)
            if risk is not None:
                by_risk.setdefault(risk, []).append(fact)
        return [
            Concern(risk, chosen)
            for risk, group in by_risk.items()
            if (chosen := earliest(group)) is not None
        ]

    def _row_concern(
        self, spec: ProblemRow, facts: list[ClinicalFact], patient: Patient
    ) -> Concern | None:
        """Rows 6-11 (VM 1): the earliest fact, with the MI type and stage any fact gives, and
        the therapies the row's $Therapy names."""
        chosen = earliest(facts)
        if chosen is None:
            return None
        mi_type = next((CID_3723.canonical(f.code) for f in facts if f.code in MI_TYPES), None)
        staged = latest(fact for fact in facts if fact.code in STAGE_BY_CONDITION)
        return Concern(
            spec.problem,
            chosen,
            modifier=(dcm.TYPE_OF_MYOCARDIAL_INFARCTION, mi_type) if mi_type else None,
            stage=STAGE_BY_CONDITION[staged.code] if staged is not None else None,
            therapies=self._therapies(spec.row, patient),
        )

    def _therapies(self, number: int, patient: Patient) -> tuple[Therapy, ...]:
        if number in DRUG_THERAPY_BY_ROW:
            return drug_therapies(
                patient.facts_of(FactKind.MEDICATION), DRUG_THERAPY_BY_ROW[number]
            )
        if number == 10:
            return procedure_therapies(patient.facts_of(FactKind.PROCEDURE), MI_THERAPY)
        return ()
