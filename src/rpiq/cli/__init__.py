"""Command-line interface: thin commands over the layers (``rpiq serve|query|import|demo``).

Each command lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``handler`` (a function taking the parsed namespace, returning an exit status).
A command module imports at top level only what building its parser needs; the layers it
drives (pynetdicom, SQLAlchemy, Alembic, the importers) are imported inside its handler, so
``rpiq --help`` and ``rpiq query`` do not pay for the database layer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rpiq import __version__
from rpiq.cli import conformance, demo, imports, passwd, query, serve, synth, validate
from rpiq.errors import RpiqError

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rpiq", description="DICOM Relevant Patient Information Query: server and client"
    )
    parser.add_argument("--version", action="version", version=f"rpiq {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (serve, query, imports, demo, validate, conformance, passwd, synth):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except RpiqError as exc:
        print(f"rpiq: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return status
