"""``rpiq conformance``: run the RPI conformance battery against any SCP.

Exit status: 0 no check failed, 1 at least one FAIL, 3 no association at all (2 for usage
errors, as every command). ``--format text`` prints one line per check and a summary;
``--format json`` one JSON object (``rpiq.conformance.report.json_report``).

pydicom and pynetdicom are imported when the battery runs, not when the parser is built.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

LO_MAX = 64
WILD_CARDS = "*?"


def patient_id(value: str) -> str:
    """A Patient ID the battery can query with: 1-64 characters, no wild card, no backslash."""
    value = value.strip(" ")
    if not value or len(value) > LO_MAX:
        raise argparse.ArgumentTypeError("a Patient ID has 1 to 64 characters")
    if any(char in value for char in WILD_CARDS + "\\"):
        raise argparse.ArgumentTypeError("a Patient ID has no wild card (* ?) and no backslash")
    return value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "conformance",
        help="check any RPI SCP against PS3.4 Annex Q and the PS3.16 templates (SCU)",
        description="Run a battery of checks against a Relevant Patient Information Query SCP "
        "and report PASS / WARN / INFO / SKIP / FAIL for each. Exit status: 0 no failure, "
        "1 failures, 3 no association.",
    )
    parser.add_argument("host", help="the SCP's host name or address")
    parser.add_argument("port", type=int, help="the SCP's TCP port")
    parser.add_argument(
        "--patient-id", required=True, type=patient_id, help="a Patient ID the SCP holds"
    )
    parser.add_argument("--issuer", help="its Issuer of Patient ID (0010,0021)")
    parser.add_argument(
        "--duplicate-id",
        type=patient_id,
        help="a Patient ID held under several issuers (checks C100; skipped without it)",
    )
    parser.add_argument("--aec", default="ANY-SCP", help="called AE title (default ANY-SCP)")
    parser.add_argument("--aet", default="RPIQ-SCU", help="calling AE title (default RPIQ-SCU)")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per response (default 10)"
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the battery described by ``args``; print the report; return the exit status."""
    from rpiq.conformance import ConformanceOptions, run_battery  # noqa: PLC0415 - pynetdicom only when run
    from rpiq.conformance.report import json_report, text_report  # noqa: PLC0415

    # pynetdicom logs identifiers (patient data) and every peer complaint: keep it quiet.
    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
    options = ConformanceOptions(
        host=args.host,
        port=args.port,
        PatientID=args.patient_id,
        IssuerOfPatientID=args.issuer,
        duplicate_id=args.duplicate_id,
        called_ae=args.aec,
        calling_ae=args.aet,
        timeout=args.timeout,
    )
    report = run_battery(options)
    output = json_report(report) if args.format == "json" else "\n".join(text_report(report))
    try:
        print(output)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: the verdict is still the exit status
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return report.exit_status
