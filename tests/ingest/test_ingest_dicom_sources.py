"""DICOM sources: every character set of pydicom's test files, DICOMDIR File-sets, the whole
Patient module (issuer qualifiers, Other Patient IDs), and every error path of a file."""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_charset_files, get_testdata_file
from pydicom.dataset import Dataset

from rpiq.domain import PatientIdentifier, PersonName
from rpiq.ingest.dicom_files import import_dicom
from rpiq.store import SqlPatientRepository

CHARSET_FILES = sorted(
    Path(found) for found in get_charset_files("*.dcm") if Path(found).name != "FileInfo.txt"
)
WITHOUT_PATIENT_ID = ("chrSQEncoding.dcm", "chrSQEncoding1.dcm")


def pydicom_file(name: str) -> Path:
    found = get_testdata_file(name)
    assert found is not None, f"pydicom test file {name} missing"
    return Path(str(found))


def decoded_name(path: Path) -> PersonName:
    """The name as pydicom decodes it with the file's Specific Character Set."""
    value = pydicom.dcmread(path).PatientName
    groups = [*value.components, "", ""][:3]
    return PersonName(*groups)


def test_the_charset_files_cover_what_the_issue_names() -> None:
    names = {path.stem for path in CHARSET_FILES}
    assert names >= {
        "chrH31", "chrH32", "chrX1", "chrX2", "chrSQEncoding", "chrArab", "chrFren", "chrGerm",
        "chrGreek", "chrHbrw", "chrI2", "chrJapMulti", "chrJapMultiExplicitIR6",
        "chrKoreanMulti", "chrRuss",
    }  # fmt: skip


def test_every_character_set_file_imports_with_the_decoded_name(
    repository: SqlPatientRepository,
) -> None:
    report = import_dicom(CHARSET_FILES, repository)
    assert sorted(report.refused) == sorted(
        f"{path}: no Patient ID (0010,0020)"
        for path in CHARSET_FILES
        if path.name in WITHOUT_PATIENT_ID
    )
    checked = 0
    for path in CHARSET_FILES:
        if path.name in WITHOUT_PATIENT_ID:
            continue
        (patient,) = repository.find_patients(str(pydicom.dcmread(path).PatientID), "")
        assert patient.name == decoded_name(path), path.name
        checked += 1
    assert checked == len(CHARSET_FILES) - len(WITHOUT_PATIENT_ID)
    (japanese,) = repository.find_patients("H31EXAMPLE", "")
    assert japanese.name == PersonName("Yamada^Tarou", "山田^太郎", "やまだ^たろう")
    (korean,) = repository.find_patients("I2EXAMPLE", "")
    assert korean.name == PersonName("Hong^Gildong", "洪^吉洞", "홍^길동")
    assert import_dicom(CHARSET_FILES, repository).unchanged == report.added


