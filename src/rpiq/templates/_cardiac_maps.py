"""Mappings from source facts to the value sets of TID 3802 (digest §2.4.1, §2.9).

Each entry maps a condition to the TID 3802 $Problem it is an instance of (an identity, or an
is-a generalisation such as "Chronic congestive heart failure" -> "History of congestive heart
failure"), or a relative's condition to its CID 3758 family history. Codes that are already
members of the target value set need no entry. The ``*_EXTENSION`` tuples extend Defined but
Extensible groups with new concepts (PS3.16 7.2.3; ``_valueset.Extended``). The whole table
with the reasons is ``docs/clinical-mapping.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rpiq.domain import Code, FactStatus
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cids import CID_3721, CID_3756, CID_3757, CID_3764, CID_3777
from rpiq.templates._valueset import Extended


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

CARDIAC_CONCERN_EXTENSION: tuple[Code, ...] = (
    Code("53741008", "SCT", "Coronary arteriosclerosis"),
    Code("410429000", "SCT", "Cardiac arrest"),
    Code("429007001", "SCT", "History of cardiac arrest"),
)
"""CID 3756 extension (row 5 $Problem): cardiac conditions the group has no concept for."""

CARDIAC_CONCERNS = Extended(CID_3756, CARDIAC_CONCERN_EXTENSION)
"""TID 3802 row 5 $Problem as rpiq uses it: DCID 3756 with its extension."""

CARDIAC_DIAGNOSTIC_EXTENSION: tuple[Code, ...] = (
    Code("29303009", "SCT", "Electrocardiographic procedure"),
)
"""CID 3757 extension (row 22): the resting ECG, which the group does not list (it lists only
stress tests)."""

CARDIAC_DIAGNOSTICS = Extended(CID_3757, CARDIAC_DIAGNOSTIC_EXTENSION)
CARDIAC_SURGERY = Extended(CID_3721, ())
"""CID 3721 (row 19), not extended: other procedures are not cardiovascular surgery."""

IMPLANTED_DEVICE_EXTENSION: tuple[Code, ...] = (Code("705643001", "SCT", "Coronary artery stent"),)
"""CID 3777 extension (row 37): implanted cardiovascular devices the group does not list."""

IMPLANTED_DEVICES = Extended(CID_3777, IMPLANTED_DEVICE_EXTENSION)

MI_THERAPY = CID_3764
"""Procedures that are CID 3764 Myocardial Infarction Therapy members (row 10 $Therapy)."""

LIPID_SOURCES: dict[Code, Code] = {
    src.LN_HDL_CHOLESTEROL: dcm.CHOLESTEROL_IN_HDL,
    dcm.CHOLESTEROL_IN_HDL: dcm.CHOLESTEROL_IN_HDL,
    src.LN_LDL_CHOLESTEROL: dcm.CHOLESTEROL_IN_LDL,
    src.LN_LDL_CHOLESTEROL_DIRECT: dcm.CHOLESTEROL_IN_LDL,
    src.LN_LDL_CHOLESTEROL_CALCULATED: dcm.CHOLESTEROL_IN_LDL,
}
"""Laboratory observations -> the TID 3802 row they fill (row 23 HDL, row 24 LDL). The row's
concept name is a Defined Term; the observation's own LOINC code is emitted."""

LIPID_UNITS: frozenset[Code] = frozenset({src.UCUM_MG_PER_DL, src.UCUM_MG_PER_DL_LOWER})
"""Source units equal to the rows' EV (mg/dl, UCUM): UCUM's l and L are the same unit."""

DRUG_MISUSE: frozenset[Code] = frozenset(
    {
        dcm.COCAINE_ABUSE,
        Code("5602001", "SCT", "Opioid abuse"),
        Code("26416006", "SCT", "Drug abuse"),
        Code("66214007", "SCT", "Substance abuse"),
    }
)
"""Conditions that are drug misuse behaviour (row 16; its value is a Defined Term, so the
condition itself is the value)."""

SOCIAL_HISTORY_CONCEPT: dict[Code, Code] = {
    Code("11331-6", "LN", "History of alcohol use"): dcm.ALCOHOL_CONSUMPTION,
    Code("74013-4", "LN", "Alcoholic drinks per day"): dcm.ALCOHOL_CONSUMPTION,
    Code("11343-1", "LN", "History of other nonmedical drug use"): dcm.DRUG_MISUSE_BEHAVIOR,
    src.LN_TOBACCO_SMOKING_STATUS: dcm.TOBACCO_SMOKING_BEHAVIOR,
}
"""Social-history observations -> the CID 3774 concept of their row 14 TEXT (used for a value
no coded row takes, e.g. a smoking status answer outside CID 3724)."""
