"""Every FHIR shape ``rpiq import fhir`` reads, with the Synthea data: IPS documents, NDJSON
exports (made here from the bundles), gzip copies, standard input, and the bundle types."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from ingest.fhir_export import export_resources, gzip_copy, load, ndjson_lines, write_ndjson
from ingest.synthea import bundle_files, ips_summary, row_counts
from ingest.test_ingest_synthea import SYNTHEA_IDS
from rpiq.cli import main
from rpiq.config import ImportSettings
from rpiq.domain import FactKind, FactStatus
from rpiq.ingest.fhir_bundle import read_bundle
from rpiq.ingest.importer import import_fhir
from rpiq.store import SqlPatientRepository, open_repository

ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"


@pytest.mark.parametrize("synthea_id", SYNTHEA_IDS)
def test_an_ips_document_gives_the_active_facts_of_its_summary(
    synthea_dir: Path, synthea_id: str
) -> None:
    expected = ips_summary(synthea_dir / f"{synthea_id}-ips.md")
    path = synthea_dir / f"{synthea_id}-ips.json"
    parsed = read_bundle(load(path), str(path), ImportSettings())
    (patient,) = parsed.patients

    def active(kind: FactKind) -> set[str]:
        return {f.code.meaning for f in patient.facts_of(kind) if f.status is FactStatus.ACTIVE}

    assert patient.sex == {"MALE": "M", "FEMALE": "F"}[expected.gender]
    assert active(FactKind.ALLERGY) == expected.allergies
    assert active(FactKind.MEDICATION) == expected.medications
    problems = {
        (f.code.meaning, (f.started or "")[:8])
        for f in patient.facts_of(FactKind.PROBLEM)
        if f.status is FactStatus.ACTIVE
    }
    assert problems == expected.problems
    skipped = dict(parsed.skipped)
    assert skipped["Composition"] == 1
    assert not [f for f in patient.facts if f.code.scheme.startswith("ABSENT")]


def test_ips_no_information_entries_are_counted_never_facts(synthea_dir: Path) -> None:
    """850289 (a newborn) has nothing: its IPS says so with three absent/unknown entries."""
    path = synthea_dir / "850289-ips.json"
    document = load(path)
    absent = [
        entry["resource"]["resourceType"]
        for entry in document["entry"]
        if ABSENT_UNKNOWN in json.dumps(entry["resource"])
    ]
    assert sorted(absent) == ["AllergyIntolerance", "Condition", "MedicationStatement"]
    parsed = read_bundle(document, str(path), ImportSettings())
    skipped = dict(parsed.skipped)
    assert skipped["AllergyIntolerance (no-allergy-info)"] == 1
    assert skipped["MedicationStatement (no-medication-info)"] == 1
    assert skipped["Condition (no-problem-info)"] == 1
    assert (
        parsed.patients[0].facts_of(FactKind.ALLERGY, FactKind.MEDICATION, FactKind.PROBLEM) == ()
    )


def test_every_ips_document_imports_and_a_second_import_changes_nothing(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    documents = sorted(synthea_dir.glob("*-ips.json"))
    first = import_fhir(documents, repository)
    assert (first.added, first.refused) == (10, ())
    counts = row_counts(repository)
    second = import_fhir(documents, repository)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 10)
    assert row_counts(repository) == counts


def test_an_ndjson_export_loads_one_patient_per_transaction_and_again_changes_nothing(
    synthea_dir: Path, tmp_path: Path, repository: SqlPatientRepository
) -> None:
    export = write_ndjson((load(path) for path in bundle_files(synthea_dir)), tmp_path / "out")
    assert (export / "Patient.ndjson").read_text().count("\n") == 10
    first = import_fhir([export], repository)
    assert first.ok, first.refused
    assert (first.added, first.updated, first.unchanged) == (10, 0, 0)
    assert first.sources[0].notes[0].startswith("NDJSON export: ")
    patient_sources = [s for s in first.sources if s.added]
    assert all(s.location.startswith(f"{export / 'Patient.ndjson'}:") for s in patient_sources)
    assert first.skipped["Observation (laboratory)"] == 410  # as from the bundles
    counts = row_counts(repository)
    assert counts["patient"] == 10
    second = import_fhir([export], repository)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 10)
    assert row_counts(repository) == counts


def test_gzip_bundles_and_ndjson_load_like_the_plain_files(
    synthea_dir: Path, tmp_path: Path, repository: SqlPatientRepository
) -> None:
    plain = synthea_dir / "1386506-bundle.json"
    compressed = gzip_copy(plain, tmp_path / "1386506-bundle.json.gz")
    export = write_ndjson(
        [load(synthea_dir / "908353-bundle.json")], tmp_path / "x", compressed=True
    )
    assert sorted(p.name for p in export.iterdir())[0].endswith(".ndjson.gz")
    report = import_fhir([compressed, export], repository)
    assert (report.added, report.refused) == (2, ())
    again = import_fhir(
        [plain, write_ndjson([load(synthea_dir / "908353-bundle.json")], tmp_path / "y")],
        repository,
    )
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_a_corrupt_gzip_file_is_refused_by_name(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    broken = tmp_path / "cut.json.gz"
    broken.write_bytes(gzip.compress(b'{"resourceType": "Bundle"}')[:12])
    (refused,) = import_fhir([broken], repository).refused
    assert refused.startswith(f"{broken}: cannot be decompressed (gzip)")


def stdin_with(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize("form", ["bundle", "bundle.gz", "ndjson"])
def test_dash_reads_a_bundle_or_ndjson_from_standard_input(
    synthea_dir: Path,
    database_url: str,
    form: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = synthea_dir / "1337914-bundle.json"
    if form == "ndjson":
        by_type = export_resources([load(bundle)])
        data = "".join(ndjson_lines(*resources) for resources in by_type.values()).encode()
    else:
        data = bundle.read_bytes()
    stdin_with(monkeypatch, gzip.compress(data) if form.endswith(".gz") else data)
    assert main(["import", "fhir", "-", "--db", database_url]) == 0
    out = capsys.readouterr().out
    assert "<stdin>" in out
    assert "1 patients added" in out
    with open_repository(database_url) as repository:
        (found,) = repository.find_patients("999-66-6152", None)
        assert found.source == "fhir:Patient/14942248-d498-d314-ea4f-b2bb441804b0"
        assert len(found.facts) == 60


@pytest.mark.parametrize("bundle_type", ["batch", "collection", "searchset"])
def test_the_other_bundle_types_give_the_same_patient(synthea_dir: Path, bundle_type: str) -> None:
    path = synthea_dir / "1146481-bundle.json"
    transaction = read_bundle(load(path), str(path), ImportSettings())
    document = load(path)
    document["type"] = bundle_type
    if bundle_type != "batch":
        for entry in document["entry"]:
            entry.pop("request", None)
            if bundle_type == "searchset":
                entry["search"] = {"mode": "match"}
    assert read_bundle(document, str(path), ImportSettings()) == transaction
