"""``rpiq import fhir|dicom PATH... [--db URL]``: load patients into the database.

``fhir`` reads FHIR R4 bundles (files, or folders of ``*.json``), one bundle per transaction;
``dicom`` reads the Patient module of DICOM files (files or folders). Each source's outcome is
printed (refusals on stderr), then the totals. Exit status: 0 when everything loaded, 1 when any
source was refused (the others are still loaded), 2 on a database or settings error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rpiq.config import ImportSettings, IssuerRule, resolve_db_url
from rpiq.ingest.dicom_files import import_dicom
from rpiq.ingest.importer import import_fhir
from rpiq.ingest.report import ImportReport
from rpiq.store import open_repository

EXIT_REFUSED = 1
DB_HELP = "database URL (default: $RPIQ_DB, else sqlite:///rpiq.db)"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="load patients from FHIR R4 bundles or DICOM files",
        description="Load patients from FHIR R4 bundles (one bundle per transaction) or from "
        "the Patient module of DICOM files. Exit status: 0 everything loaded, 1 something was "
        "refused (the rest still loaded), 2 database or settings error.",
    )
    sources = parser.add_subparsers(dest="source", required=True, metavar="{fhir,dicom}")
    fhir = sources.add_parser("fhir", help="FHIR R4 transaction/collection bundles (*.json)")
    fhir.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    fhir.add_argument("--db", metavar="URL", help=DB_HELP)
    fhir.add_argument(
        "--issuer-rule",
        choices=[rule.value for rule in IssuerRule],
        default=IssuerRule.ASSIGNER_THEN_SYSTEM.value,
        help="how Patient.identifier becomes Issuer of Patient ID: assigner.display, else "
        "system (default); always system; or assigner.display only",
    )
    fhir.set_defaults(handler=_run_fhir)
    dicom = sources.add_parser("dicom", help="the Patient module of DICOM files")
    dicom.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    dicom.add_argument("--db", metavar="URL", help=DB_HELP)
    dicom.set_defaults(handler=_run_dicom)


def _run_fhir(args: argparse.Namespace) -> int:
    settings = ImportSettings(issuer_rule=IssuerRule(args.issuer_rule))
    with open_repository(resolve_db_url(args.db)) as repository:
        report = import_fhir(args.paths, repository, settings)
    return _print_report(report)


def _run_dicom(args: argparse.Namespace) -> int:
    with open_repository(resolve_db_url(args.db)) as repository:
        report = import_dicom(args.paths, repository)
    return _print_report(report)


def _print_report(report: ImportReport) -> int:
    for source in report.sources:
        print(source.line(), file=sys.stderr if source.refused is not None else sys.stdout)
    for line in report.lines()[len(report.sources) :]:
        print(line)
    return 0 if report.ok else EXIT_REFUSED
