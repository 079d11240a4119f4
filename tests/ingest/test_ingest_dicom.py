"""DICOM files -> Patient module records (pydicom's test files, read in place or modified
copies in tmp_path)."""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pytest
from pydicom import config
from pydicom.data import get_charset_files, get_testdata_file
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import DataElement

from ingest.fhir_json import bundle, patient_resource
from rpiq.cli import main
from rpiq.domain import PersonName
from rpiq.ingest.dicom_files import import_dicom
from rpiq.ingest.importer import import_fhir
from rpiq.store import SqlPatientRepository


def pydicom_file(name: str) -> Path:
    found = get_testdata_file(name)
    assert found is not None, f"pydicom test file {name} missing"
    return Path(str(found))


def charset_file(name: str) -> Path:
    (found,) = get_charset_files(name)
    return Path(found)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of its own (``tmp_path`` also holds the SQLite database)."""
    made = tmp_path / "files"
    made.mkdir()
    return made


def modified_copy(folder: Path, name: str, **attributes: str) -> Path:
    """CT_small.dcm with some Patient module attributes changed (written as given, even when
    invalid, as a careless modality might)."""
    dataset = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    for keyword, value in attributes.items():
        tag = tag_for_keyword(keyword)
        assert tag is not None
        dataset[tag] = DataElement(tag, dictionary_VR(tag), value, validation_mode=config.IGNORE)
    path = folder / name
    dataset.save_as(path)
    return path


def test_ct_small_becomes_a_patient_record(repository: SqlPatientRepository) -> None:
    report = import_dicom([pydicom_file("CT_small.dcm")], repository)
    assert report.ok
    assert report.added == 1
    (patient,) = repository.find_patients("1CT1", "")
    assert patient.name == PersonName("CompressedSamples^CT1")
    assert (patient.sex, patient.birth_date, patient.facts) == ("O", None, ())
    assert patient.source == "dicom:/1CT1"
    assert import_dicom([pydicom_file("CT_small.dcm")], repository).unchanged == 1


CHARSET_EXAMPLES = [
    ("chrH31.dcm", "H31EXAMPLE", PersonName("Yamada^Tarou", "山田^太郎", "やまだ^たろう")),
    ("chrX1.dcm", "X1EXAMPLE", PersonName("Wang^XiaoDong", "王^小東")),
    ("chrGerm.dcm", "SCSGERM", PersonName("Äneas^Rüdiger")),
]


def test_names_are_decoded_with_the_files_character_set(
    repository: SqlPatientRepository,
) -> None:
    files = [charset_file(name) for name, _, _ in CHARSET_EXAMPLES]
    assert import_dicom(files, repository).added == len(files)
    for _, PatientID, person_name in CHARSET_EXAMPLES:
        (patient,) = repository.find_patients(PatientID, "")
        assert patient.name == person_name


def test_issuer_birth_date_and_files_of_one_patient(
    folder: Path, repository: SqlPatientRepository
) -> None:
    attributes = {"PatientID": "P-7", "IssuerOfPatientID": "HOSP-X", "PatientSex": "F"}
    modified_copy(folder, "1.dcm", PatientBirthDate="19700101", **attributes)
    modified_copy(folder, "2.dcm", PatientBirthDate="19700101", **attributes)
    modified_copy(folder, "3.dcm", PatientBirthDate="19701340", **attributes)
    report = import_dicom([folder], repository)
    (source,) = report.sources
    assert source.location == "dicom:HOSP-X/P-7"
    assert source.added == 1
    assert source.notes == (
        "from 3 files",
        f"{folder / '3.dcm'}: invalid Patient's Birth Date '19701340' dropped",
    )
    (patient,) = repository.find_patients("P-7", "HOSP-X")
    assert (patient.birth_date, patient.sex) == ("19700101", "F")
    assert repository.find_patients("P-7", "") == []


def test_an_instance_with_conflicting_demographics_is_refused_with_its_path(
    folder: Path, repository: SqlPatientRepository
) -> None:
    modified_copy(folder, "1.dcm", PatientID="P-8", PatientSex="F", PatientBirthDate="19700101")
    modified_copy(folder, "2.dcm", PatientID="P-8", PatientSex="M")
    modified_copy(folder, "3.dcm", PatientID="P-8", PatientSex="F", PatientBirthDate="19710101")
    modified_copy(folder, "4.dcm", PatientID="P-8", PatientSex="F")  # no birth date: agrees
    report = import_dicom([folder], repository)
    first = folder / "1.dcm"
    assert report.refused == (
        f"{folder / '2.dcm'}: Patient's Sex 'M' differs from 'F' in {first} (same Patient ID "
        "'P-8'); not loaded",
        f"{folder / '3.dcm'}: Patient's Birth Date '19710101' differs from '19700101' in "
        f"{first} (same Patient ID 'P-8'); not loaded",
    )
    assert report.added == 1
    assert report.sources[-1].notes[0] == "from 2 files"
    (patient,) = repository.find_patients("P-8", "")
    assert (patient.sex, patient.birth_date) == ("F", "19700101")


def test_non_dicom_files_are_reported_and_dicom_without_patient_id_is_refused(
    folder: Path, repository: SqlPatientRepository
) -> None:
    (folder / "readme.txt").write_text("not DICOM", encoding="utf-8")
    no_id = modified_copy(folder, "no-id.dcm", PatientID="")
    report = import_dicom([folder, pydicom_file("CT_small.dcm")], repository)
    lines = report.lines()
    assert f"note       {folder / 'readme.txt'}: not a DICOM file, ignored" in lines
    assert report.refused == (f"{no_id}: no Patient ID (0010,0020)",)
    assert report.added == 1


def test_a_record_from_another_source_is_left_unchanged(
    folder: Path, repository: SqlPatientRepository
) -> None:
    fhir = folder / "p.json"
    fhir.write_text(json.dumps(bundle(patient=patient_resource(identifier=[{"value": "1CT1"}]))))
    assert import_fhir([fhir], repository).added == 1
    report = import_dicom([pydicom_file("CT_small.dcm")], repository)
    (source,) = report.sources
    assert report.ok
    assert (source.added, source.updated, source.unchanged) == (0, 0, 0)
    assert source.notes[-1] == "left unchanged: already held by fhir:Patient/p1"
    (patient,) = repository.find_patients("1CT1", "")
    assert patient.name == PersonName("Doe^Jane")


def test_the_dicom_import_command(
    folder: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "readme.txt").write_text("not DICOM", encoding="utf-8")
    assert (
        main(
            [
                "import",
                "dicom",
                str(folder),
                str(pydicom_file("CT_small.dcm")),
                "--db",
                database_url,
            ]
        )
        == 0
    )
    assert "loaded     dicom:/1CT1: 1 added" in capsys.readouterr().out
    no_id = modified_copy(folder, "no-id.dcm", PatientID="")
    assert main(["import", "dicom", str(no_id), "--db", database_url]) == 1
    assert f"refused    {no_id}: no Patient ID (0010,0020)" in capsys.readouterr().err
