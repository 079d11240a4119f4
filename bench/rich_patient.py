"""A rich patient for the benchmarks: a long history that TID 9007 renders as >= 100 items.

Hand-made (not ``rpiq synth``) so that every benchmark run queries the same content tree:
problems, medications, procedures, allergies, family history, vital signs, over two decades.
:func:`save_rich_patient` stores it through the repository (the importer's writing path).
"""

from __future__ import annotations

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
from rpiq.store import open_repository

RICH_PATIENT_ID = "RPI-RICH-001"
RICH_ISSUER = "RPIQ-BENCH"

PROBLEMS = (
    ("38341003", "Hypertensive disorder"),
    ("44054006", "Diabetes mellitus type 2"),
    ("195967001", "Asthma"),
    ("84114007", "Heart failure"),
    ("49436004", "Atrial fibrillation"),
    ("13645005", "Chronic obstructive lung disease"),
    ("254837009", "Malignant neoplasm of breast"),
    ("709044004", "Chronic kidney disease"),
    ("55822004", "Hyperlipidemia"),
    ("35489007", "Depressive disorder"),
    ("396275006", "Osteoarthritis"),
    ("414545008", "Ischemic heart disease"),
)
MEDICATIONS = (
    ("197361", "Amlodipine 5 MG Oral Tablet"),
    ("860975", "Metformin 500 MG Oral Tablet"),
    ("895994", "Fluticasone 110 MCG Inhaler"),
    ("200031", "Carvedilol 6.25 MG Oral Tablet"),
    ("855332", "Warfarin 5 MG Oral Tablet"),
    ("314076", "Lisinopril 10 MG Oral Tablet"),
    ("617312", "Atorvastatin 10 MG Oral Tablet"),
    ("310798", "Hydrochlorothiazide 25 MG Oral Tablet"),
    ("312938", "Sertraline 50 MG Oral Tablet"),
    ("313782", "Acetaminophen 325 MG Oral Tablet"),
)
PROCEDURES = (
    ("71651007", "Mammography"),
    ("73761001", "Colonoscopy"),
    ("40701008", "Echocardiography"),
    ("29303009", "Electrocardiographic procedure"),
    ("392021009", "Lumpectomy of breast"),
    ("80146002", "Appendectomy"),
)
ALLERGIES = (("91936005", "Allergy to penicillin"), ("300913006", "Shellfish allergy"))
VITALS = (
    ("8480-6", "Systolic blood pressure", 135.0, "mm[Hg]"),
    ("8462-4", "Diastolic blood pressure", 85.0, "mm[Hg]"),
    ("8867-4", "Heart rate", 72.0, "/min"),
    ("29463-7", "Body weight", 81.5, "kg"),
)
YEARS = range(2004, 2024)


def _sct(value: str, meaning: str) -> Code:
    return Code(value, "SCT", meaning)


def _facts() -> list[ClinicalFact]:
    facts = [
        ClinicalFact(FactKind.PROBLEM, _sct(value, meaning), FactStatus.ACTIVE,
                     started=str(YEARS[index]))
        for index, (value, meaning) in enumerate(PROBLEMS)
    ]  # fmt: skip
    facts += [
        ClinicalFact(FactKind.MEDICATION, Code(value, "RXNORM", meaning), status,
                     started=f"{year}0101")
        for value, meaning in MEDICATIONS
        for year, status in ((2010, FactStatus.STOPPED), (2018, FactStatus.ACTIVE))
    ]  # fmt: skip
    facts += [
        ClinicalFact(FactKind.PROCEDURE, _sct(value, meaning), FactStatus.COMPLETED,
                     started=f"{year}0601")
        for value, meaning in PROCEDURES
        for year in (2008, 2016, 2022)
    ]  # fmt: skip
    facts += [
        ClinicalFact(FactKind.ALLERGY, _sct(value, meaning), FactStatus.ACTIVE, started="2001")
        for value, meaning in ALLERGIES
    ]
    facts += [
        ClinicalFact(FactKind.VITAL_SIGN, Code(value, "LN", meaning), FactStatus.COMPLETED,
                     quantity=Quantity(amount, Code(unit, "UCUM", unit)),
                     recorded=f"{year}0301")
        for value, meaning, amount, unit in VITALS
        for year in (2015, 2019, 2023)
    ]  # fmt: skip
    return facts


def rich_patient(PatientID: str = RICH_PATIENT_ID, IssuerOfPatientID: str = RICH_ISSUER) -> Patient:
    """The benchmark's rich patient (same history for any identifier)."""
    return Patient(
        (PatientIdentifier(PatientID, IssuerOfPatientID),),
        PersonName("Rich^Rachel"),
        "19580214",
        "F",
        facts=tuple(_facts()),
        source=f"bench:{IssuerOfPatientID}:{PatientID}",
    )


def save_rich_patient(db_url: str) -> None:
    """Store :func:`rich_patient` in the database at ``db_url`` (schema created if needed)."""
    with open_repository(db_url) as repository:
        repository.save_patients([rich_patient()])
