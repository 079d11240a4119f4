"""Domain patients built by hand for the template tests (no importer, no database)."""

from __future__ import annotations

from typing import Any

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
    Quantity,
)

UCUM_NO_UNITS = Code("1", "UCUM", "no units")
YEAR = Code("a", "UCUM", "a")
MM_HG = Code("mm[Hg]", "UCUM", "mm[Hg]")
PER_MINUTE = Code("/min", "UCUM", "/min")
CELSIUS = Code("Cel", "UCUM", "Cel")
PERCENT = Code("%", "UCUM", "%")
FAHRENHEIT = Code("[degF]", "UCUM", "[degF]")

LEFT = Code("7771000", "SCT", "Left")
NATURAL_MOTHER = Code("65656005", "SCT", "Natural mother")
AUNT = Code("25211005", "SCT", "Aunt")
NEIGHBOUR = Code("72705000", "SCT", "Neighbour")  # not a CID 7451 family member

LONG_DRUG_NAME = (
    "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet [Glucophage XR] "
    "with a deliberately long trailing description"
)


def fact(kind: FactKind, value: str, scheme: str, meaning: str, **fields: Any) -> ClinicalFact:
    """A fact with a code built inline (keyword fields as ClinicalFact's)."""
    return ClinicalFact(kind=kind, code=Code(value, scheme, meaning), **fields)


def vital(value: str, meaning: str, number: float, unit: Code, when: str) -> ClinicalFact:
    return fact(
        FactKind.VITAL_SIGN, value, "LN", meaning, quantity=Quantity(number, unit), started=when
    )


def patient(*facts: ClinicalFact, PatientID: str = "P1", sex: str | None = "F") -> Patient:
    return Patient(
        identifiers=(PatientIdentifier(PatientID, "ISSUER"),),
        name=PersonName("Doe^Jane"),
        birth_date="19541106",
        sex=sex,
        facts=facts,
    )


def empty_patient() -> Patient:
    return patient(PatientID="EMPTY")


F, P = FactKind, FactStatus
# fmt: off
BREAST_FACTS = (  # in the spirit of PS3.17 Annex EE, plus Synthea-like facts
    fact(F.OBSTETRIC, "11996-6", "LN", "Gravida", quantity=Quantity(2, UCUM_NO_UNITS)),
    fact(F.GYNECOLOGICAL, "11977-6", "LN", "Para", quantity=Quantity(2, UCUM_NO_UNITS)),
    fact(F.GYNECOLOGICAL, "111519", "DCM", "Age at First Full Term Pregnancy",
         quantity=Quantity(28, YEAR)),
    fact(F.GYNECOLOGICAL, "8665-2", "LN", "Last menstrual period", started="200211"),
    fact(F.PROCEDURE, "287572003", "SCT", "Diagnostic aspiration of breast cyst (procedure)",
         laterality=LEFT, started="19990825"),
    fact(F.PROCEDURE, "71651007", "SCT", "Mammography (procedure)", started="2020"),
    fact(F.PROCEDURE, "392021009", "SCT", "Lumpectomy of breast (procedure)"),
    fact(F.PROCEDURE, "367336001", "SCT", "Chemotherapy (procedure)", started="2021"),
    fact(F.MEDICATION, "198240", "RXNORM", "Tamoxifen 10 MG Oral Tablet", status=P.ACTIVE,
         started="20220510"),
    fact(F.MEDICATION, "200031", "RXNORM", "carvedilol 6.25 MG Oral Tablet"),
    fact(F.PROBLEM, "254837009", "SCT", "Malignant neoplasm of breast (disorder)",
         started="20211104"),
    fact(F.PROBLEM, "89164003", "SCT", "Breast lump", laterality=LEFT),
    fact(F.RISK_FACTOR, "111559", "DCM", "Weak family history of breast cancer", relative=AUNT),
    fact(F.FAMILY_HISTORY, "254837009", "SCT", "Malignant neoplasm of breast",
         relative=NATURAL_MOTHER),
    fact(F.ALLERGY, "300916003", "SCT", "Latex allergy"),
    vital("8480-6", "Systolic blood pressure", 120, MM_HG, "20200101"),
    vital("8480-6", "Systolic blood pressure", 131, MM_HG, "20220301"),
)

