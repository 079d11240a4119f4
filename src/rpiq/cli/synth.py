"""``rpiq synth --patients N [--db URL] [--fhir-out DIR] [--seed S]``: synthetic patients.

Realistic patients shaped like the demo's (:mod:`rpiq.ingest.synth`), deterministic by seed,
with unique identifiers under the issuer ``RPIQ-SYNTH``. ``--db`` saves them straight into the
database with bulk inserts (running it again changes nothing); ``--fhir-out`` writes them as
Bulk Data NDJSON files (``Patient.ndjson``, ``Condition.ndjson``, ...) that ``rpiq import fhir
DIR`` loads to the same records. Without ``--fhir-out``, ``--db`` (or ``$RPIQ_DB``, else
``sqlite:///rpiq.db``) is written; ``--workers N`` has N processes generate while one writes.
A progress bar is drawn on stderr when it is a terminal
(``--no-progress`` leaves it out); one summary line per output is printed at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rpiq.config import resolve_db_url

Advance = Callable[[int, int], None]


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "synth",
        help="generate synthetic patients (benchmarks) into the database or NDJSON files",
        description="Generate realistic synthetic patients shaped like the demo patients, "
        "deterministic by seed: straight into the database (--db) and/or as FHIR Bulk Data "
        "NDJSON files (--fhir-out) for rpiq import fhir.",
    )
    parser.add_argument("--patients", type=_count, required=True, metavar="N")
    parser.add_argument("--seed", type=_count, default=1, metavar="S", help="default 1")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $RPIQ_DB, else sqlite:///rpiq.db; written unless only "
        "--fhir-out is given)",
    )
    parser.add_argument("--fhir-out", type=Path, metavar="DIR", help="write NDJSON files here")
    parser.add_argument(
        "--workers",
        type=_count,
        default=1,
        metavar="N",
        help="with N > 1, N processes generate the patients while one writes (default 1)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from rpiq.ingest.synth_output import write_database, write_ndjson  # noqa: PLC0415 - heavy
    from rpiq.store import open_repository  # noqa: PLC0415 - same

    if args.fhir_out is not None:
        with _progress(args, f"NDJSON to {args.fhir_out}") as advance:
            started = time.perf_counter()
            result = write_ndjson(args.fhir_out, args.seed, args.patients, advance)
        print(
            f"synth: {args.patients} patients, {result.resources} resources written to "
            f"{args.fhir_out} as NDJSON in {time.perf_counter() - started:.1f} s"
        )
    if args.fhir_out is None or args.db is not None:
        url = resolve_db_url(args.db)
        with open_repository(url) as repository, _progress(args, "database") as advance:
            started = time.perf_counter()
            result = write_database(
                repository, args.seed, args.patients, advance, workers=args.workers
            )
        print(
            f"synth: {args.patients} patients ({result.added} added, {result.updated} updated, "
            f"{result.unchanged} unchanged), {result.resources} resources, saved to the "
            f"database in {time.perf_counter() - started:.1f} s"
        )
    return 0


@contextmanager
def _progress(args: argparse.Namespace, label: str) -> Iterator[Advance | None]:
    if args.no_progress or not sys.stderr.isatty():
        yield None
        return
    from rpiq.cli.imports import progress_bar, resource_rate  # noqa: PLC0415 - on a terminal

    with progress_bar("patients") as bar:
        task = bar.add_task(label, total=args.patients, done=0, of=args.patients, resources=0)
        started = time.monotonic()
        totals = [0, 0]

        def advance(patients: int, resources: int) -> None:
            totals[0] += patients
            totals[1] += resources
            rate = resource_rate(totals[1], time.monotonic() - started)
            bar.update(task, advance=patients, done=totals[0], resources=totals[1], rate=rate)

        yield advance
