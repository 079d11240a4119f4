"""DICOM files, folders and File-sets -> the instances to index (``rpiq import dicom``).

Every path named is a file or a folder; folders are walked recursively (sorted, so reports and
"the first file" are stable). A file is read with pydicom up to the Pixel Data, and only the
elements the importer uses (:data:`READ_KEYWORDS`). Then:

- a **DICOMDIR** (Media Storage Directory, PS3.10) is not an instance: it is expanded into the
  files its directory records reference (Referenced File ID), each read like a named file
  and reported once even when the folder walk finds it too; a referenced file that is missing
  is reported;
- a file that is **not DICOM** (no preamble and no recognisable data set) is reported with a
  note and ignored;
- a file that is DICOM but **cannot be read** (truncated, corrupt) is refused with the reason.

:func:`find_instances` yields :class:`FoundInstance` s in that order; reading never raises.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from rpiq.ingest.dicom_patient import PATIENT_KEYWORDS

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
"""SOP Class UID of a DICOMDIR (Media Storage Directory Storage)."""


READ_KEYWORDS = (
    "SpecificCharacterSet",
    "SOPClassUID",
    "SOPInstanceUID",
    *PATIENT_KEYWORDS,
    "ValueType",
    "ConceptNameCodeSequence",
    "ContentTemplateSequence",
    "ContinuityOfContent",
    "ContentSequence",
    "DirectoryRecordSequence",
)
"""What the importer reads of a file (the Patient module, the SR root and its content, a
DICOMDIR's records): an image's other thousands of elements are skipped unparsed."""


@dataclass(frozen=True)
class FoundInstance:
    """One file: its data set, or why there is none. ``refused`` is a reason the file cannot
    be used (reported as a refusal); ``note`` says why it was skipped without loss (not
    DICOM, a DICOMDIR expanded)."""

    location: str
    dataset: Dataset | None = None
    refused: str | None = None
    note: str | None = None


def files_below(paths: Sequence[Path]) -> list[Path]:
    """The files :func:`find_instances` will read first (before any DICOMDIR expansion)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(file for file in path.rglob("*") if file.is_file()))
        elif path.is_file():
            found.append(path)
    return found


def find_instances(paths: Sequence[Path]) -> Iterator[FoundInstance]:
    """The instances below ``paths`` (module docstring), each file once."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            files = sorted(found for found in path.rglob("*") if found.is_file())
        elif path.is_file():
            files = [path]
        else:
            yield FoundInstance(str(path), refused=f"{path}: no such file or folder")
            continue
        for file in files:
            yield from _read_once(file, seen)


def _read_once(file: Path, seen: set[Path]) -> Iterator[FoundInstance]:
    key = file.resolve()
    if key in seen:
        return
    seen.add(key)
    found = read_instance(file)
    dataset = found.dataset
    if dataset is None or not is_dicomdir(dataset):
        yield found
        return
    yield from _file_set(file, dataset, seen)


def read_instance(file: Path) -> FoundInstance:
    """One file read up to its Pixel Data; never raises."""
    location = str(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what pydicom tolerates, the importer does too
            dataset = dcmread(file, stop_before_pixels=True, specific_tags=list(READ_KEYWORDS))
    except InvalidDicomError:
        return FoundInstance(location, note="not a DICOM file, ignored")
    except Exception as exc:  # noqa: BLE001 - any reader failure is this file's refusal
        return FoundInstance(location, refused=f"{location}: cannot be read as DICOM: {exc}")
    return FoundInstance(location, dataset)


def is_dicomdir(dataset: Dataset) -> bool:
    """Whether the data set is a DICOMDIR (by its SOP class or its directory records)."""
    meta = getattr(dataset, "file_meta", None)
    sop_class = str(meta.get("MediaStorageSOPClassUID", "")) if meta is not None else ""
    return sop_class == MEDIA_STORAGE_DIRECTORY or "DirectoryRecordSequence" in dataset


def referenced_files(file: Path, dicomdir: Dataset) -> list[Path]:
    """The files a DICOMDIR's directory records reference (Referenced File ID, PS3.10 8.5:
    path components relative to the DICOMDIR's folder), in record order, each once."""
    found: dict[Path, None] = {}
    for record in dicomdir.get("DirectoryRecordSequence") or ():
        file_id = record.get("ReferencedFileID")
        if not file_id:
            continue
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        found.setdefault(file.parent.joinpath(*(str(part) for part in parts)), None)
    return list(found)


def _file_set(file: Path, dicomdir: Dataset, seen: set[Path]) -> Iterator[FoundInstance]:
    """The instances a DICOMDIR references, after a note for the DICOMDIR itself."""
    try:
        referenced = referenced_files(file, dicomdir)
    except Exception as exc:  # noqa: BLE001 - a bad DICOMDIR is refused, the walk goes on
        yield FoundInstance(str(file), refused=f"{file}: DICOMDIR cannot be read: {exc}")
        return
    noun = "instance" if len(referenced) == 1 else "instances"
    yield FoundInstance(str(file), note=f"DICOMDIR: {len(referenced)} {noun} referenced")
    for path in referenced:
        if not path.is_file():
            yield FoundInstance(str(path), refused=f"{path}: referenced by {file} but missing")
            seen.add(path.resolve())
            continue
        yield from _read_once(path, seen)