def test_a_dicomdir_brings_the_instances_it_references(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    file_set = tmp_path / "fs"
    shutil.copytree(pydicom_file("DICOMDIR").parent, file_set)
    missing = file_set / "77654033" / "CR1" / "6154"
    missing.unlink()
    report = import_dicom([file_set / "DICOMDIR"], repository)
    lines = report.lines()
    assert lines[0] == f"note       {file_set / 'DICOMDIR'}: DICOMDIR: 31 instances referenced"
    assert report.refused == (f"{missing}: referenced by {file_set / 'DICOMDIR'} but missing",)
    assert [source.location for source in report.sources[2:]] == [
        "dicom:/77654033",
        "dicom:/98890234",
    ]
    assert [source.notes[0] for source in report.sources[2:]] == ["from 6 files", "from 24 files"]
    again = import_dicom([file_set], repository)  # the folder: each instance once
    assert again.unchanged == 2
    assert sum(s.notes[0].startswith("from") for s in again.sources if s.unchanged) == 2


def test_issuer_qualifiers_other_ids_and_further_attributes(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    dataset = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    dataset.PatientID = "MRN-1"
    dataset.IssuerOfPatientID = "HOSP"
    qualifier = Dataset()
    qualifier.UniversalEntityID = "1.2.3.4.5"
    qualifier.UniversalEntityIDType = "ISO"
    dataset.IssuerOfPatientIDQualifiersSequence = [qualifier]
    other, bad = Dataset(), Dataset()
    other.PatientID = "NAT-9"
    other.IssuerOfPatientID = "NATION"
    other.TypeOfPatientID = "TEXT"
    bad.IssuerOfPatientID = "NOBODY"
    dataset.OtherPatientIDsSequence = [other, bad]
    dataset.EthnicGroup = "Unknown"
    dataset.PatientComments = "walks with a cane"
    path = tmp_path / "qualified.dcm"
    dataset.save_as(path)
    report = import_dicom([path], repository)
    assert report.ok
    assert report.added == 1
    assert report.sources[0].notes == (
        "from 1 file",
        f"{path}: Other Patient IDs Sequence item 2: no Patient ID, dropped",
    )
    (patient,) = repository.find_patients("NAT-9", "NATION")
    assert patient.identifiers == (
        PatientIdentifier("MRN-1", "HOSP", "1.2.3.4.5", "ISO"),
        PatientIdentifier("NAT-9", "NATION"),
    )
    assert patient.identifiers[0].UniversalEntityIDType == "ISO"
    assert dict(patient.other_attributes) == {
        "EthnicGroup": "Unknown",
        "PatientAge": "000Y",  # CT_small carries these two
        "PatientComments": "walks with a cane",
        "PatientWeight": "0.000000",
    }


def falsely_deflated(path: Path) -> bytes:
    """The file with its Transfer Syntax UID changed to Deflated Explicit VR Little Endian
    while the data set stays uncompressed: the DICM header is fine, the content unreadable."""
    buffer = io.BytesIO()
    pydicom.dcmread(path).save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    explicit, deflated = b"1.2.840.10008.1.2.1\x00", b"1.2.840.10008.1.2.1.99"
    at = data.index(explicit)
    data = data[: at - 2] + struct.pack("<H", len(deflated)) + deflated + data[at + len(explicit) :]
    length_at = data.index(b"\x02\x00\x00\x00UL\x04\x00") + 8
    (length,) = struct.unpack("<I", data[length_at : length_at + 4])
    grown = struct.pack("<I", length + len(deflated) - len(explicit))
    return data[:length_at] + grown + data[length_at + 4 :]


def test_unreadable_missing_and_foreign_files_are_reported(
    tmp_path: Path, repository: SqlPatientRepository
) -> None:
    truncated = tmp_path / "corrupt.dcm"
    truncated.write_bytes(falsely_deflated(pydicom_file("CT_small.dcm")))
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM", encoding="utf-8")
    gone = tmp_path / "gone.dcm"
    report = import_dicom([truncated, text, gone, pydicom_file("CT_small.dcm")], repository)
    assert len(report.refused) == 2
    assert report.refused[0].startswith(f"{truncated}: cannot be read as DICOM: ")
    assert report.refused[1] == f"{gone}: no such file or folder"
    assert f"note       {text}: not a DICOM file, ignored" in report.lines()
    assert report.added == 1


def test_a_dry_run_writes_nothing(repository: SqlPatientRepository) -> None:
    report = import_dicom([pydicom_file("CT_small.dcm")], repository, dry_run=True)
    assert report.added == 1
    assert report.dry_run
    assert repository.find_patients("1CT1", "") == []


@pytest.mark.parametrize("name", ["MR_small.dcm", "rtplan.dcm", "JPEG2000.dcm"])
def test_other_composite_instances_give_their_patient(
    name: str, repository: SqlPatientRepository
) -> None:
    path = pydicom_file(name)
    report = import_dicom([path], repository)
    assert report.ok, report.lines()
    assert report.added == 1
    PatientID = str(pydicom.dcmread(path).PatientID)
    assert len(repository.find_patients(PatientID, None)) == 1


class RecordedProgress:
    """An ImportProgress that adds up what it hears."""

    def __init__(self) -> None:
        self.started: tuple[int, int] | None = None
        self.files = self.resources = self.size = 0

    def start(self, *, files: int, size: int) -> None:
        self.started = (files, size)

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None:
        self.files += files
        self.resources += resources
        self.size += size


def test_progress_hears_every_file_and_instance(repository: SqlPatientRepository) -> None:
    progress = RecordedProgress()
    files = [pydicom_file("CT_small.dcm"), pydicom_file("MR_small.dcm")]
    import_dicom(files, repository, progress=progress)
    size = sum(file.stat().st_size for file in files)
    assert progress.started == (2, size)
    assert (progress.files, progress.size, progress.resources) == (2, size, 2)
