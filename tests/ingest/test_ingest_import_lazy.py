"""An NDJSON export imported from files reads each file again when the export is read (the
importer does not hold every file's content): the reports are those of the same contents
given in memory, and a file that can no longer be read is refused by name."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

from ingest.fhir_export import ndjson_lines
from ingest.fhir_json import SNOMED, concept, patient_resource
from rpiq.config import ImportSettings
from rpiq.ingest.importer import _NdjsonFiles, import_fhir, import_ndjson
from rpiq.ingest.sources import FhirSource
from rpiq.store import SqlPatientRepository


def condition(condition_id: str, patient_id: str) -> dict[str, object]:
    return {
        "resourceType": "Condition",
        "id": condition_id,
        "code": concept(SNOMED, "38341003", "Hypertension"),
        "subject": {"reference": f"Patient/{patient_id}"},
    }


def write_export(folder: Path) -> dict[str, bytes]:
    """Patients, their conditions (one line bad) and a gzip file: name -> content."""
    folder.mkdir()
    people = [
        patient_resource(id=f"p{n}", identifier=[{"system": "urn:mrn", "value": f"M{n}"}])
        for n in range(5)
    ]
    contents = {
        "Condition.ndjson": (
            ndjson_lines(*(condition(f"c{n}", f"p{n}") for n in range(4))) + "{not json\n"
        ).encode(),
        "Patient.ndjson": ndjson_lines(*people[:3]).encode(),
        "Patient.2.ndjson.gz": ndjson_lines(*people[3:]).encode(),
    }
    for name, data in contents.items():
        stored = gzip.compress(data) if name.endswith(".gz") else data
        (folder / name).write_bytes(stored)
    return contents


def test_files_read_again_report_as_the_contents_in_memory(
    tmp_path: Path, more_repositories: Callable[[], SqlPatientRepository]
) -> None:
    contents = write_export(tmp_path / "export")
    from_files = import_fhir([tmp_path / "export"], more_repositories(), batch_resources=3)
    in_memory = import_ndjson(
        [(str(tmp_path / "export" / name), contents[name]) for name in sorted(contents)],
        more_repositories(),
        ImportSettings(),
        batch_resources=3,
    )
    assert from_files.sources == tuple(in_memory)
    assert from_files.summary().startswith("7 sources: 5 patients added")
    assert [report.location for report in from_files.sources if report.refused] == [
        f"{tmp_path / 'export' / 'Condition.ndjson'}:5"
    ]


def test_a_file_gone_before_the_export_is_read_is_refused_by_name(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    contents = write_export(tmp_path / "export")
    files = _NdjsonFiles()
    for name in ("Condition.ndjson", "Patient.ndjson"):
        path = tmp_path / "export" / name
        files.add(FhirSource(str(path), path=path), contents[name], len(contents[name]))
    (tmp_path / "export" / "Patient.ndjson").unlink()
    reports = import_ndjson(files, repository, ImportSettings())
    gone = str(tmp_path / "export" / "Patient.ndjson")
    (missing,) = [report for report in reports if report.location == gone]
    assert "cannot be read" in str(missing.refused)
    assert reports[0].notes == ("NDJSON export: 4 resource lines in 2 file(s)",)
    assert repository.count_patients() == 0