CARDIAC_FACTS = (  # every TID 3802 placement at least once
    fact(F.PROBLEM, "38341003", "SCT", "Hypertensive disorder", status=P.ACTIVE, started="2001",
         recorded="20010305"),
    fact(F.PROBLEM, "44054006", "SCT", "Diabetes mellitus type 2", status=P.ACTIVE,
         started="2005"),
    fact(F.PROBLEM, "22298006", "SCT", "Myocardial infarction", started="20100102"),
    fact(F.PROBLEM, "401303003", "SCT", "Acute ST segment elevation MI", started="20100101"),
    fact(F.PROBLEM, "88805009", "SCT", "Chronic congestive heart failure (disorder)",
         status=P.ACTIVE, started="20120917"),
    fact(F.PROBLEM, "433144002", "SCT", "Chronic kidney disease stage 3 (disorder)",
         status=P.ACTIVE, started="2015"),
    fact(F.PROBLEM, "53741008", "SCT", "Coronary Heart Disease", started="2009"),
    fact(F.PROBLEM, "271737000", "SCT", "Anemia (disorder)", status=P.RESOLVED, started="2003",
         ended="2004"),
    fact(F.ALLERGY, "294505008", "SCT", "Allergy to penicillin"),
    fact(F.SOCIAL_HISTORY, "72166-2", "LN", "Tobacco smoking status",
         value_code=Code("8517006", "SCT", "Former smoker"), started="20200101"),
    fact(F.PROCEDURE, "415070008", "SCT", "Percutaneous coronary intervention",
         started="20100102"),
    fact(F.PROCEDURE, "40701008", "SCT", "Echocardiography (procedure)", started="20120930"),
    fact(F.PROCEDURE, "73761001", "SCT", "Colonoscopy"),
    fact(F.MEDICATION, "200031", "RXNORM", "carvedilol 6.25 MG Oral Tablet", status=P.ACTIVE),
    fact(F.MEDICATION, "314077", "RXNORM", "lisinopril 20 MG Oral Tablet", status=P.STOPPED),
    fact(F.FAMILY_HISTORY, "22298006", "SCT", "Myocardial infarction", relative=NATURAL_MOTHER),
    fact(F.FAMILY_HISTORY, "44054006", "SCT", "Diabetes mellitus type 2", relative=NEIGHBOUR),
    fact(F.FAMILY_HISTORY, "254837009", "SCT", "Malignant neoplasm of breast",
         relative=NATURAL_MOTHER),
    fact(F.DEVICE, "14106009", "SCT", "Cardiac pacemaker", started="2011", status=P.ACTIVE),
    fact(F.DEVICE, "337414009", "SCT", "Blood glucose meter"),
)

GENERAL_FACTS = (  # everything TID 9007 places; all texts ASCII
    vital("8480-6", "Systolic blood pressure", 118, MM_HG, "20230101"),
    vital("8480-6", "Systolic blood pressure", 126, MM_HG, "20240101"),
    vital("8462-4", "Diastolic blood pressure", 81.5, MM_HG, "20240101"),
    vital("8867-4", "Heart rate", 72, PER_MINUTE, "20240101"),
    vital("8310-5", "Body temperature", 36.85, CELSIUS, "20240101"),
    vital("8310-5", "Body temperature", 99.1, FAHRENHEIT, "20250101"),
    vital("59408-5", "Oxygen saturation by pulse oximetry", 97, PERCENT, "20240101"),
    vital("9279-1", "Respiratory rate", 16, PER_MINUTE, "20240101"),
    fact(F.MEDICATION, "999999", "RXNORM", LONG_DRUG_NAME, status=P.ACTIVE, started="2021"),
    fact(F.SUBSTANCE_USE, "419442005", "SCT", "Ethyl alcohol"),
    fact(F.ENVIRONMENTAL_EXPOSURE, "3311006", "SCT", "Asbestos"),
    fact(F.PROCEDURE, "71651007", "SCT", "Mammography (procedure)", started="2020",
         laterality=LEFT),
    fact(F.PROBLEM, "195662009", "SCT", "Acute viral pharyngitis (disorder)",
         started="20190304"),
    fact(F.ALLERGY, "300916003", "SCT", "Latex allergy"),
    fact(F.SOCIAL_HISTORY, "72166-2", "LN", "Tobacco smoking status",
         value_code=Code("266919005", "SCT", "Never smoker"), started="2010"),
    fact(F.SOCIAL_HISTORY, "72166-2", "LN", "Tobacco smoking status",
         value_code=Code("77176002", "SCT", "Smoker"), started="2020"),
    fact(F.FAMILY_HISTORY, "254837009", "SCT", "Malignant neoplasm of breast",
         relative=NATURAL_MOTHER),
    fact(F.GYNECOLOGICAL, "11996-6", "LN", "Gravida", quantity=Quantity(3, UCUM_NO_UNITS)),
    fact(F.GYNECOLOGICAL, "42798-9", "LN", "Age at menarche", quantity=Quantity(12, YEAR)),
    fact(F.GYNECOLOGICAL, "8665-2", "LN", "Last menstrual period", started="20240115"),
    fact(F.OBSTETRIC, "11778-8", "LN", "Delivery date Estimated", started="20241022",
         recorded="20240301"),
    fact(F.OBSTETRIC, "18185-9", "LN", "Gestational age",
         quantity=Quantity(7, Code("wk", "UCUM", "wk")), started="20240301"),
)
# fmt: on


def breast_patient() -> Patient:
    return patient(*BREAST_FACTS)


def cardiac_patient() -> Patient:
    return patient(*CARDIAC_FACTS, sex="M")


def general_patient() -> Patient:
    return patient(*GENERAL_FACTS)
