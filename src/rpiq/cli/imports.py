"""``rpiq import fhir|dicom PATH... [--db URL]``: load patients into the database.

``fhir`` reads FHIR R4 bundles (transaction, batch, collection, searchset, document/IPS) and
Bulk Data NDJSON exports: files, folders (``*.json``, ``*.ndjson``, also ``.gz``) or ``-`` for
standard input; one bundle, or one NDJSON patient, is one transaction (``docs/fhir-mapping.md``).
``--issuer-map FILE.toml`` maps identifier systems to Issuer of Patient ID values (and
qualifiers); ``--dry-run`` checks everything against the database and writes nothing.
``dicom`` reads the Patient module of DICOM files (files or folders). Each source's outcome is
printed (refusals on stderr), then the totals. Exit status: 0 when everything loaded, 1 when any
source was refused (the others are still loaded), 2 on a database or settings error. The
importers and the database layer are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpiq.config import ImportSettings, IssuerRule, load_issuer_map, resolve_db_url

if TYPE_CHECKING:
    from rpiq.ingest.report import ImportReport

EXIT_REFUSED = 1
DB_HELP = "database URL (default: $RPIQ_DB, else sqlite:///rpiq.db)"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="load patients from FHIR R4 (bundles, IPS, NDJSON) or DICOM files",
        description="Load patients from FHIR R4 bundles, IPS documents and Bulk Data NDJSON "
        "(one bundle, or one NDJSON patient, per transaction) or from the Patient module of "
        "DICOM files. Exit status: 0 everything loaded, 1 something was "
        "refused (the rest still loaded), 2 database or settings error.",
    )
    sources = parser.add_subparsers(dest="source", required=True, metavar="{fhir,dicom}")
    _add_fhir(sources)
    dicom = sources.add_parser("dicom", help="the Patient module of DICOM files")
    dicom.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    dicom.add_argument("--db", metavar="URL", help=DB_HELP)
    dicom.set_defaults(handler=_run_dicom)


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
    fhir.set_defaults(handler=_run_fhir)


def _run_fhir(args: argparse.Namespace) -> int:
    from rpiq.ingest.importer import import_fhir  # noqa: PLC0415 - heavy, imported on use
    from rpiq.store import open_repository  # noqa: PLC0415 - same

    issuer_map = load_issuer_map(args.issuer_map) if args.issuer_map is not None else ()
    settings = ImportSettings(issuer_rule=IssuerRule(args.issuer_rule), issuer_map=issuer_map)
    with open_repository(resolve_db_url(args.db)) as repository:
        report = import_fhir(
            args.paths,
            repository,
            settings,
            dry_run=args.dry_run,
            stdin=getattr(sys.stdin, "buffer", None),  # None when there is no stdin at all
        )
    return _print_report(report)


def _run_dicom(args: argparse.Namespace) -> int:
    from rpiq.ingest.dicom_files import import_dicom  # noqa: PLC0415 - heavy, imported on use
    from rpiq.store import open_repository  # noqa: PLC0415 - same

    with open_repository(resolve_db_url(args.db)) as repository:
        report = import_dicom(args.paths, repository)
    return _print_report(report)


def _print_report(report: ImportReport) -> int:
    for source in report.sources:
        line = source.line(dry_run=report.dry_run)
        print(line, file=sys.stderr if source.refused is not None else sys.stdout)
    for line in report.lines()[len(report.sources) :]:
        print(line)
    return 0 if report.ok else EXIT_REFUSED
