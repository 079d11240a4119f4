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

Parsing is done before writing, so a refused unit never holds a write lock; then **batches**
of units (about :data:`BATCH_RESOURCES` resources, or :data:`BATCH_UNITS` units) are written in
one database transaction when the repository can (:meth:`SqlPatientRepository.batch
<rpiq.store.sql.SqlPatientRepository.batch>`): every unit is still decided and refused on its
own (a refused unit writes nothing), the lookups for the whole batch are one query per few
hundred keys, and the inserts are a few ``executemany`` statements. Should a batch fail in the
database, it is rolled back whole and its units are written again one transaction each, as
without batching, so that one bad unit costs only itself. ``progress`` hears about every file
and unit (:class:`~rpiq.ingest.report.ImportProgress`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, overload, runtime_checkable

from rpiq.config import ImportSettings
from rpiq.domain import PatientIdentifier
from rpiq.errors import ImportRefused, StoreError
from rpiq.ingest.fhir_apply import apply_unit
from rpiq.ingest.fhir_bundle import read_unit
from rpiq.ingest.fhir_ndjson import read_export
from rpiq.ingest.fhir_unit import FhirUnit, source_of
from rpiq.ingest.report import NO_PROGRESS, ImportProgress, ImportReport, SourceReport
from rpiq.ingest.sources import FhirSource, find_sources
from rpiq.store.repository import ImportRepository

BATCH_RESOURCES = 5_000
"""Resources per write batch (about a second of work; bounds memory and lock time)."""
BATCH_UNITS = 500
"""Units (bundles, NDJSON patients) per write batch at most."""


class PrefetchingRepository(ImportRepository, Protocol):
    """A repository inside a batch: it can read ahead what the coming units name."""

    def prefetch(
        self, identifiers: Iterable[PatientIdentifier], sources: Iterable[str]
    ) -> None: ...


@runtime_checkable
class BatchingRepository(Protocol):
    """A repository that can run many units of work in one transaction."""

    def batch(self, *, dry_run: bool = False) -> AbstractContextManager[PrefetchingRepository]:
        """One transaction for many units (see :class:`rpiq.store.sql_batch.SqlBatch`)."""
        ...


@dataclass
class _Writer:
    """Units waiting to be written in one batch; reports land in ``reports`` in order."""

    repository: ImportRepository
    dry_run: bool
    progress: ImportProgress
    batch_resources: int = BATCH_RESOURCES
    reports: list[SourceReport | None] = field(default_factory=list)
    units: list[tuple[int, FhirUnit, int, int]] = field(default_factory=list)
    resources: int = 0

    def report(self, report: SourceReport, *, files: int = 0, size: int = 0) -> None:
        self.reports.append(report)
        self.progress.advance(files=files, size=size)

    def add(self, unit: FhirUnit, *, files: int = 0, size: int = 0) -> None:
        """Queue a unit (``files``/``size``: the progress its write completes)."""
        self.reports.append(None)
        self.units.append((len(self.reports) - 1, unit, files, size))
        self.resources += unit.resources
        if self.resources >= self.batch_resources or len(self.units) >= BATCH_UNITS:
            self.flush()

    def flush(self) -> None:
        units, self.units, self.resources = self.units, [], 0
        if not units:
            return
        reports = write_units([unit for _, unit, _, _ in units], self.repository, self.dry_run)
        for (slot, unit, files, size), report in zip(units, reports, strict=True):
            self.reports[slot] = report
            self.progress.advance(files=files, resources=unit.resources, size=size)

    def done(self) -> list[SourceReport]:
        self.flush()
        return [report for report in self.reports if report is not None]


def import_fhir(
    paths: Sequence[Path],
    repository: ImportRepository,
    settings: ImportSettings | None = None,
    *,
    dry_run: bool = False,
    stdin: BinaryIO | None = None,
    progress: ImportProgress = NO_PROGRESS,
    batch_resources: int = BATCH_RESOURCES,
) -> ImportReport:
    """Import FHIR files, folders and ``-`` (read from ``stdin``); see the module docstring.
    ``batch_resources``: about how many resources one write transaction takes (1: a
    transaction per unit, as without batching)."""
    settings = settings or ImportSettings()
    sources = find_sources(paths, stdin)
    sizes = [_size(source) for source in sources]
    progress.start(files=len(sources), size=sum(sizes))
    writer = _Writer(repository, dry_run, progress, batch_resources)
    ndjson = _load_json_collect_ndjson(writer, sources, sizes, settings)
    reports = writer.done()
    if ndjson:
        reports.extend(
            import_ndjson(
                ndjson,
                repository,
                settings,
                dry_run=dry_run,
                progress=progress,
                size=ndjson.size,
                batch_resources=batch_resources,
            )
        )
    return ImportReport(tuple(reports), dry_run=dry_run)


class _NdjsonFiles(Sequence[tuple[str, bytes]]):
    """The NDJSON files of one export as (location, content), each file read again whenever
    it is asked for, so that the export holds one file's content at a time (reading takes
    two passes); standard input and gzip files are kept in memory instead. A file that can
    no longer be read is empty, and its first error is kept in :attr:`failures`."""

    def __init__(self) -> None:
        self._files: list[tuple[FhirSource, bytes | None]] = []
        self.size = 0
        self.failures: dict[int, ImportRefused] = {}

    def add(self, source: FhirSource, data: bytes, size: int) -> None:
        self._files.append((source, None if _rereadable(source, data) else data))
        self.size += size

    def __len__(self) -> int:
        return len(self._files)

    @overload
    def __getitem__(self, index: int) -> tuple[str, bytes]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, bytes]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, bytes] | Sequence[tuple[str, bytes]]:
        if isinstance(index, slice):
            return [self[one] for one in range(len(self))[index]]
        source, data = self._files[index]
        if data is None:
            try:
                data = source.read()
            except ImportRefused as exc:
                self.failures.setdefault(index, exc)
                data = b""
        return source.location, data


