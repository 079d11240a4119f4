"""TID 3802 Cardiovascular Patient History, the default root of the Cardiac SOP Class
(PS3.16-2024c; digest §2.4.1). It has no language row (TID 1204 is not part of it).

Placement (see ``docs/templates.md``):

- Problem List (row 3): conditions that are a row 6-11 $Problem (diabetes, hypertension,
  hypercholesterolemia, arrhythmia, myocardial infarction, kidney disease) or a CID 3756 risk
  factor (row 5) as TID 3829 concerns; every other condition as a row 4 TEXT named "Problem",
  and every allergy as a row 4 TEXT named "Finding" (CID 3769 Concern Type);
- Social History (row 12): the smoking status (row 15, CID 3724);
- Past Surgical History (row 17): procedures in CID 3721 (row 19, TID 3830);
- Relevant Diagnostic Tests (row 20): procedures in CID 3757 (row 22, TID 3830);
- History of Medication Use (row 25): every medication (row 28) with its status (row 30);
- History of Family Member Diseases (row 31): relatives' conditions in CID 3758 (row 33) with
  the relative (row 34, M: an entry whose relative is not in CID 7451 is left out);
- History of medical device use (row 35): devices in CID 3777 (row 37, TID 3831).

Each section container is emitted only when it has content. Not emitted yet: rows 2, 13, 14,
16, 18, 21, 23, 24, 26, 27, 29, 32 and 36 (free text, drug misuse, HDL/LDL, dosage).
"""

from __future__ import annotations

from collections.abc import Iterable

from rpiq.domain import ClinicalFact, Code, FactKind, Patient
from rpiq.templates import _codes as dcm
from rpiq.templates._cardiac_maps import (
    CARDIAC_RISK_BY_CONDITION,
    FAMILY_HISTORY_BY_CONDITION,
    MI_TYPES,
    PROBLEM_ROWS,
    STAGE_BY_CONDITION,
    USE_STATUS_BY_FACT_STATUS,
    ProblemRow,
)
from rpiq.templates._cids import (
    CID_3721,
    CID_3723,
    CID_3756,
    CID_3757,
    CID_3758,
    CID_3777,
    CID_7451,
)
from rpiq.templates._items import (
    CONTAINS,
    HAS_PROPERTIES,
    code_item,
    container_item,
    row,
    text_item,
)
from rpiq.templates._smoking import smoking_history
from rpiq.templates._values import latest
from rpiq.templates.content import ContentItem
from rpiq.templates.tid3829 import Concern, Tid3829
from rpiq.templates.tid3830 import Tid3830, Tid3831

TEMPLATE_ID = "3802"

SURGERY = Tid3830(ProcType=dcm.SURGICAL_PROCEDURE, Procedure=CID_3721)  # row 19
DIAGNOSTICS = Tid3830(ProcType=dcm.DIAGNOSTIC_INTENT, Procedure=CID_3757)  # row 22
DEVICES = Tid3831(Device=CID_3777)  # row 37


def _onset_order(fact: ClinicalFact) -> tuple[int, str]:
    return (0, fact.started) if fact.started is not None else (1, "")


def earliest(facts: Iterable[ClinicalFact]) -> ClinicalFact | None:
    """The fact with the earliest onset (undated ones last, stored order breaks ties)."""
    return min(facts, key=_onset_order, default=None)


def _problem_row(fact: ClinicalFact) -> ProblemRow | None:
    return next((spec for spec in PROBLEM_ROWS if spec.matches(fact.code)), None)


