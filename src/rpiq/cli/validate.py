"""``rpiq validate``: check an RPI answer against the PS3.16 template rules.

``rpiq validate FILE [--template TID]`` reads a DICOM file (a C-FIND response identifier, or an
SR document whose root content item is an RPI root) or DICOM JSON (a PS3.18 F.2 array, as
``rpiq query --format json`` prints, or one object). ``rpiq validate --host H --port P
--patient-id ID [--issuer I] [--sop general|breast|cardiac] [--template TID] [--aec AET]`` asks
an RPI SCP and checks its answer.

Prints one line per finding, ``path  row  severity  message`` (path ``1.3.2``; row ``TID 9003
row 7``), then a summary. Exit status: 0 no errors (warnings allowed), 1 errors, 2 input that
cannot be read (or no answer to check). pydicom and the network client are imported when the
command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from rpiq.templates._rules import Finding

EXIT_CONFORMS = 0
EXIT_ERRORS = 1
EXIT_UNREADABLE = 2
SOP_NAMES = ("general", "breast", "cardiac")
"""``rpiq.net.contexts.SopName`` (spelled out here so that the parser needs no pynetdicom)."""


class Unreadable(Exception):
    """The input cannot be read as DICOM or DICOM JSON, or holds no data set to check."""


@dataclass(frozen=True)
class Subject:
    """One data set to validate: where it came from and whether it is an SR document."""

    label: str
    ds: Dataset


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check an RPI response against the PS3.16 template rules",
        description="Validate a response identifier (DICOM file, SR document or DICOM JSON) or "
        "a live answer of an RPI SCP against its root template. "
        "Exit status: 0 no errors, 1 errors, 2 unreadable input.",
    )
    parser.add_argument("file", nargs="?", type=Path, help="DICOM file or DICOM JSON")
    parser.add_argument("--host", help="query this SCP instead of reading a file")
    parser.add_argument("--port", type=int, help="the SCP's TCP port")
    parser.add_argument("--patient-id", help="Patient ID (0010,0020) to query")
    parser.add_argument("--issuer", help="Issuer of Patient ID (0010,0021)")
    parser.add_argument("--sop", choices=SOP_NAMES, default="general", help="default general")
    parser.add_argument("--template", help="validate as this TID (default: the answer's)")
    parser.add_argument("--aec", default="ANY-SCP", help="called AE title (default ANY-SCP)")
    parser.add_argument("--aet", default="RPIQ-SCU", help="calling AE title (default RPIQ-SCU)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """The command: read or query, validate, print; returns the exit status."""
    try:
        subjects = _subjects(args)
        results = [(subject, _findings(subject, args.template)) for subject in subjects]
    except Unreadable as exc:
        print(f"rpiq validate: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    errors = 0
    for subject, findings in results:
        if len(results) > 1:
            print(f"{subject.label}:")
        print("\n".join(str(finding) for finding in findings) or "no findings")
        errors += sum(finding.severity == "error" for finding in findings)
        print(summary(findings, subject.label))
    return EXIT_ERRORS if errors else EXIT_CONFORMS


def summary(findings: list[Finding], label: str) -> str:
    """``"2 errors, 1 warning: does not conform (identifier 1)"``."""
    errors = sum(finding.severity == "error" for finding in findings)
    warnings = len(findings) - errors
    verdict = "does not conform" if errors else "conforms"
    return f"{errors} error(s), {warnings} warning(s): {label} {verdict}"


def _findings(subject: Subject, template: str | None) -> list[Finding]:
    from rpiq.encode.validate_response import (  # noqa: PLC0415 - pydicom only when run
        is_sr_document,
        validate_identifier,
        validate_sr_document,
    )

    try:
        if is_sr_document(subject.ds):
            return validate_sr_document(subject.ds, template)
        return validate_identifier(subject.ds, template)
    except Exception as exc:  # a corrupt data set shows up while it is decoded
        raise Unreadable(f"{subject.label}: cannot be decoded: {exc}") from exc


def _subjects(args: argparse.Namespace) -> list[Subject]:
    live = (args.host, args.port, args.patient_id)
    if args.file is not None:
        if any(value is not None for value in live):
            raise Unreadable("give a FILE or --host/--port/--patient-id, not both")
        return read_file(args.file)
    if any(value is None for value in live):
        raise Unreadable("give a FILE, or --host, --port and --patient-id")
    return [_query(args)]


def read_file(path: Path) -> list[Subject]:
    """The data sets in ``path``: DICOM JSON (array or object) or a DICOM file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror or exc}") from exc
    if data.lstrip()[:1] in (b"[", b"{"):
        return _json_subjects(path, data)
    return [Subject(str(path), _dicom(path))]


def _json_subjects(path: Path, data: bytes) -> list[Subject]:
    from pydicom.dataset import Dataset  # noqa: PLC0415 - pydicom only when run

    try:
        parsed = json.loads(data)
        objects = parsed if isinstance(parsed, list) else [parsed]
        datasets = [Dataset.from_json(obj) for obj in objects]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise Unreadable(f"{path}: not DICOM JSON: {exc}") from exc
    if not datasets:
        raise Unreadable(f"{path}: the JSON array holds no data set (no match?)")
    if len(datasets) == 1:
        return [Subject(str(path), datasets[0])]
    return [Subject(f"{path} identifier {n}", ds) for n, ds in enumerate(datasets, start=1)]


def _dicom(path: Path) -> Dataset:
    from pydicom import dcmread  # noqa: PLC0415 - pydicom only when run
    from pydicom.errors import InvalidDicomError  # noqa: PLC0415 - same

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = dcmread(path, force=True)
            present = "ValueType" in ds or "ContentSequence" in ds
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError) as exc:
        raise Unreadable(f"{path}: not a DICOM data set: {exc}") from exc
    for warning in caught:
        print(f"rpiq validate: {path}: pydicom: {warning.message}", file=sys.stderr)
    if not present:
        raise Unreadable(f"{path}: no Value Type or Content Sequence: not an RPI answer")
    return ds


def _query(args: argparse.Namespace) -> Subject:
    import logging  # noqa: PLC0415 - with the client, only when run

    from rpiq.errors import AssociationFailed  # noqa: PLC0415 - same
    from rpiq.net.client import RpiClient  # noqa: PLC0415 - pynetdicom only when run

    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
    client = RpiClient(calling_ae=args.aet, called_ae=args.aec, timeout=args.timeout)
    try:
        result = client.query(
            args.host,
            args.port,
            args.patient_id,
            IssuerOfPatientID=args.issuer,
            sop=args.sop,
            template=args.template,
        )
    except AssociationFailed as exc:
        raise Unreadable(str(exc)) from exc
    if result.identifier is None:
        raise Unreadable(f"no answer to validate: Status {result.description}")
    return Subject(f"{args.host}:{args.port} {args.patient_id}", result.identifier)
