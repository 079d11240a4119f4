"""The generated demo patients: loaded through the FHIR importer, idempotent, findable."""

from __future__ import annotations

import json

import pytest

from ingest.synthea import row_counts
from rpiq.cli import main
from rpiq.domain import Code, FactKind, FactStatus, Patient, PersonName
from rpiq.ingest.demo import demo_bundles, load_demo
from rpiq.store import SqlPatientRepository

DEMO_IDS = [
    ("RPI-BREAST-001", "RPIQ-DEMO", "F", "19610417"),
    ("RPI-CARDIAC-001", "RPIQ-DEMO", "M", "19500902"),
    ("RPI-ALLERGY-001", "RPIQ-DEMO", "F", "19851123"),
    ("RPI-OB-001", "RPIQ-DEMO", "F", "19920708"),
    ("RPI-EMPTY-001", "RPIQ-DEMO", "M", "20010214"),
    ("RPI-INTL-001", "RPIQ-DEMO", "F", "19700505"),
    ("RPI-DUP-001", "HOSPITAL-A", "M", "19660330"),
    ("RPI-DUP-001", "HOSPITAL-B", "F", "19791201"),
]


@pytest.fixture
def demo(repository: SqlPatientRepository) -> SqlPatientRepository:
    report = load_demo(repository)
    assert report.ok, report.refused
    assert (report.added, report.updated, report.unchanged) == (8, 0, 0)
    assert report.skipped == {}, "every demo resource must become a fact"
    return repository


def one(repository: SqlPatientRepository, PatientID: str, issuer: str = "RPIQ-DEMO") -> Patient:
    (patient,) = repository.find_patients(PatientID, issuer)
    return patient


def codes(patient: Patient, kind: FactKind) -> list[str]:
    return [fact.code.value for fact in patient.facts_of(kind)]


def test_the_demo_bundles_are_deterministic_json() -> None:
    first = json.dumps(demo_bundles(), sort_keys=True)
    assert first == json.dumps(demo_bundles(), sort_keys=True)
    assert len(demo_bundles()) == 8


def test_every_demo_patient_is_found_by_id_and_issuer(demo: SqlPatientRepository) -> None:
    found = [
        (PatientID, issuer, patient.sex, patient.birth_date)
        for PatientID, issuer, _, _ in DEMO_IDS
        for patient in demo.find_patients(PatientID, issuer)
    ]
    assert found == DEMO_IDS
    assert demo.count_patients() == len(DEMO_IDS)


def test_loading_the_demo_again_changes_nothing(demo: SqlPatientRepository) -> None:
    counts = row_counts(demo)
    report = load_demo(demo)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 8)
    assert row_counts(demo) == counts


def test_the_same_patient_id_under_two_issuers_is_two_people(demo: SqlPatientRepository) -> None:
    both = demo.find_patients("RPI-DUP-001", None)
    assert sorted(patient.sex or "" for patient in both) == ["F", "M"]
    hospital_a = one(demo, "RPI-DUP-001", "HOSPITAL-A")
    hospital_b = one(demo, "RPI-DUP-001", "HOSPITAL-B")
    assert codes(hospital_a, FactKind.PROBLEM) == ["59621000"]
    assert codes(hospital_b, FactKind.PROBLEM) == ["37796009"]
    assert demo.find_patients("RPI-DUP-001", "") == []


def test_the_breast_patient(demo: SqlPatientRepository) -> None:
    patient = one(demo, "RPI-BREAST-001")
    lump, cancer = patient.facts_of(FactKind.PROBLEM)
    assert (lump.code.value, lump.status) == ("89164003", FactStatus.RESOLVED)
    assert (cancer.code.value, cancer.status) == ("254837009", FactStatus.ACTIVE)
    assert cancer.laterality == lump.laterality == Code("7771000", "SCT", "Left")
    assert codes(patient, FactKind.PROCEDURE) == ["71651007", "44578009", "392021009", "108290001"]
    assert codes(patient, FactKind.MEDICATION) == ["198240"]
    (mother,) = patient.facts_of(FactKind.FAMILY_HISTORY)
    assert (mother.code.value, mother.relative) == (
        "254837009",
        Code("65656005", "SCT", "Natural mother"),
    )
    gynecological = {
        fact.code.value: fact.quantity.value
        for fact in patient.facts_of(FactKind.GYNECOLOGICAL)
        if fact.quantity is not None
    }
    assert gynecological == {"11996-6": 2.0, "11977-6": 2.0, "42802-9": 52.0}


def test_the_cardiac_patient(demo: SqlPatientRepository) -> None:
    patient = one(demo, "RPI-CARDIAC-001")
    active = [
        f.code.value for f in patient.facts_of(FactKind.PROBLEM) if f.status is FactStatus.ACTIVE
    ]
    assert active == ["59621000", "44054006", "399211009", "88805009"]
    assert codes(patient, FactKind.PROCEDURE) == ["232717009", "40701008", "40701008"]
    assert codes(patient, FactKind.MEDICATION) == ["200033", "314077", "617310", "860975"]
    (smoking,) = patient.facts_of(FactKind.SOCIAL_HISTORY)
    assert smoking.value_code == Code("8517006", "SCT", "Former smoker")
    (father,) = patient.facts_of(FactKind.FAMILY_HISTORY)
    assert (father.code.value, father.relative) == (
        "22298006",
        Code("9947008", "SCT", "Natural father"),
    )
    vitals = {
        f.code.value: f.quantity.value for f in patient.facts_of(FactKind.VITAL_SIGN) if f.quantity
    }
    assert vitals == {"8480-6": 138.0, "8462-4": 86.0, "8867-4": 68.0}


def test_the_allergy_obstetric_empty_and_international_patients(
    demo: SqlPatientRepository,
) -> None:
    allergies = one(demo, "RPI-ALLERGY-001").facts_of(FactKind.ALLERGY)
    assert [fact.code.value for fact in allergies] == ["293637006", "91936005", "300916003"]
    assert all(fact.status is FactStatus.ACTIVE for fact in allergies)

    pregnant = one(demo, "RPI-OB-001")
    facts = {fact.code.value: fact for fact in pregnant.facts_of(FactKind.GYNECOLOGICAL)}
    assert facts["82810-3"].value_code == Code("77386006", "SCT", "patient currently pregnant")
    counts = {code: fact.quantity.value for code, fact in facts.items() if fact.quantity}
    assert counts == {"11996-6": 2.0, "11977-6": 1.0}
    assert facts["8665-2"].started == "20250106"
    assert codes(pregnant, FactKind.MEDICATION) == ["198640"]

    assert one(demo, "RPI-EMPTY-001").facts == ()

    international = one(demo, "RPI-INTL-001")
    assert international.name == PersonName("Ōtsuka^Chiyoko", "大塚^千代子", "おおつか^ちよこ")
    assert codes(international, FactKind.PROBLEM) == ["195967001"]


def test_the_demo_command_is_idempotent_and_prints_an_example(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--db", database_url]) == 0
    first = capsys.readouterr().out.splitlines()
    assert main(["demo", "--db", database_url]) == 0
    second = capsys.readouterr().out.splitlines()
    assert first[0].endswith("(8 added, 0 updated, 0 unchanged)")
    assert second[0].endswith("(0 added, 0 updated, 8 unchanged)")
    assert second[1] == (
        "try:  rpiq query 127.0.0.1 11112 --patient-id RPI-BREAST-001 --issuer RPIQ-DEMO "
        "--sop breast"
    )
