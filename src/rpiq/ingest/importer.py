"""FHIR files and folders -> the repository, one bundle per transaction.

A folder stands for every ``*.json`` file below it (recursively, sorted by path). Each file is
one bundle and one :meth:`~rpiq.store.repository.PatientRepository.save_patients` call: it loads
whole or not at all. A file that cannot be read, is not JSON, is not an accepted Bundle or holds
an invalid resource is refused with a message naming it (and the resource); the other files
still load. Saving the same data again reports every patient ``unchanged``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from rpiq.config import ImportSettings
from rpiq.errors import ImportRefused
from rpiq.ingest.fhir_bundle import read_bundle
from rpiq.ingest.report import ImportReport, SourceReport
from rpiq.store.repository import PatientRepository


def import_fhir(
    paths: Sequence[Path],
    repository: PatientRepository,
    settings: ImportSettings | None = None,
) -> ImportReport:
    """Import FHIR bundle files and folders; see the module docstring."""
    settings = settings or ImportSettings()
    reports: list[SourceReport] = []
    for path, problem in expand_paths(paths, "*.json"):
        if problem is not None:
            reports.append(_refused(ImportRefused(str(path), problem)))
        else:
            reports.append(_import_file(path, repository, settings))
    return ImportReport(tuple(reports))


def import_documents(
    documents: Iterable[tuple[str, object]],
    repository: PatientRepository,
    settings: ImportSettings | None = None,
) -> ImportReport:
    """Import already-parsed bundles, given as (location, JSON document) pairs."""
    settings = settings or ImportSettings()
    return ImportReport(
        tuple(
            import_document(location, document, repository, settings)
            for location, document in documents
        )
    )


def import_document(
    location: str, document: object, repository: PatientRepository, settings: ImportSettings
) -> SourceReport:
    """Import one bundle in one transaction, or refuse it whole."""
    try:
        parsed = read_bundle(document, location, settings)
    except ImportRefused as exc:
        return _refused(exc)
    if not parsed.patients:
        return SourceReport(location, notes=("no Patient in this bundle",), skipped=parsed.skipped)
    outcomes = repository.save_patients(parsed.patients)
    return SourceReport.from_outcomes(location, outcomes, parsed.skipped)


def expand_paths(paths: Sequence[Path], pattern: str) -> list[tuple[Path, str | None]]:
    """Files named or found below named folders (``pattern``, recursively, sorted), each with
    ``None`` or the reason it cannot be used."""
    found: list[tuple[Path, str | None]] = []
    for path in paths:
        if path.is_dir():
            found.extend((file, None) for file in sorted(path.rglob(pattern)) if file.is_file())
        elif path.is_file():
            found.append((path, None))
        else:
            found.append((path, "no such file or folder"))
    return found


def _import_file(
    path: Path, repository: PatientRepository, settings: ImportSettings
) -> SourceReport:
    location = str(path)
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        return _refused(ImportRefused(location, f"cannot be read: {exc.strerror or exc}"))
    except ValueError as exc:
        return _refused(ImportRefused(location, f"not JSON: {exc}"))
    return import_document(location, document, repository, settings)


def _refused(error: ImportRefused) -> SourceReport:
    return SourceReport(error.location, refused=str(error))
