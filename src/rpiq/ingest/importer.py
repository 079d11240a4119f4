"""FHIR files, folders and standard input -> the repository (``rpiq import fhir``).

Sources (:mod:`~rpiq.ingest.sources`): files, folders (``*.json``, ``*.ndjson``, either
``.gz``), ``-`` for standard input. Each source is parsed, then written:

- a **JSON document** is one Bundle (transaction, batch, collection, searchset, document):
  one unit, one transaction, loaded whole or refused whole
  (:mod:`~rpiq.ingest.fhir_bundle`);
- every **NDJSON** source of the run forms one Bulk Data export: one unit per patient, each
  bad line refused alone (:mod:`~rpiq.ingest.fhir_ndjson`).

Units are written by :func:`~rpiq.ingest.fhir_apply.apply_unit` (merged into the stored
records: re-importing the same data reports every patient ``unchanged``). A source that
cannot be read, is not JSON or is not an accepted Bundle is refused with a message naming it;
the others still load. ``dry_run`` checks everything against the database and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from rpiq.config import ImportSettings
from rpiq.errors import ImportRefused
from rpiq.ingest.fhir_apply import apply_unit
from rpiq.ingest.fhir_bundle import read_unit
from rpiq.ingest.fhir_ndjson import read_export
from rpiq.ingest.report import ImportReport, SourceReport
from rpiq.ingest.sources import FhirSource, find_sources
from rpiq.store.repository import ImportRepository


def import_fhir(
    paths: Sequence[Path],
    repository: ImportRepository,
    settings: ImportSettings | None = None,
    *,
    dry_run: bool = False,
    stdin: BinaryIO | None = None,
) -> ImportReport:
    """Import FHIR files, folders and ``-`` (read from ``stdin``); see the module docstring."""
    settings = settings or ImportSettings()
    reports: list[SourceReport] = []
    ndjson: list[tuple[str, bytes]] = []
    for source in find_sources(paths, stdin):
        try:
            data = source.read()
        except ImportRefused as exc:
            reports.append(_refused(exc))
            continue
        if source.kind(data) == "ndjson":
            ndjson.append((source.location, data))
        else:
            reports.append(_import_json(source, data, repository, settings, dry_run))
    if ndjson:
        reports.extend(import_ndjson(ndjson, repository, settings, dry_run=dry_run))
    return ImportReport(tuple(reports), dry_run=dry_run)


def import_documents(
    documents: Iterable[tuple[str, object]],
    repository: ImportRepository,
    settings: ImportSettings | None = None,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Import already-parsed bundles, given as (location, JSON document) pairs."""
    settings = settings or ImportSettings()
    return ImportReport(
        tuple(
            import_document(location, document, repository, settings, dry_run=dry_run)
            for location, document in documents
        ),
        dry_run=dry_run,
    )


def import_document(
    location: str,
    document: object,
    repository: ImportRepository,
    settings: ImportSettings,
    *,
    dry_run: bool = False,
) -> SourceReport:
    """Import one bundle in one transaction, or refuse it whole."""
    try:
        unit = read_unit(document, location, settings)
    except ImportRefused as exc:
        return _refused(exc)
    if not unit.changes and not unit.deleted_patients and not unit.deleted_resources:
        return SourceReport(location, notes=("no Patient in this bundle",), skipped=unit.skipped)
    return apply_unit(unit, repository, dry_run=dry_run)


def import_ndjson(
    files: Sequence[tuple[str, bytes]],
    repository: ImportRepository,
    settings: ImportSettings,
    *,
    dry_run: bool = False,
) -> list[SourceReport]:
    """Import NDJSON contents (location, bytes) as one export: a report for the export
    (lines read, skipped counts), one per refused line, one per patient unit."""
    export = read_export(files, settings)
    noun = "line" if export.lines == 1 else "lines"
    reports = [
        SourceReport(
            export.name,
            notes=(f"NDJSON export: {export.lines} resource {noun} in {len(files)} file(s)",),
            skipped=export.skipped,
        )
    ]
    reports.extend(_refused(error) for error in export.refused)
    reports.extend(apply_unit(unit, repository, dry_run=dry_run) for unit in export.units)
    return reports


def expand_paths(paths: Sequence[Path], pattern: str) -> list[tuple[Path, str | None]]:
    """Files named or found below named folders (``pattern``, recursively, sorted), each with
    ``None`` or the reason it cannot be used (used by the DICOM importer)."""
    found: list[tuple[Path, str | None]] = []
    for path in paths:
        if path.is_dir():
            found.extend((file, None) for file in sorted(path.rglob(pattern)) if file.is_file())
        elif path.is_file():
            found.append((path, None))
        else:
            found.append((path, "no such file or folder"))
    return found


def _import_json(
    source: FhirSource,
    data: bytes,
    repository: ImportRepository,
    settings: ImportSettings,
    dry_run: bool,
) -> SourceReport:
    try:
        document = json.loads(data)
    except ValueError as exc:
        return _refused(ImportRefused(source.location, f"not JSON: {exc}"))
    return import_document(source.location, document, repository, settings, dry_run=dry_run)


def _refused(error: ImportRefused) -> SourceReport:
    return SourceReport(error.location, refused=str(error))