def _cardiac_risk(fact: ClinicalFact) -> Code | None:
    return CID_3756.canonical(CARDIAC_RISK_BY_CONDITION.get(fact.code, fact.code))


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
        procedures = patient.facts_of(FactKind.PROCEDURE)
        sections = (
            _section(dcm.PROBLEM_LIST, 3, self._problems(patient)),
            _section(dcm.SOCIAL_HISTORY, 12, (self._smoking(patient),)),
            _section(
                dcm.PAST_SURGICAL_HISTORY,
                17,
                (SURGERY.build(fact, row(TEMPLATE_ID, 19)) for fact in procedures),
            ),
            _section(
                dcm.RELEVANT_DIAGNOSTIC_TESTS_AND_OR_LABORATORY_DATA,
                20,
                (DIAGNOSTICS.build(fact, row(TEMPLATE_ID, 22)) for fact in procedures),
            ),
            _section(
                dcm.HISTORY_OF_MEDICATION_USE_3802,
                25,
                map(self._medication, patient.facts_of(FactKind.MEDICATION)),
            ),
            _section(dcm.HISTORY_OF_FAMILY_MEMBER_DISEASES, 31, self._family_history(patient)),
            _section(
                dcm.HISTORY_OF_MEDICAL_DEVICE_USE,
                35,
                (
                    DEVICES.build(fact, row(TEMPLATE_ID, 37))
                    for fact in patient.facts_of(FactKind.DEVICE)
                ),
            ),
        )
        return container_item(
            dcm.HISTORY,  # row 1
            tuple(item for item in sections if item is not None),
            row=row(TEMPLATE_ID, 1),
            relationship=None,
            template_id=TEMPLATE_ID,
        )

    def _problems(self, patient: Patient) -> list[ContentItem]:
        """Rows 4, 5 and 6-11 of the Problem List, in table order."""
        problems = patient.facts_of(FactKind.PROBLEM)
        specific = [fact for fact in problems if _problem_row(fact) is not None]
        general = [fact for fact in problems if fact not in specific and _cardiac_risk(fact)]
        texts = [(dcm.PROBLEM, f) for f in problems if f not in specific and f not in general]
        texts += [(dcm.FINDING, fact) for fact in patient.facts_of(FactKind.ALLERGY)]
        found: list[ContentItem] = []
        for concept, meaning in dict.fromkeys((c, f.code.meaning) for c, f in texts):
            found.append(text_item(CONTAINS, concept, meaning, row=row(TEMPLATE_ID, 4)))
        found.extend(
            Tid3829().build(concern, row(TEMPLATE_ID, 5))
            for concern in self._risk_concerns(general)
        )
        for spec in PROBLEM_ROWS:
            concern = self._row_concern(spec, [f for f in specific if spec.matches(f.code)])
            if concern is not None:
                found.append(Tid3829().build(concern, row(TEMPLATE_ID, spec.row)))
        return found

    def _risk_concerns(self, facts: list[ClinicalFact]) -> list[Concern]:
        """Row 5: one concern per CID 3756 risk factor, from its earliest fact."""
        by_risk: dict[Code, list[ClinicalFact]] = {}
        for fact in facts:
            risk = _cardiac_risk(fact)
            if risk is not None:
                by_risk.setdefault(risk, []).append(fact)
        return [
            Concern(risk, chosen)
            for risk, group in by_risk.items()
            if (chosen := earliest(group)) is not None
        ]

    def _row_concern(self, spec: ProblemRow, facts: list[ClinicalFact]) -> Concern | None:
        """Rows 6-11 (VM 1): the earliest fact, with the MI type and stage any fact gives."""
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
        )

    def _smoking(self, patient: Patient) -> ContentItem | None:
        smoking = smoking_history(patient)
        if smoking is None:
            return None
        return code_item(CONTAINS, dcm.TOBACCO_SMOKING_BEHAVIOR, smoking, row=row(TEMPLATE_ID, 15))

    def _medication(self, fact: ClinicalFact) -> ContentItem:
        status = USE_STATUS_BY_FACT_STATUS.get(fact.status)
        properties = (
            (code_item(HAS_PROPERTIES, dcm.STATUS, status, row=row(TEMPLATE_ID, 30)),)
            if status is not None
            else ()
        )
        return code_item(
            CONTAINS,
            dcm.MEDICATION_TYPE,
            fact.code,
            row=row(TEMPLATE_ID, 28),
            children=properties,
        )

    def _family_history(self, patient: Patient) -> list[ContentItem]:
        """Rows 33-34: CID 3758 findings with a CID 7451 relative, each pair once."""
        pairs: dict[tuple[Code, Code], None] = {}
        for fact in patient.facts_of(FactKind.FAMILY_HISTORY):
            finding = CID_3758.canonical(FAMILY_HISTORY_BY_CONDITION.get(fact.code, fact.code))
            relative = CID_7451.canonical(fact.relative) if fact.relative is not None else None
            if finding is not None and relative is not None:
                pairs[(finding, relative)] = None
        return [
            code_item(
                CONTAINS,
                dcm.FAMILY_HISTORY_OF_CLINICAL_FINDING,
                finding,
                row=row(TEMPLATE_ID, 33),
                children=(
                    code_item(
                        HAS_PROPERTIES,
                        dcm.SUBJECT_RELATIONSHIP,
                        relative,
                        row=row(TEMPLATE_ID, 34),
                    ),
                ),
            )
            for finding, relative in pairs
        ]
