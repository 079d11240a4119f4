"""``rpiq serve``: placeholder until its layer lands (filled in by the owning work item)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("serve", help="(not yet available)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    raise SystemExit("rpiq serve: not yet available")
