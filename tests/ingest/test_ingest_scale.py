"""Batched imports (SQLite and PostgreSQL): many units per transaction give exactly what one
transaction per unit gives; a refused unit inside a batch writes nothing; a patient written
twice in one batch; dry runs; progress reports; ``--no-progress``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from rpiq.cli import main
from rpiq.ingest.importer import import_fhir
from rpiq.ingest.synth_output import write_ndjson
from rpiq.store import SqlPatientRepository
from rpiq.store.schema import clinical_fact, patient, patient_identifier

from .conftest import MoreRepositories

SYNTHEA = ("1073314", "1114198", "1146481")
PATIENT_ID = "scale-1"


@dataclass
class RecordingProgress:
    """An ImportProgress that keeps what it heard."""

    started: list[tuple[int, int]] = field(default_factory=list)
    files: int = 0
    resources: int = 0
    size: int = 0

    def start(self, *, files: int, size: int) -> None:
        self.started.append((files, size))

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None:
        self.files += files
        self.resources += resources
        self.size += size


def dump(repository: SqlPatientRepository) -> list[Any]:
    """Every stored row but the surrogate keys, by record source (order-independent)."""
    with repository.engine.connect() as connection:
        records = connection.execute(
            sa.select(*(c for c in patient.c if c.name != "patient_key")).order_by(patient.c.source)
        ).all()
        children = [
            connection.execute(
                sa.select(patient.c.source, *(c for c in table.c if c.name != "patient_key"))
                .join(patient, patient.c.patient_key == table.c.patient_key)
                .order_by(patient.c.source, table.c.ordinal)
            ).all()
            for table in (patient_identifier, clinical_fact)
        ]
    return [[tuple(row) for row in rows] for rows in (records, *children)]


def sources(synthea_dir: Path, tmp_path: Path) -> list[Path]:
    """Synthea bundles, each followed by the same patient's IPS document (found by
    identifier: in one batch, a record written earlier in it), and a synthetic NDJSON export."""
    write_ndjson(tmp_path / "export", 21, 30)
    pairs = [
        (synthea_dir / f"{name}-bundle.json", synthea_dir / f"{name}-ips.json") for name in SYNTHEA
    ]
    return [*(path for pair in pairs for path in pair), tmp_path / "export"]


def test_batched_import_equals_one_transaction_per_unit(
    repository: SqlPatientRepository,
    more_repositories: MoreRepositories,
    synthea_dir: Path,
    tmp_path: Path,
) -> None:
    paths = sources(synthea_dir, tmp_path)
    single = more_repositories()
    batched_report = import_fhir(paths, repository, batch_resources=100_000)
    single_report = import_fhir(paths, single, batch_resources=1)
    assert batched_report.ok, batched_report.refused
    assert batched_report.lines() == single_report.lines()
    assert batched_report.added == len(SYNTHEA) + 30
    # the IPS documents found their bundles' records (by identifier) instead of adding
    assert batched_report.updated + batched_report.unchanged == len(SYNTHEA)
    assert dump(repository) == dump(single)
    again = import_fhir(paths, repository, batch_resources=300)
    assert again.unchanged == len(SYNTHEA) * 2 + 30


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"resource": resource, "request": {"method": "PUT", "url": resource["resourceType"]}}
            for resource in resources
        ],
    }


def patient_json(resource_id: str, PatientID: str) -> dict[str, Any]:
    identifier = {"system": "urn:x-scale", "value": PatientID, "assigner": {"display": "SCALE"}}
    return {"resourceType": "Patient", "id": resource_id, "identifier": [identifier]}


def condition(resource_id: str, patient_id: str, code: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": resource_id,
        "subject": {"reference": f"Patient/{patient_id}"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": code}]},
    }


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_refused_unit_inside_a_batch_writes_nothing(
    repository: SqlPatientRepository, tmp_path: Path
) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    write(folder / "a.json", bundle(patient_json("a", "A-1"), condition("ca", "a", "59621000")))
    write(folder / "b.json", bundle(condition("cb", "nowhere", "37796009")))
    write(folder / "c.json", bundle(patient_json("c", "C-1"), condition("cc", "c", "195967001")))
    report = import_fhir([folder], repository)
    assert report.added == 2
    (refused,) = report.refused
    assert "b.json" in refused
    assert "Patient/nowhere" in refused
    assert repository.count_patients() == 2
    assert repository.find_fact_owners(["Condition/ca", "Condition/cb", "Condition/cc"]) == {
        "Condition/ca": ["fhir:Patient/a"],
        "Condition/cc": ["fhir:Patient/c"],
    }


def test_one_patient_twice_in_one_batch(
    repository: SqlPatientRepository, more_repositories: MoreRepositories, tmp_path: Path
) -> None:
    first = write(
        tmp_path / "1.json", bundle(patient_json("p", PATIENT_ID), condition("c1", "p", "1"))
    )
    update = write(tmp_path / "2.json", bundle(condition("c1", "p", "2"), kind="transaction"))
    extra = write(tmp_path / "3.json", bundle(condition("c2", "p", "3"), kind="transaction"))
    report = import_fhir([first, update, extra], repository)
    assert (report.added, report.updated) == (1, 2)
    (stored,) = repository.find_patients(PATIENT_ID, "SCALE")
    assert [(fact.code.value, fact.source) for fact in stored.facts] == [
        ("2", "Condition/c1"),
        ("3", "Condition/c2"),
    ]
    single = more_repositories()
    for path in (first, update, extra):
        import_fhir([path], single)
    assert dump(repository) == dump(single)


def test_dry_run_in_batches_writes_nothing(
    repository: SqlPatientRepository, tmp_path: Path
) -> None:
    write_ndjson(tmp_path / "export", 22, 25)
    report = import_fhir([tmp_path / "export"], repository, dry_run=True, batch_resources=30)
    assert report.ok
    assert report.added == 25
    assert repository.count_patients() == 0


def test_progress_hears_every_file_resource_and_byte(
    repository: SqlPatientRepository, synthea_dir: Path, tmp_path: Path
) -> None:
    written = write_ndjson(tmp_path / "export", 23, 20)
    paths = [synthea_dir / f"{SYNTHEA[0]}-bundle.json", tmp_path / "export"]
    files = [paths[0], *sorted((tmp_path / "export").iterdir())]
    progress = RecordingProgress()
    import_fhir(paths, repository, progress=progress, batch_resources=50)
    size = sum(path.stat().st_size for path in files)
    assert progress.started == [(len(files), size)]
    assert (progress.files, progress.size) == (len(files), size)
    bundle_resources = len(json.loads(paths[0].read_bytes())["entry"])
    assert progress.resources == bundle_resources + written.resources


def test_cli_output_is_the_same_with_and_without_progress(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_ndjson(tmp_path / "export", 24, 10)
    argv = ["import", "fhir", str(tmp_path / "export"), "--db", database_url]
    assert main([*argv, "--dry-run"]) == 0
    plain = capsys.readouterr()
    assert main([*argv, "--dry-run", "--no-progress"]) == 0
    assert capsys.readouterr() == plain
    assert plain.out.splitlines()[-1].startswith("11 sources: 10 patients added, 0 updated")
    assert plain.err == ""
