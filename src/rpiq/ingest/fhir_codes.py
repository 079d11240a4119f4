"""Code tables of the FHIR import: which source codes mean what, and their DICOM equivalents.

Concept codes are kept as the source gives them (a LOINC Gravida stays ``(11996-6, LN)``).
Values whose template constrains them to a DICOM context group are normalised here:
family members to CID 7451, laterality to CID 244, severity to CID 3716, pregnancy status
answers to CID 6096 (codes as listed in ``../shared/spec/rpi-standard.md`` section 2.9).
"""

from __future__ import annotations

from rpiq.domain import Code, FactStatus

V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
REPRESENTATION_EXTENSION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"

# --- CID 7451 Family Member ---------------------------------------------------------------------

NATURAL_MOTHER = Code("65656005", "SCT", "Natural mother")
NATURAL_FATHER = Code("9947008", "SCT", "Natural father")
NATURAL_SISTER = Code("73678001", "SCT", "Natural sister")
NATURAL_BROTHER = Code("60614009", "SCT", "Natural brother")
AUNT = Code("25211005", "SCT", "Aunt")
UNCLE = Code("38048003", "SCT", "Uncle")
HALF_SISTER = Code("2272004", "SCT", "Half-sister")
HALF_BROTHER = Code("45929001", "SCT", "Half-brother")
NATURAL_GRANDMOTHER = Code("17945006", "SCT", "Natural grand-mother")
NATURAL_GRANDFATHER = Code("62296006", "SCT", "Natural grand-father")
NATURAL_DAUGHTER = Code("83420006", "SCT", "Natural daughter")
NATURAL_SON = Code("113160008", "SCT", "Natural son")
FEMALE_FIRST_COUSIN = Code("270002", "SCT", "Female first cousin")
MALE_FIRST_COUSIN = Code("11993008", "SCT", "Male first cousin")

CID_7451 = (
    NATURAL_MOTHER,
    NATURAL_FATHER,
    NATURAL_SISTER,
    NATURAL_BROTHER,
    AUNT,
    UNCLE,
    HALF_SISTER,
    HALF_BROTHER,
    NATURAL_GRANDMOTHER,
    NATURAL_GRANDFATHER,
    NATURAL_DAUGHTER,
    NATURAL_SON,
    FEMALE_FIRST_COUSIN,
    MALE_FIRST_COUSIN,
)

RELATIVE_BY_ROLE_CODE: dict[str, Code] = {
    **dict.fromkeys(("MTH", "NMTH"), NATURAL_MOTHER),
    **dict.fromkeys(("FTH", "NFTH"), NATURAL_FATHER),
    **dict.fromkeys(("SIS", "NSIS"), NATURAL_SISTER),
    **dict.fromkeys(("BRO", "NBRO"), NATURAL_BROTHER),
    **dict.fromkeys(("AUNT", "MAUNT", "PAUNT"), AUNT),
    **dict.fromkeys(("UNCLE", "MUNCLE", "PUNCLE"), UNCLE),
    "HSIS": HALF_SISTER,
    "HBRO": HALF_BROTHER,
    **dict.fromkeys(("GRMTH", "MGRMTH", "PGRMTH"), NATURAL_GRANDMOTHER),
    **dict.fromkeys(("GRFTH", "MGRFTH", "PGRFTH"), NATURAL_GRANDFATHER),
    **dict.fromkeys(("DAU", "DAUC"), NATURAL_DAUGHTER),
    **dict.fromkeys(("SON", "SONC"), NATURAL_SON),
}
"""HL7 v3 RoleCode -> CID 7451, for codes that name the relative's sex."""

RELATIVE_BY_ROLE_CODE_AND_SEX: dict[str, tuple[Code, Code]] = {
    **dict.fromkeys(("PRN", "NPRN"), (NATURAL_MOTHER, NATURAL_FATHER)),
    **dict.fromkeys(("SIB", "NSIB"), (NATURAL_SISTER, NATURAL_BROTHER)),
    "HSIB": (HALF_SISTER, HALF_BROTHER),
    **dict.fromkeys(("GRPRN", "MGRPRN", "PGRPRN"), (NATURAL_GRANDMOTHER, NATURAL_GRANDFATHER)),
    **dict.fromkeys(("CHILD", "NCHILD"), (NATURAL_DAUGHTER, NATURAL_SON)),
    **dict.fromkeys(("COUSN", "MCOUSN", "PCOUSN"), (FEMALE_FIRST_COUSIN, MALE_FIRST_COUSIN)),
}
"""HL7 v3 RoleCode -> (female, male) CID 7451 member, chosen by FamilyMemberHistory.sex."""

# --- CID 244 Laterality, CID 3716 Severity ------------------------------------------------------

LEFT = Code("7771000", "SCT", "Left")
RIGHT = Code("24028007", "SCT", "Right")
BILATERAL = Code("51440002", "SCT", "Bilateral")
LATERALITY_BY_SNOMED: dict[str, Code] = {
    LEFT.value: LEFT,
    RIGHT.value: RIGHT,
    BILATERAL.value: BILATERAL,
    "80248007": LEFT,  # Left breast structure
    "73056007": RIGHT,  # Right breast structure
}
"""SNOMED body sites (and the laterality qualifiers themselves) whose side is known; any other
SNOMED body site gets its side from the words "left", "right", "bilateral" or "both" in its
display or text."""

SEVERITY_BY_FHIR: dict[str, Code] = {
    "mild": Code("255604002", "SCT", "Mild"),
    "moderate": Code("6736007", "SCT", "Moderate"),
    "severe": Code("24484000", "SCT", "Severe"),
}
"""AllergyIntolerance.reaction.severity -> CID 3716."""