def _rereadable(source: FhirSource, data: bytes) -> bool:
    """Whether to read ``source`` again rather than keep ``data``: a file, not gzip (reading
    it again would decompress it again)."""
    return (
        source.path is not None
        and source.data is None
        and source.path.suffix != ".gz"
        and (_size(source) == len(data))
    )


def _load_json_collect_ndjson(
    writer: _Writer, sources: Sequence[FhirSource], sizes: Sequence[int], settings: ImportSettings
) -> _NdjsonFiles:
    """Queue every JSON document's unit; return the NDJSON sources, which form one export
    read after them."""
    ndjson = _NdjsonFiles()
    for source, size in zip(sources, sizes, strict=True):
        try:
            data = source.read()
        except ImportRefused as exc:
            writer.report(_refused(exc), files=1, size=size)
            continue
        if source.kind(data) == "ndjson":
            ndjson.add(source, data, size)
            writer.progress.advance(files=1)
        else:
            _queue_json(writer, source.location, data, settings, size)
        del data  # an NDJSON file is read again when its export is read
    return ndjson


def write_units(
    units: Sequence[FhirUnit], repository: ImportRepository, dry_run: bool
) -> list[SourceReport]:
    """Write units, in one batch transaction when the repository can (module docstring)."""
    if len(units) > 1 and isinstance(repository, BatchingRepository):
        try:
            with repository.batch(dry_run=dry_run) as batch:
                batch.prefetch(*_named(units))
                return [apply_unit(unit, batch, dry_run=dry_run) for unit in units]
        except StoreError:
            pass  # rolled back whole: write them one by one below
    return [apply_unit(unit, repository, dry_run=dry_run) for unit in units]


def _named(units: Sequence[FhirUnit]) -> tuple[list[PatientIdentifier], list[str]]:
    """The identifiers and record sources the units name (what a batch reads ahead)."""
    identifiers: list[PatientIdentifier] = []
    sources: list[str] = []
    for unit in units:
        sources.extend(map(source_of, unit.deleted_patients))
        for change in unit.changes:
            sources.append(change.source)
            sources.extend(map(source_of, change.absorbed))
            if change.patient is not None:
                identifiers.extend(change.patient.identifiers)
    return identifiers, sources


