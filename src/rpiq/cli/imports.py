"""``rpiq import fhir|dicom PATH... [--db URL]``: load patients into the database.

``fhir`` reads FHIR R4 bundles (transaction, batch, collection, searchset, document/IPS) and
Bulk Data NDJSON exports: files, folders (``*.json``, ``*.ndjson``, also ``.gz``) or ``-`` for
standard input; one bundle, or one NDJSON patient, is one unit, loaded or refused whole
(``docs/fhir-mapping.md``); units are written in batches of many per transaction
(:mod:`rpiq.ingest.importer`).
``--issuer-map FILE.toml`` maps identifier systems to Issuer of Patient ID values (and
qualifiers); ``--dry-run`` checks everything against the database and writes nothing.
``dicom`` reads the Patient module of DICOM files (files or folders; ``--dry-run`` too). Each
source's outcome is printed (refusals on stderr), then the totals. Exit status: 0 when
everything loaded, 1 when any source was refused (the others are still loaded), 2 on a database
or settings error. The importers and the database layer are imported when the command runs.

On a terminal, a progress bar (rich, on stderr) shows files and resources done, resources/s
and the time left (by bytes read); it is left out when stderr is not a terminal or with
``--no-progress``, and the printed lines are the same either way.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpiq.config import ImportSettings, IssuerRule, load_issuer_map, resolve_db_url

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from rpiq.ingest.report import ImportProgress, ImportReport

EXIT_REFUSED = 1
DB_HELP = "database URL (default: $RPIQ_DB, else sqlite:///rpiq.db)"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="load patients from FHIR R4 (bundles, IPS, NDJSON) or DICOM files",
        description="Load patients from FHIR R4 bundles, IPS documents and Bulk Data NDJSON "
        "(each bundle, or NDJSON patient, loaded or refused whole; written in batches) or "
        "from the Patient module of DICOM files. Exit status: 0 everything loaded, 1 something "
        "was refused (the rest still loaded), 2 database or settings error.",
    )
    sources = parser.add_subparsers(dest="source", required=True, metavar="{fhir,dicom}")
    _add_fhir(sources)
    dicom = sources.add_parser("dicom", help="the Patient module of DICOM files")
    dicom.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    dicom.add_argument("--db", metavar="URL", help=DB_HELP)
    dicom.add_argument(
        "--dry-run",
        action="store_true",
        help="read, check and report against the database without writing anything",
    )
    _add_no_progress(dicom)
    dicom.set_defaults(handler=_run_dicom)


def _add_no_progress(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (there is none anyway when stderr is not a terminal)",
    )


def _add_fhir(sources: Any) -> None:
    fhir = sources.add_parser(
        "fhir", help="FHIR R4 bundles, IPS documents and NDJSON exports (also .gz, - for stdin)"
    )
    fhir.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="file, folder, or - (standard input)"
    )
    fhir.add_argument("--db", metavar="URL", help=DB_HELP)
    fhir.add_argument(
        "--issuer-map",
        type=Path,
        metavar="FILE",
        help="TOML file with an [issuers] table: identifier system = issuer, or = { issuer, "
        "universal_entity_id, universal_entity_id_type }; mapped systems ignore --issuer-rule",
    )
    fhir.add_argument(
        "--dry-run",
        action="store_true",
        help="read, check and report against the database without writing anything",
    )
    fhir.add_argument(
        "--issuer-rule",
        choices=[rule.value for rule in IssuerRule],
        default=IssuerRule.ASSIGNER_THEN_SYSTEM.value,
        help="how Patient.identifier becomes Issuer of Patient ID: assigner.display, else "
        "system (default); always system; or assigner.display only",
    )
    _add_no_progress(fhir)
    fhir.set_defaults(handler=_run_fhir)


def _run_fhir(args: argparse.Namespace) -> int:
    from rpiq.ingest.importer import import_fhir  # noqa: PLC0415 - heavy, imported on use
    from rpiq.store import open_repository  # noqa: PLC0415 - same

    issuer_map = load_issuer_map(args.issuer_map) if args.issuer_map is not None else ()
    settings = ImportSettings(issuer_rule=IssuerRule(args.issuer_rule), issuer_map=issuer_map)
    with (
        open_repository(resolve_db_url(args.db)) as repository,
        import_progress(enabled=not args.no_progress) as progress,
    ):
        report = import_fhir(
            args.paths,
            repository,
            settings,
            dry_run=args.dry_run,
            stdin=getattr(sys.stdin, "buffer", None),  # None when there is no stdin at all
            progress=progress,
        )
    return _print_report(report)


def _run_dicom(args: argparse.Namespace) -> int:
    from rpiq.ingest.dicom_files import import_dicom  # noqa: PLC0415 - heavy, imported on use
    from rpiq.store import open_repository  # noqa: PLC0415 - same

    with (
        open_repository(resolve_db_url(args.db)) as repository,
        import_progress(enabled=not args.no_progress) as progress,
    ):
        report = import_dicom(args.paths, repository, dry_run=args.dry_run, progress=progress)
    return _print_report(report)


def _print_report(report: ImportReport) -> int:
    for source in report.sources:
        line = source.line(dry_run=report.dry_run)
        print(line, file=sys.stderr if source.refused is not None else sys.stdout)
    for line in report.lines()[len(report.sources) :]:
        print(line)
    return 0 if report.ok else EXIT_REFUSED


@contextmanager
def import_progress(*, enabled: bool, label: str = "importing") -> Iterator[ImportProgress]:
    """A rich progress bar on stderr when ``enabled`` and stderr is a terminal, else nothing
    (:data:`~rpiq.ingest.report.NO_PROGRESS`); the bar is removed when the block ends."""
    from rpiq.ingest.report import NO_PROGRESS  # noqa: PLC0415 - with the importers

    if not enabled or not sys.stderr.isatty():
        yield NO_PROGRESS
        return
    with progress_bar("files") as bar:
        yield _BarProgress(bar, label)


@contextmanager
def progress_bar(unit: str) -> Iterator[Progress]:
    """A transient rich progress bar on stderr: bar, percentage, ``done/total unit``,
    resources done and resources/s, time left (also used by ``rpiq synth``)."""
    from rich.console import Console  # noqa: PLC0415 - only drawn on a terminal
    from rich.progress import (  # noqa: PLC0415 - same
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[done]:,}/{task.fields[of]} " + unit),
        TextColumn("{task.fields[resources]:,} resources"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        yield bar


def resource_rate(resources: int, elapsed: float | None) -> str:
    """``12,345 resources/s`` (blank until something was done)."""
    if not resources or not elapsed:
        return ""
    return f"{resources / elapsed:,.0f} resources/s"


class _BarProgress:
    """An :class:`~rpiq.ingest.report.ImportProgress` drawing a rich bar (by bytes)."""

    def __init__(self, bar: Progress, label: str) -> None:
        self._bar = bar
        self._label = label
        self._task: TaskID | None = None
        self._files = 0
        self._resources = 0
        self._started = time.monotonic()

    def start(self, *, files: int, size: int) -> None:
        self._started = time.monotonic()
        self._task = self._bar.add_task(
            self._label, total=size or None, done=0, of=files or "?", resources=0, rate=""
        )

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None:
        if self._task is None:
            return
        self._files += files
        self._resources += resources
        elapsed = time.monotonic() - self._started
        self._bar.update(
            self._task,
            advance=size,
            done=self._files,
            resources=self._resources,
            rate=resource_rate(self._resources, elapsed),
        )
