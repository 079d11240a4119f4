"""DICOM files -> Patient module demographics in the repository.

Every file named, or found below a named folder (recursively, sorted), is read with pydicom up
to the pixel data. The Patient module attributes become one record per (Issuer of Patient ID,
Patient ID): Patient's Name with all three component groups (pydicom decodes them with the
file's Specific Character Set), Patient's Birth Date and Patient's Sex. The record's source is
``dicom:<IssuerOfPatientID>/<PatientID>``; it carries no clinical facts.

- Files of one patient collapse into one record; the first file (in path order) gives the
  demographics, and a disagreement between files is reported.
- When a record from another source (e.g. a FHIR import) already holds the identifier, it is
  left unchanged and the report says so: FHIR data is richer than an image header.
- A file that is not DICOM is reported and ignored; a DICOM file without a usable Patient ID
  is refused (reported, the other files still load). An invalid birth date or sex is dropped
  with a note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from rpiq.domain import DomainError, Patient, PatientIdentifier, PersonName
from rpiq.errors import ImportRefused
from rpiq.ingest.importer import expand_paths
from rpiq.ingest.report import ImportReport, SourceReport
from rpiq.store.repository import PatientRepository

PATIENT_MODULE_KEYWORDS = (
    "SpecificCharacterSet",
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "PatientBirthDate",
    "PatientSex",
)
_DA_PATTERN = re.compile(r"^\d{8}$")
_SEX_VALUES = frozenset({"M", "F", "O"})


@dataclass(frozen=True)
class DicomPatient:
    """The Patient module of one file, and anything dropped while reading it."""

    path: Path
    patient: Patient
    notes: tuple[str, ...] = ()


def import_dicom(paths: Sequence[Path], repository: PatientRepository) -> ImportReport:
    """Import the Patient module of DICOM files and folders; see the module docstring."""
    reports: list[SourceReport] = []
    groups: dict[PatientIdentifier, list[DicomPatient]] = {}
    for path, problem in expand_paths(paths, "*"):
        if problem is not None:
            reports.append(SourceReport(str(path), refused=f"{path}: {problem}"))
            continue
        try:
            found = read_dicom_patient(path)
        except InvalidDicomError:
            reports.append(SourceReport(str(path), notes=("not a DICOM file, ignored",)))
            continue
        except ImportRefused as exc:
            reports.append(SourceReport(exc.location, refused=str(exc)))
            continue
        groups.setdefault(found.patient.identifiers[0], []).append(found)
    reports.extend(_save_groups(list(groups.values()), repository))
    return ImportReport(tuple(reports))


def read_dicom_patient(path: Path) -> DicomPatient:
    """The Patient module of one file; raises ``InvalidDicomError`` for a non-DICOM file and
    :class:`ImportRefused` for a DICOM file without a usable Patient ID."""
    try:
        dataset = dcmread(path, stop_before_pixels=True, specific_tags=[*PATIENT_MODULE_KEYWORDS])
    except InvalidDicomError:
        raise
    except (OSError, ValueError, EOFError) as exc:
        raise ImportRefused(str(path), f"cannot be read as DICOM: {exc}") from exc
    PatientID = _text(dataset, "PatientID").strip()
    if not PatientID:
        raise ImportRefused(str(path), "no Patient ID (0010,0020)")
    IssuerOfPatientID = _text(dataset, "IssuerOfPatientID").strip()
    try:
        identifier = PatientIdentifier(PatientID, IssuerOfPatientID)
    except DomainError as exc:
        raise ImportRefused(str(path), str(exc)) from exc
    notes: list[str] = []
    patient = Patient(
        identifiers=(identifier,),
        name=_person_name(dataset),
        birth_date=_birth_date(dataset, notes),
        sex=_sex(dataset, notes),
        source=f"dicom:{IssuerOfPatientID}/{PatientID}",
    )
    return DicomPatient(path, patient, tuple(notes))


def _text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword)
    return "" if value is None else str(value)


def _person_name(dataset: Dataset) -> PersonName | None:
    value = dataset.get("PatientName")
    if value is None:
        return None
    groups = [*value.components, "", ""][:3]
    if not any(groups):
        return None
    return PersonName(groups[0], groups[1], groups[2])


def _birth_date(dataset: Dataset, notes: list[str]) -> str | None:
    value = _text(dataset, "PatientBirthDate").strip()
    if not value:
        return None
    if _DA_PATTERN.match(value):
        try:
            date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
        else:
            return value
    notes.append(f"invalid Patient's Birth Date {value!r} dropped")
    return None


def _sex(dataset: Dataset, notes: list[str]) -> str | None:
    value = _text(dataset, "PatientSex").strip().upper()
    if not value:
        return None
    if value in _SEX_VALUES:
        return value
    notes.append(f"invalid Patient's Sex {value!r} dropped")
    return None


def _save_groups(
    groups: list[list[DicomPatient]], repository: PatientRepository
) -> list[SourceReport]:
    """One record per identifier; records held by another source are left alone."""
    reports: list[SourceReport] = []
    to_save: list[tuple[Patient, tuple[str, ...]]] = []
    for group in groups:
        first = group[0]
        notes = _group_notes(group)
        identifier = first.patient.identifiers[0]
        others = [
            stored.source or "a record without source"
            for stored in repository.find_patients(
                identifier.PatientID, identifier.IssuerOfPatientID
            )
            if stored.source != first.patient.source
        ]
        if others:
            kept = f"left unchanged: already held by {', '.join(sorted(others))}"
            reports.append(SourceReport(first.patient.source or "", notes=(*notes, kept)))
        else:
            to_save.append((first.patient, notes))
    outcomes = repository.save_patients([patient for patient, _ in to_save]) if to_save else []
    for (patient, notes), outcome in zip(to_save, outcomes, strict=True):
        reports.append(SourceReport.from_outcomes(patient.source or "", [outcome], notes=notes))
    return reports


def _group_notes(group: list[DicomPatient]) -> tuple[str, ...]:
    first = group[0]
    notes = [f"from {len(group)} file{'s' if len(group) > 1 else ''}"]
    notes.extend(f"{item.path}: {note}" for item in group for note in item.notes)
    differing = [item.path for item in group[1:] if item.patient != first.patient]
    if differing:
        notes.append(
            f"{len(differing)} file(s) disagree on demographics; kept those of {first.path}"
        )
    return tuple(notes)