def import_documents(
    documents: Iterable[tuple[str, object]],
    repository: ImportRepository,
    settings: ImportSettings | None = None,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Import already-parsed bundles, given as (location, JSON document) pairs."""
    settings = settings or ImportSettings()
    writer = _Writer(repository, dry_run, NO_PROGRESS)
    for location, document in documents:
        _queue_document(writer, location, document, settings, 0)
    return ImportReport(tuple(writer.done()), dry_run=dry_run)


def import_document(
    location: str,
    document: object,
    repository: ImportRepository,
    settings: ImportSettings,
    *,
    dry_run: bool = False,
) -> SourceReport:
    """Import one bundle in one transaction, or refuse it whole."""
    writer = _Writer(repository, dry_run, NO_PROGRESS)
    _queue_document(writer, location, document, settings, 0)
    (report,) = writer.done()
    return report


def import_ndjson(
    files: Sequence[tuple[str, bytes]],
    repository: ImportRepository,
    settings: ImportSettings,
    *,
    dry_run: bool = False,
    progress: ImportProgress = NO_PROGRESS,
    size: int = 0,
    batch_resources: int = BATCH_RESOURCES,
) -> list[SourceReport]:
    """Import NDJSON contents (location, bytes) as one export: a report for the export
    (lines read, skipped counts), one per refused line, one per patient unit. ``size``: the
    bytes these files count for in ``progress`` (advanced as the units are written)."""
    writer = _Writer(repository, dry_run, progress, batch_resources)
    units = _read_export(writer, files, settings)
    shares = _shares(size, units)
    for index, share in enumerate(shares):
        unit, units[index] = units[index], None  # written units are freed batch by batch
        if unit is not None:
            writer.add(unit, size=share)
    if not shares:
        progress.advance(size=size)
    return writer.done()


def _read_export(
    writer: _Writer, files: Sequence[tuple[str, bytes]], settings: ImportSettings
) -> list[FhirUnit | None]:
    """Read the export, report it and its refused lines; its units, to be written."""
    name = files[0][0] if len(files) == 1 else f"{len(files)} NDJSON files"
    export = read_export(files, settings, name)
    noun = "line" if export.lines == 1 else "lines"
    writer.report(
        SourceReport(
            export.name,
            notes=(f"NDJSON export: {export.lines} resource {noun} in {len(files)} file(s)",),
            skipped=export.skipped,
        )
    )
    for error in export.refused:
        writer.report(_refused(error))
    if isinstance(files, _NdjsonFiles):
        for error in files.failures.values():
            writer.report(_refused(error))
    return list(export.units)


def _shares(size: int, units: Sequence[FhirUnit | None]) -> list[int]:
    """``size`` spread over the units by their resources (summing to ``size`` exactly)."""
    resources = [0 if unit is None else unit.resources for unit in units]
    total = sum(resources) or 1
    shares: list[int] = []
    done = running = 0
    for count in resources:
        running += count
        shares.append(size * running // total - done)
        done += shares[-1]
    if shares:
        shares[-1] += size - done
    return shares


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


def _queue_json(
    writer: _Writer, location: str, data: bytes, settings: ImportSettings, size: int
) -> None:
    try:
        document = json.loads(data)
    except ValueError as exc:
        writer.report(_refused(ImportRefused(location, f"not JSON: {exc}")), files=1, size=size)
        return
    _queue_document(writer, location, document, settings, size)


def _queue_document(
    writer: _Writer, location: str, document: object, settings: ImportSettings, size: int
) -> None:
    """Parse one bundle and queue its unit (or report it refused, or without patients)."""
    try:
        unit = read_unit(document, location, settings)
    except ImportRefused as exc:
        writer.report(_refused(exc), files=1, size=size)
        return
    if not unit.changes and not unit.deleted_patients and not unit.deleted_resources:
        report = SourceReport(location, notes=("no Patient in this bundle",), skipped=unit.skipped)
        writer.report(report, files=1, size=size)
        return
    writer.add(unit, files=1, size=size)


def _size(source: FhirSource) -> int:
    """Bytes of a source as stored (for progress); 0 when unknown."""
    if source.data is not None:
        return len(source.data)
    try:
        return source.path.stat().st_size if source.path is not None else 0
    except OSError:
        return 0


def _refused(error: ImportRefused) -> SourceReport:
    return SourceReport(error.location, refused=str(error))
