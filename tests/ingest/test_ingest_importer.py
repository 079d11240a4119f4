"""Importing files and folders: one bundle per transaction, refusals named, others loaded;
the ``rpiq import fhir`` command and its exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.fhir_json import bundle, patient_resource
from ingest.synthea import row_counts
from rpiq.cli import main
from rpiq.ingest.importer import import_fhir
from rpiq.store import SqlPatientRepository, open_repository

BREAST = "1386506-bundle.json"
NEWBORN = "850289-bundle.json"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


def first_condition(document: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = next(
        entry["resource"]
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == "Condition"
    )
    return resource


def write_broken_copies(synthea_dir: Path, folder: Path) -> dict[str, str]:
    """Two broken Synthea bundles (their test copies in tmp_path); returns file -> Condition id."""
    folder.mkdir()
    broken: dict[str, str] = {}
    for name, source, change in (
        ("unknown-subject.json", "1337914-bundle.json", {"subject": {"reference": "urn:uuid:x"}}),
        ("invalid-date.json", "908353-bundle.json", {"onsetDateTime": "1992-02-30T10:00:00Z"}),
    ):
        document = load(synthea_dir / source)
        condition = first_condition(document)
        condition.update(change)
        (folder / name).write_text(json.dumps(document), encoding="utf-8")
        broken[str(folder / name)] = condition["id"]
    return broken


def test_a_broken_bundle_is_refused_whole_and_the_other_files_still_load(
    synthea_dir: Path, tmp_path: Path, repository: SqlPatientRepository
) -> None:
    broken = write_broken_copies(synthea_dir, tmp_path / "broken")
    report = import_fhir(
        [synthea_dir / BREAST, tmp_path / "broken", synthea_dir / NEWBORN], repository
    )
    assert not report.ok
    assert len(report.refused) == 2
    for message, (path, condition_id) in zip(
        sorted(report.refused), sorted(broken.items()), strict=True
    ):
        assert message.startswith(f"{path}: Condition/{condition_id}: ")
    assert "is not a Patient in this bundle" in " ".join(report.refused)
    assert "'1992-02-30T10:00:00Z' is not a valid date" in " ".join(report.refused)
    assert report.added == 2
    assert repository.count_patients() == 2
    assert repository.find_patients("999-66-6152", None) == []  # the unknown-subject patient
    assert repository.find_patients("999-52-5910", None) == []  # the invalid-date patient
    assert row_counts(repository)["patient_identifier"] == 8


def test_files_that_are_not_bundles_are_refused_by_name(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    folder = tmp_path / "in"
    (folder / "deeper").mkdir(parents=True)
    (folder / "b-not-json.json").write_text("{oops", encoding="utf-8")
    (folder / "c-history.json").write_text(
        json.dumps({"resourceType": "Bundle", "type": "history", "entry": []}), encoding="utf-8"
    )
    (folder / "notes.txt").write_text("not imported", encoding="utf-8")
    (folder / "deeper" / "a-good.json").write_text(json.dumps(bundle()), encoding="utf-8")
    report = import_fhir([folder, tmp_path / "missing.json"], repository)
    assert [source.location for source in report.sources] == [
        str(folder / "b-not-json.json"),
        str(folder / "c-history.json"),
        str(folder / "deeper" / "a-good.json"),
        str(tmp_path / "missing.json"),
    ]
    refused = report.refused
    assert refused[0].startswith(f"{folder / 'b-not-json.json'}: not JSON")
    assert refused[1] == (
        f"{folder / 'c-history.json'}: Bundle type 'history' is not imported "
        "(batch, collection, document, searchset, transaction)"
    )
    assert refused[2] == f"{tmp_path / 'missing.json'}: no such file or folder"
    assert report.added == 1


def test_a_changed_bundle_updates_its_patient(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    assert import_fhir([path], repository).added == 1
    path.write_text(json.dumps(bundle(patient=patient_resource(gender="other"))), "utf-8")
    report = import_fhir([path], repository)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    (stored,) = repository.find_patients("MRN-1", "HOSP")
    assert stored.sex == "O"


def test_the_import_command_exits_zero_when_everything_loaded(
    synthea_dir: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["import", "fhir", str(synthea_dir / NEWBORN), "--db", database_url])
    out, err = capsys.readouterr()
    assert status == 0
    assert f"loaded     {synthea_dir / NEWBORN}: 1 added, 0 updated, 0 unchanged" in out
    assert "1 sources: 1 patients added, 0 updated, 0 unchanged, 0 deleted; 0 refused" in out
    assert err == ""


def test_the_import_command_exits_non_zero_when_something_was_refused(
    synthea_dir: Path, tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write_broken_copies(synthea_dir, tmp_path / "broken")
    status = main(
        [
            "import",
            "fhir",
            str(tmp_path / "broken"),
            str(synthea_dir / NEWBORN),
            "--db",
            database_url,
        ]
    )
    out, err = capsys.readouterr()
    assert status == 1
    for path, condition_id in broken.items():
        assert f"refused    {path}: Condition/{condition_id}" in err
    assert "1 patients added" in out


def test_the_issuer_rule_option(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    monkeypatch.setenv("RPIQ_DB", database_url)
    assert main(["import", "fhir", str(path), "--issuer-rule", "system"]) == 0
    with open_repository(database_url) as repository:
        assert [p.source for p in repository.find_patients("MRN-1", "urn:oid:1.2.3")] == [
            "fhir:Patient/p1"
        ]
        assert repository.find_patients("MRN-1", "HOSP") == []
