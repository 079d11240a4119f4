"""``rpiq query``: ask an RPI SCP for one patient's relevant information.

Exit status: 0 a match, 1 no match, 2 a failure (or cancel) status, 3 no association.
``--format text`` prints the status lines, the return keys and the content tree; ``--format
json`` prints the PS3.18 F.2 DICOM JSON array of the response identifiers on stdout and the
status on stderr.

DICOM over TLS (PS3.15 B.13): any of ``--tls-ca`` (the CAs that issued the server's
certificate; default the system trust store), ``--tls-cert``/``--tls-key`` (this client's
certificate, for servers that require mutual authentication) turns TLS on; the server's
certificate must name the host queried unless ``--tls-no-hostname-check``. User Identity
(PS3.7 D.3.3.7): ``--username`` with ``--password`` (or ``$RPIQ_PASSWORD``) sends a username and
passcode, ``--username`` alone a username.

pydicom and pynetdicom are imported when a query runs, not when the parser is built.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpiq.errors import AssociationFailed
from rpiq.net.sop_names import SOP_NAMES
from rpiq.service.status import PENDING, SUCCESS, describe_status

if TYPE_CHECKING:
    import ssl

    from rpiq.net.client import QueryResult

EXIT_MATCH = 0
EXIT_NO_MATCH = 1
EXIT_FAILURE = 2
EXIT_NO_ASSOCIATION = 3
PASSWORD_ENV_VAR = "RPIQ_PASSWORD"  # noqa: S105 - the name of a variable, not a password


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "query",
        help="query an RPI SCP for a patient (SCU)",
        description="Send one Relevant Patient Information C-FIND and print the answer. "
        "Exit status: 0 match, 1 no match, 2 failure status, 3 no association.",
    )
    parser.add_argument("host", help="the SCP's host name or address")
    parser.add_argument("port", type=int, help="the SCP's TCP port")
    parser.add_argument("--patient-id", required=True, help="Patient ID (0010,0020)")
    parser.add_argument("--issuer", help="Issuer of Patient ID (0010,0021)")
    parser.add_argument(
        "--sop", choices=SOP_NAMES, default="general", help="SOP class (default general)"
    )
    parser.add_argument("--template", help="root template, e.g. 9007 (default: the SOP class's)")
    parser.add_argument("--aec", default="ANY-SCP", help="called AE title (default ANY-SCP)")
    parser.add_argument("--aet", default="RPIQ-SCU", help="calling AE title (default RPIQ-SCU)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    _add_security_options(parser)
    parser.set_defaults(handler=_run)


def _add_security_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("security (TLS, User Identity)")
    group.add_argument("--tls-ca", type=Path, help="CA certificates (PEM) to verify the server")
    group.add_argument("--tls-cert", type=Path, help="client certificate (PEM), mutual TLS")
    group.add_argument("--tls-key", type=Path, help="private key (PEM) of --tls-cert")
    group.add_argument(
        "--tls-no-hostname-check",
        action="store_true",
        help="accept a verified server certificate that does not name the host",
    )
    group.add_argument("--username", help="User Identity username (PS3.7 D.3.3.7)")
    group.add_argument(
        "--password", help=f"User Identity passcode (default ${PASSWORD_ENV_VAR} if set)"
    )


def tls_context(args: argparse.Namespace) -> ssl.SSLContext | None:
    """The client TLS context the options ask for, or ``None`` without any ``--tls-*``."""
    if not (args.tls_ca or args.tls_cert or args.tls_key or args.tls_no_hostname_check):
        return None
    from rpiq.config import TlsSettings  # noqa: PLC0415 - only when TLS is asked for
    from rpiq.net.tls import client_context  # noqa: PLC0415

    settings = TlsSettings(cert_file=args.tls_cert, key_file=args.tls_key, ca_file=args.tls_ca)
    return client_context(settings, check_hostname=not args.tls_no_hostname_check)


def _run(args: argparse.Namespace) -> int:
    from rpiq.net.client import RpiClient  # noqa: PLC0415 - pynetdicom only when querying

    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
    password = args.password
    if args.username and password is None:
        password = os.environ.get(PASSWORD_ENV_VAR) or None
    client = RpiClient(
        calling_ae=args.aet,
        called_ae=args.aec,
        timeout=args.timeout,
        tls_context=tls_context(args),
        username=args.username,
        password=password,
    )
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
        print(f"rpiq query: {exc}", file=sys.stderr)
        return EXIT_NO_ASSOCIATION
    try:
        if args.format == "json":
            print(json_output(result))
            print("\n".join(status_lines(result)), file=sys.stderr)
        else:
            print("\n".join(text_output(result)))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: the answer is still the exit status
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return exit_status(result)


def exit_status(result: QueryResult) -> int:
    """0 match, 1 no match, 2 any other final status."""
    if result.status != SUCCESS:
        return EXIT_FAILURE
    return EXIT_MATCH if result.identifier is not None else EXIT_NO_MATCH


def status_lines(result: QueryResult) -> list[str]:
    """The final status, its meaning and the related fields (PS3.4 Table Q.2-1)."""
    lines = [f"Status {result.description}"]
    if result.error_comment:
        lines.append(f"Error Comment: {result.error_comment}")
    for tag in result.offending_element:
        lines.append(f"Offending Element: ({tag >> 16:04X},{tag & 0xFFFF:04X})")
    if result.pending_count > 1:
        lines.append(f"Warning: {result.pending_count} Pending responses (Annex Q allows one)")
    return lines


def text_output(result: QueryResult) -> list[str]:
    """Pending status, return keys and content tree, then the final status."""
    from rpiq.net.render import render_identifier  # noqa: PLC0415 - pydicom only when needed

    lines: list[str] = []
    if result.identifier is not None:
        lines.append(f"Status {describe_status(PENDING)}")
        lines.extend(render_identifier(result.identifier))
    lines.extend(status_lines(result))
    return lines


def json_output(result: QueryResult) -> str:
    """The PS3.18 F.2 array of response identifiers (empty without a match)."""
    from rpiq.encode.json import dicom_json_object  # noqa: PLC0415 - pydicom only when needed

    identifiers = [result.identifier] if result.identifier is not None else []
    objects = [dicom_json_object(identifier) for identifier in identifiers]
    return json.dumps(objects, indent=2, ensure_ascii=False)
