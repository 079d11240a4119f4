"""Errors lose nothing: every unreadable file, bundle or NDJSON line is reported with its
location and reason, everything else loads; the summary and the exit status say so; a dry run
checks the same and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.fhir_export import load, ndjson_lines, write_ndjson
from ingest.fhir_json import SNOMED, concept, patient_resource
from ingest.synthea import bundle_files, row_counts
from rpiq.cli import main
from rpiq.ingest.importer import import_fhir
from rpiq.store import SqlPatientRepository, open_repository

JSON = dict[str, Any]


def person(patient_id: str, mrn: str) -> JSON:
    return patient_resource(id=patient_id, identifier=[{"system": "urn:mrn", "value": mrn}])


def condition(condition_id: str, subject: str, **fields: Any) -> JSON:
    return {
        "resourceType": "Condition",
        "id": condition_id,
        "code": concept(SNOMED, "38341003", "Hypertension"),
        "subject": {"reference": subject},
        **fields,
    }


def broken_export(folder: Path) -> Path:
    """An NDJSON export where some lines are bad, one per error path."""
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(
        ndjson_lines(person("p1", "MRN-1"), person("p2", "MRN-2"))
        + "{not json\n"
        + ndjson_lines(
            patient_resource(id="p3", identifier=[]),
            {key: value for key, value in person("p4", "MRN-4").items() if key != "id"},
        ),
        encoding="utf-8",
    )
    (folder / "Condition.ndjson").write_text(
        ndjson_lines(
            condition("c1", "Patient/p1"),
            condition("c-bad-date", "Patient/p1", onsetDateTime="2019-02-30"),
            condition("c-ghost", "Patient/ghost"),
            condition("c-urn", "urn:uuid:0f0e"),
        )
        + "[1, 2]\n\n"
        + ndjson_lines(condition("c-p3", "Patient/p3"), condition("c2", "Patient/p2")),
        encoding="utf-8",
    )
    (folder / "Encounter.ndjson").write_text(
        ndjson_lines({"resourceType": "Encounter", "id": "e1"}), encoding="utf-8"
    )
    return folder


def test_each_bad_ndjson_line_is_refused_with_file_and_line_and_the_rest_loads(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    export = broken_export(tmp_path / "export")
    patients, conditions = export / "Patient.ndjson", export / "Condition.ndjson"
    report = import_fhir([export], repository)
    refused = set(report.refused)
    assert refused == {
        f"{patients}:3: not JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        f"{patients}:4: Patient/p3: no usable identifier (Patient.identifier with a value)",
        f"{patients}:5: Patient: a Patient in an NDJSON export needs an id",
        f"{conditions}:2: Condition/c-bad-date: '2019-02-30' is not a valid date/time: "
        "day is out of range for month",
        f"{conditions}:4: Condition/c-urn: subject 'urn:uuid:0f0e' is not a Patient/<id> reference",
        f"{conditions}:5: not a FHIR resource (a JSON object)",
        f"Patient/ghost: {conditions}:3: Condition/c-ghost: subject 'Patient/ghost' is neither "
        "a Patient in this export nor a stored patient",
        f"Patient/p3: {conditions}:7: Condition/c-p3: subject 'Patient/p3' is neither a "
        "Patient in this export nor a stored patient",
    }
    assert len(report.refused) == len(refused)
    assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
    assert report.skipped == {"Encounter": 1}
    (p1,) = repository.find_patients("MRN-1", None)
    assert [fact.source for fact in p1.facts] == ["Condition/c1"]
    (p2,) = repository.find_patients("MRN-2", None)
    assert [fact.source for fact in p2.facts] == ["Condition/c2"]
    assert report.summary() == (
        f"{len(report.sources)} sources: 2 patients added, 0 updated, 0 unchanged, 0 deleted; "
        "8 refused"
    )


def test_the_import_command_lists_refusals_on_stderr_and_exits_one(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    export = broken_export(tmp_path / "export")
    status = main(["import", "fhir", str(export), "--db", database_url])
    out, err = capsys.readouterr()
    assert status == 1
    assert len(err.splitlines()) == 8
    assert all(line.startswith("refused    ") for line in err.splitlines())
    assert f"refused    {export / 'Condition.ndjson'}:2: Condition/c-bad-date: " in err
    assert out.splitlines()[-1].endswith(
        "2 patients added, 0 updated, 0 unchanged, 0 deleted; 8 refused"
    )
    assert f"loaded     {export / 'Patient.ndjson'}:1: 1 added" in out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{oops", "not JSON: "),
        (b"[]", "not a FHIR Bundle (resourceType is not 'Bundle')"),
        (b'{"resourceType": "Patient", "id": "x"}', "not a FHIR Bundle"),
        (b'{"resourceType": "Bundle", "type": "message"}', "Bundle type 'message' is not imported"),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [
                        {"resource": person("p1", "MRN-1")},
                        {"resource": condition("c1", "Patient/p1", recordedDate=2020)},
                    ],
                }
            ).encode(),
            "Condition/c1: recordedDate is not a string",
        ),
    ],
)
def test_a_bundle_file_that_cannot_be_imported_is_refused_by_name(
    tmp_path: Path, repository: SqlPatientRepository, content: bytes, reason: str
) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    (refused,) = import_fhir([path], repository).refused
    assert refused.startswith(f"{path}: {reason}")
    assert repository.count_patients() == 0


def test_a_refused_bundle_writes_nothing_and_the_next_bundle_still_loads(
    synthea_dir: Path, tmp_path: Path, repository: SqlPatientRepository
) -> None:
    bad = load(synthea_dir / "1146481-bundle.json")
    observation = next(
        e["resource"] for e in bad["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    observation["effectiveDateTime"] = "2020-13-01"
    (tmp_path / "a.json").write_text(json.dumps(bad), encoding="utf-8")
    report = import_fhir([tmp_path / "a.json", synthea_dir / "850289-bundle.json"], repository)
    assert report.refused == (
        f"{tmp_path / 'a.json'}: Observation/{observation['id']}: '2020-13-01' is not a valid "
        "date/time: month must be in 1..12",
    )
    assert (report.added, repository.count_patients()) == (1, 1)


# -- dry run ---------------------------------------------------------------------------------


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(
    synthea_dir: Path, tmp_path: Path, repository: SqlPatientRepository
) -> None:
    bundles = bundle_files(synthea_dir)
    export = write_ndjson([load(bundles[0])], tmp_path / "export")
    empty = row_counts(repository)
    dry = import_fhir([*bundles[1:], export], repository, dry_run=True)
    assert (dry.added, dry.updated, dry.unchanged, dry.refused) == (10, 0, 0, ())
    assert dry.summary().endswith("(dry run: nothing written)")
    assert dry.lines()[0].startswith("checked    ")
    assert (
        row_counts(repository)
        == empty
        == {"patient": 0, "patient_identifier": 0, "clinical_fact": 0}
    )

    import_fhir(bundles, repository)
    loaded = row_counts(repository)
    changed = load(bundles[0])
    changed["entry"] = [
        e for e in changed["entry"] if e["resource"]["resourceType"] != "Observation"
    ]
    changed["entry"].append(
        {
            "request": {
                "method": "DELETE",
                "url": f"Patient/{load(bundles[1])['entry'][0]['resource']['id']}",
            }
        }
    )
    (tmp_path / "changed.json").write_text(json.dumps(changed), encoding="utf-8")
    dry = import_fhir([tmp_path / "changed.json", *bundles[2:]], repository, dry_run=True)
    assert (dry.added, dry.updated, dry.unchanged, dry.deleted) == (0, 0, 9, 1)
    assert row_counts(repository) == loaded


def test_the_dry_run_option_of_the_command(
    synthea_dir: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = synthea_dir / "908353-bundle.json"
    assert main(["import", "fhir", str(bundle), "--db", database_url, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"checked    {bundle}: 1 added" in out
    assert "(dry run: nothing written)" in out
    with open_repository(database_url) as repository:
        assert row_counts(repository)["patient"] == 0