# --- Observation codes (LOINC unless noted) -----------------------------------------------------

BLOOD_PRESSURE_PANEL = "85354-9"
SMOKING_STATUS = "72166-2"
PREGNANCY_STATUS = "82810-3"
LAST_MENSTRUAL_PERIOD = "8665-2"

OB_COUNT_CODES = frozenset(
    {"11977-6", "11639-2", "11637-6", "11636-8", "11996-6", "11612-9", "33065-4", "111593"}
)
"""Para, Term, Preterm, Live Births, Gravida, Aborta, Ectopic Pregnancies (LN) and LBW or IUGR
(DCM): TID 9001 counts, stored with unit (1, UCUM, "no units")."""

GYNECOLOGICAL_CODES = OB_COUNT_CODES | {
    LAST_MENSTRUAL_PERIOD,
    PREGNANCY_STATUS,
    "42798-9",  # Age at menarche
    "42802-9",  # Age at menopause
    "111518",  # DCM Age when first menstrual period occurred
    "111519",  # DCM Age at First Full Term Pregnancy
    "111520",  # DCM Age at Menopause
    "111521",  # DCM Age when hysterectomy performed
    "111522",  # DCM Age when left ovary removed
    "111523",  # DCM Age when right ovary removed
}
"""Observation codes that become GYNECOLOGICAL facts (TID 9001 content)."""

OBSTETRIC_CODES = frozenset({"11778-8", "11779-6", "11781-2", "11780-4", "18185-9"})
"""EDD codes of CID 12003 and Gestational Age: OBSTETRIC facts (TID 9006 content)."""

DATE_VALUED_CODES = frozenset({LAST_MENSTRUAL_PERIOD, "11778-8", "11779-6", "11781-2", "11780-4"})
"""Observations whose value is a date (valueDateTime): the date is stored as ``started``."""

BODY_MEASUREMENT_CODES = frozenset(
    {"8302-2", "3137-7", "29463-7", "3141-9", "39156-5", "59576-9", "77606-2", "9843-4"}
)
"""Body height, weight (also "measured"), BMI, BMI percentile, weight-for-length and head
circumference: MEASUREMENT facts in any category."""

PREGNANCY_STATUS_BY_LOINC_ANSWER: dict[str, Code] = {
    "LA15173-0": Code("77386006", "SCT", "patient currently pregnant"),
    "LA26683-5": Code("60001007", "SCT", "not pregnant"),
    "LA4489-6": Code("261665006", "SCT", "Unknown"),
}
"""LOINC answers to Pregnancy status (82810-3) -> CID 6096 Pregnancy Status."""

YES_NO = (Code("373066001", "SCT", "Yes"), Code("373067005", "SCT", "No"))
"""CID 230 Yes-No: the value of an Observation.valueBoolean."""

NO_KNOWN_ALLERGY_CODES = frozenset({"716186003", "409137002", "429625007", "428607008"})
"""SNOMED "No known (drug, food, environmental) allergy": negations, never an allergy fact."""

# --- status vocabularies ------------------------------------------------------------------------

CONDITION_STATUS: dict[str, FactStatus] = {
    "active": FactStatus.ACTIVE,
    "recurrence": FactStatus.ACTIVE,
    "relapse": FactStatus.ACTIVE,
    "inactive": FactStatus.INACTIVE,
    "remission": FactStatus.INACTIVE,
    "resolved": FactStatus.RESOLVED,
}
"""Condition/AllergyIntolerance clinicalStatus -> FactStatus (absent or other: UNKNOWN)."""

REFUTING_VERIFICATION = frozenset({"entered-in-error", "refuted"})
"""verificationStatus codes that keep a Condition or AllergyIntolerance out of the record."""

MEDICATION_REQUEST_STATUS: dict[str, FactStatus] = {
    "active": FactStatus.ACTIVE,
    "on-hold": FactStatus.ON_HOLD,
    "completed": FactStatus.COMPLETED,
    "stopped": FactStatus.STOPPED,
    "cancelled": FactStatus.STOPPED,
    "draft": FactStatus.UNKNOWN,
    "unknown": FactStatus.UNKNOWN,
}
MEDICATION_STATEMENT_STATUS: dict[str, FactStatus] = {
    "active": FactStatus.ACTIVE,
    "on-hold": FactStatus.ON_HOLD,
    "completed": FactStatus.COMPLETED,
    "stopped": FactStatus.STOPPED,
    "intended": FactStatus.UNKNOWN,
    "unknown": FactStatus.UNKNOWN,
}
MEDICATION_ADMINISTRATION_STATUS: dict[str, FactStatus] = {
    "in-progress": FactStatus.ACTIVE,
    "on-hold": FactStatus.ON_HOLD,
    "completed": FactStatus.COMPLETED,
    "stopped": FactStatus.STOPPED,
    "unknown": FactStatus.UNKNOWN,
}
PROCEDURE_STATUS: dict[str, FactStatus] = {
    "completed": FactStatus.COMPLETED,
    "in-progress": FactStatus.ACTIVE,
    "on-hold": FactStatus.ON_HOLD,
    "stopped": FactStatus.STOPPED,
    "unknown": FactStatus.UNKNOWN,
}
DEVICE_STATUS: dict[str, FactStatus] = {
    "active": FactStatus.ACTIVE,
    "inactive": FactStatus.INACTIVE,
    "unknown": FactStatus.UNKNOWN,
}
"""Any status not in these tables (entered-in-error, not-taken, not-done, preparation) keeps
the resource out of the record; it is counted as skipped with that status."""
