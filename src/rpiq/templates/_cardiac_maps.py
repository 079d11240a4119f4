"""Mappings from source facts to the value sets of TID 3802 (digest §2.4.1, §2.9).

Each entry maps a condition to the TID 3802 $Problem it is an instance of (an identity, or an
is-a generalisation such as "Chronic congestive heart failure" -> "History of congestive heart
failure"), or a relative's condition to its CID 3758 family history. Codes that are already
members of the target value set need no entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from rpiq.domain import Code, FactStatus
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src


@dataclass(frozen=True)
class ProblemRow:
    """A TID 3802 row 6-11: its EV $Problem and the conditions that are instances of it."""

    row: int
    problem: Code
    conditions: frozenset[Code]

    def matches(self, code: Code) -> bool:
        return code == self.problem or code in self.conditions


PROBLEM_ROWS: tuple[ProblemRow, ...] = (
    ProblemRow(
        6,
        dcm.HISTORY_OF_DIABETES_MELLITUS,
        frozenset(
            {
                src.SCT_DIABETES_MELLITUS,
                src.SCT_DIABETES_MELLITUS_TYPE_1,
                src.SCT_DIABETES_MELLITUS_TYPE_2,
            }
        ),
    ),
    ProblemRow(
        7,
        dcm.HISTORY_OF_HYPERTENSION,
        frozenset({src.SCT_HYPERTENSIVE_DISORDER, src.SCT_ESSENTIAL_HYPERTENSION}),
    ),
    ProblemRow(8, dcm.HISTORY_OF_HYPERCHOLESTEROLEMIA, frozenset({src.SCT_HYPERCHOLESTEROLEMIA})),
    ProblemRow(9, dcm.ARRHYTHMIA, frozenset({src.SCT_ATRIAL_FIBRILLATION})),
    ProblemRow(
        10,
        dcm.HISTORY_OF_MYOCARDIAL_INFARCTION,
        frozenset({src.SCT_MYOCARDIAL_INFARCTION, src.SCT_STEMI, src.SCT_NSTEMI}),
    ),
    ProblemRow(
        11,
        dcm.HISTORY_OF_KIDNEY_DISEASE,
        frozenset(
            {
                src.SCT_CHRONIC_KIDNEY_DISEASE,
                src.SCT_CKD_STAGE_1,
                src.SCT_CKD_STAGE_2,
                src.SCT_CKD_STAGE_3,
                src.SCT_CKD_STAGE_4,
                src.SCT_CKD_STAGE_5,
            }
        ),
    ),
)
"""Rows 6-11 in table order; a condition matching one of them is not also put in row 5."""

CARDIAC_RISK_BY_CONDITION: dict[Code, Code] = {
    src.SCT_CONGESTIVE_HEART_FAILURE: dcm.HISTORY_OF_CONGESTIVE_HEART_FAILURE,
    src.SCT_CHRONIC_CONGESTIVE_HEART_FAILURE: dcm.HISTORY_OF_CONGESTIVE_HEART_FAILURE,
    src.SCT_CEREBROVASCULAR_ACCIDENT: dcm.HISTORY_OF_CEREBROVASCULAR_DISEASE,
    src.SCT_COPD: dcm.HISTORY_OF_CHRONIC_LUNG_DISEASE,
}
"""Condition -> CID 3756 Cardiac Patient Risk Factor (row 5), besides the members themselves."""

MI_TYPES: frozenset[Code] = frozenset({src.SCT_STEMI, src.SCT_NSTEMI})
"""Conditions that are themselves CID 3723 MI Type members (row 10 $ModValue)."""

STAGE_BY_CONDITION: dict[Code, Code] = {
    src.SCT_CKD_STAGE_1: dcm.STAGE_1,
    src.SCT_CKD_STAGE_2: dcm.STAGE_2,
    src.SCT_CKD_STAGE_3: dcm.STAGE_3,
    src.SCT_CKD_STAGE_4: dcm.STAGE_4,
    src.SCT_CKD_STAGE_5: dcm.STAGE_5,
}
"""Chronic kidney disease stage -> CID 3778 Stage (row 11 $Stage)."""

FAMILY_HISTORY_BY_CONDITION: dict[Code, Code] = {
    src.SCT_MYOCARDIAL_INFARCTION: dcm.FAMILY_HISTORY_OF_MYOCARDIAL_INFARCTION,
    src.SCT_DIABETES_MELLITUS: dcm.FAMILY_HISTORY_OF_DIABETES_MELLITUS,
    src.SCT_DIABETES_MELLITUS_TYPE_1: dcm.FAMILY_HISTORY_OF_DIABETES_MELLITUS,
    src.SCT_DIABETES_MELLITUS_TYPE_2: dcm.FAMILY_HISTORY_OF_DIABETES_MELLITUS,
    src.SCT_CORONARY_ARTERIOSCLEROSIS: dcm.FAMILY_HISTORY_OF_CORONARY_ARTERIOSCLEROSIS,
    src.SCT_CARDIOVASCULAR_DISORDER: dcm.FAMILY_HISTORY_OF_CARDIOVASCULAR_DISEASE,
}
"""A relative's condition -> CID 3758 Cardiovascular Family History (row 33)."""

PROBLEM_STATUS_BY_FACT_STATUS: dict[FactStatus, Code] = {
    FactStatus.ACTIVE: dcm.ACTIVE_PROBLEM,
    FactStatus.INACTIVE: dcm.INACTIVE_PROBLEM,
    FactStatus.RESOLVED: dcm.PROBLEM_RESOLVED,
}
"""Fact status -> CID 3770 Problem Status (TID 3829 row 8)."""

USE_STATUS_BY_FACT_STATUS: dict[FactStatus, Code] = {
    FactStatus.ACTIVE: dcm.IN_PROGRESS,
    FactStatus.ON_HOLD: dcm.SUSPENDED,
    FactStatus.COMPLETED: dcm.ENDED,
    FactStatus.STOPPED: dcm.ENDED,
}
"""Fact status -> CID 3773 Use Status (TID 3802 row 30, TID 3831 row 4)."""
