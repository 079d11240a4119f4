"""``rpiq synth``: deterministic synthetic patients shaped like the demo, straight into the
database (SQLite and PostgreSQL) or as NDJSON that the importer loads to the same records, and
answering RPI queries with TID 9007 trees."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydicom.dataset import Dataset

from rpiq.cli import main
from rpiq.domain import FactKind
from rpiq.ingest.importer import import_fhir
from rpiq.ingest.synth import ARCHETYPES, SYNTH_ISSUER, synth_patient
from rpiq.ingest.synth_output import synth_record, write_database, write_ndjson
from rpiq.service.query import QueryService
from rpiq.service.status import GENERAL, PENDING, SUCCESS
from rpiq.store import SqlPatientRepository, open_repository

PATIENTS = 48
WOMEN_ONLY = {"breast", "obstetric", "migraine"}


def rpi_request(PatientID: str) -> Dataset:
    """A General RPI request for one synthetic patient (issuer given), all return keys empty."""
    request = Dataset()
    request.PatientName = ""
    request.PatientID = PatientID
    request.IssuerOfPatientID = SYNTH_ISSUER
    request.PatientBirthDate = ""
    request.PatientSex = ""
    request.ObservationDateTime = ""
    request.ValueType = ""
    request.ConceptNameCodeSequence = []
    request.ContentSequence = []
    return request


def never() -> bool:
    return False


def test_same_seed_same_patients_and_records() -> None:
    first = [synth_patient(5, index) for index in range(PATIENTS)]
    again = [synth_patient(5, index) for index in range(PATIENTS)]
    assert first == again
    assert [synth_record(p) for p in first] == [synth_record(p) for p in again]


def test_different_seeds_differ() -> None:
    one = [synth_record(synth_patient(1, index)) for index in range(PATIENTS)]
    two = [synth_record(synth_patient(2, index)) for index in range(PATIENTS)]
    assert {p.identifiers[0].PatientID for p in one}.isdisjoint(
        p.identifiers[0].PatientID for p in two
    )
    assert [(p.birth_date, p.facts) for p in one] != [(p.birth_date, p.facts) for p in two]


def test_distribution_follows_the_demo_archetypes() -> None:
    patients = [synth_patient(3, index) for index in range(400)]
    records = [synth_record(patient) for patient in patients]
    shares = Counter(patient.archetype for patient in patients)
    assert set(shares) == {archetype.name for archetype in ARCHETYPES}
    assert min(shares.values()) > 20  # each about 1/8 of 400
    for patient, record in zip(patients, records, strict=True):
        assert record.identifiers[0].IssuerOfPatientID == SYNTH_ISSUER
        if patient.archetype in WOMEN_ONLY:
            assert record.sex == "F"
        assert (patient.archetype == "empty") == (not record.facts)
    kinds = Counter(fact.kind for record in records for fact in record.facts)
    for kind in (
        FactKind.PROBLEM,
        FactKind.MEDICATION,
        FactKind.ALLERGY,
        FactKind.PROCEDURE,
        FactKind.FAMILY_HISTORY,
        FactKind.VITAL_SIGN,
    ):
        assert kinds[kind] > 0, kind
    assert any(record.name and record.name.ideographic for record in records)
    assert len({record.identifiers[0] for record in records}) == len(records)


def test_database_then_ndjson_import_is_unchanged(
    repository: SqlPatientRepository, tmp_path: Path
) -> None:
    written = write_database(repository, 9, PATIENTS)
    assert (written.added, written.unchanged) == (PATIENTS, 0)
    assert write_database(repository, 9, PATIENTS).unchanged == PATIENTS
    ndjson = write_ndjson(tmp_path / "export", 9, PATIENTS)
    assert ndjson.resources == written.resources
    assert (tmp_path / "export" / "Patient.ndjson").read_text().count("\n") == PATIENTS
    report = import_fhir([tmp_path / "export"], repository)
    assert report.ok, report.refused
    assert (report.added, report.updated, report.unchanged) == (0, 0, PATIENTS)
    assert repository.count_patients() == PATIENTS


def test_ndjson_import_gives_the_synthesized_records(
    repository: SqlPatientRepository, tmp_path: Path
) -> None:
    write_ndjson(tmp_path / "export", 4, PATIENTS)
    report = import_fhir([tmp_path / "export"], repository)
    assert report.added == PATIENTS
    for index in range(0, PATIENTS, 7):
        expected = synth_record(synth_patient(4, index))
        (stored,) = repository.find_patients(expected.identifiers[0].PatientID, SYNTH_ISSUER)
        assert stored == expected


def test_synthesized_patients_answer_rpi_queries(repository: SqlPatientRepository) -> None:
    write_database(repository, 11, 16)
    service = QueryService(repository, max_concurrent_lookups=2)
    answered = 0
    for index in range(16):
        patient = synth_patient(11, index)
        if patient.archetype == "empty":
            continue
        responses = list(service.find(GENERAL.uid, rpi_request(patient.PatientID), never))
        assert [response.status for response in responses] == [PENDING, SUCCESS]
        identifier = responses[0].identifier
        assert identifier is not None
        assert identifier.root.template_id == "9007"
        assert identifier.root.children
        answered += 1
    assert answered > 8


def test_cli_writes_database_and_ndjson(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nd"
    argv = ["synth", "--patients", "12", "--seed", "3", "--db", database_url, "--fhir-out"]
    assert main([*argv, str(out), "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("synth: 12 patients, ")
    assert "(12 added, 0 updated, 0 unchanged)" in lines[1]
    assert main(["import", "fhir", str(out), "--db", database_url, "--no-progress"]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert "0 patients added, 0 updated, 12 unchanged" in summary
    with open_repository(database_url) as repository:
        assert repository.count_patients() == 12


def test_worker_processes_write_the_same_records(tmp_path: Path) -> None:
    with (
        open_repository(f"sqlite:///{tmp_path / 'one.db'}") as one,
        open_repository(f"sqlite:///{tmp_path / 'two.db'}") as two,
    ):
        assert write_database(one, 12, 30).added == 30
        assert write_database(two, 12, 30, workers=2).added == 30
        assert write_database(one, 12, 30, workers=2).unchanged == 30
        for index in (0, 13, 29):
            PatientID = synth_patient(12, index).PatientID
            assert one.find_patients(PatientID, SYNTH_ISSUER) == two.find_patients(
                PatientID, SYNTH_ISSUER
            )
