"""Import at scale: synthetic patients (``rpiq synth``) through the NDJSON importer and
straight into the database, on SQLite and PostgreSQL.

Run from the repository root::

    .venv/bin/python bench/import_synth.py [--patients 100000] [--seed 1]
        [--backend sqlite|postgresql|both] [--million] [--workers 1] [--skip-import]

Steps, each on a fresh database (schema migration not timed):

1. **NDJSON import**: ``rpiq synth --fhir-out`` writes the patients as Bulk Data NDJSON in a
   temporary folder (not timed); :func:`rpiq.ingest.importer.import_fhir` loads the folder, as
   ``rpiq import fhir DIR`` does (parse, map, batched writes): *first* (every patient must be
   added), then *re-import* (every patient must come back unchanged).
2. **direct write**: :func:`rpiq.ingest.synth_output.write_database`, what ``rpiq synth
   --patients N --db URL [--workers W]`` runs (generate, map, bulk insert; with ``--workers``
   above 1, that many processes generate while this one writes).
3. with ``--million``: the direct write of 1,000,000 patients into SQLite, measured (else
   the table gives the figure extrapolated linearly from step 2, labelled so).

Wall time and this process's CPU time are both printed: the machines are shared, and under
load the CPU time is the steadier figure (the database server's own CPU, for PostgreSQL, is not
in it). resources/s = resources / wall seconds.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchlib import load_average, machine_lines, markdown_table
from import_synthea import databases

from rpiq.ingest.importer import import_fhir
from rpiq.ingest.synth_output import write_database, write_ndjson
from rpiq.store import SqlPatientRepository, open_repository

BACKENDS = ("sqlite", "postgresql")
MILLION = 1_000_000
HEADERS = (
    "backend",
    "step",
    "patients",
    "resources",
    "wall s",
    "cpu s",
    "resources/s",
    "resources/cpu-s",
    "patients/s",
    "load at end",
)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def timed(action: Callable[[], None]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def row(backend: str, step: str, patients: int, resources: int, timing: Timing) -> list[str]:
    return [
        backend,
        step,
        f"{patients:,}",
        f"{resources:,}",
        f"{timing.wall:.1f}",
        f"{timing.cpu:.1f}",
        f"{resources / timing.wall:,.0f}",
        f"{resources / timing.cpu:,.0f}",
        f"{patients / timing.wall:,.0f}",
        load_average().split()[0],
    ]


def _import(folder: Path, repository: SqlPatientRepository, outcome: dict[str, int]) -> None:
    report = import_fhir([folder], repository)
    outcome.update(ok=report.ok, added=report.added, unchanged=report.unchanged)


def import_rows(
    backend: str, url: str, folder: Path, patients: int, resources: int
) -> list[list[str]]:
    rows = []
    repository = open_repository(url)
    try:
        for step, expect in (
            ("NDJSON import, first", "added"),
            ("NDJSON import, re-import", "unchanged"),
        ):
            outcome: dict[str, int] = {}
            timing = timed(functools.partial(_import, folder, repository, outcome))
            if not outcome["ok"] or outcome[expect] != patients:
                raise SystemExit(f"{backend} {step}: unexpected outcome {outcome}")
            rows.append(row(backend, step, patients, resources, timing))
            print(f"  {rows[-1]}", file=sys.stderr)
    finally:
        repository.close()
    return rows


def direct_row(
    backend: str, url: str, args: argparse.Namespace, patients: int, step: str
) -> list[str]:
    repository = open_repository(url)
    written = []
    workers = args.workers
    try:
        timing = timed(
            lambda: written.append(write_database(repository, args.seed, patients, workers=workers))
        )
    finally:
        repository.close()
    if written[0].added != patients:
        raise SystemExit(f"{backend} {step}: unexpected outcome {written[0]}")
    result = row(backend, step, patients, written[0].resources, timing)
    print(f"  {result}", file=sys.stderr)
    return result


def extrapolated(direct: list[str], patients: int) -> list[str]:
    """The 1M row, scaled linearly from a direct-write row (clearly labelled)."""
    factor = MILLION / patients
    resources = int(direct[3].replace(",", "")) * factor
    wall, cpu = float(direct[4]) * factor, float(direct[5]) * factor
    timing = Timing(wall, cpu)
    labelled = row(
        direct[0], f"direct write (EXTRAPOLATED x{factor:g})", MILLION, int(resources), timing
    )
    labelled[-1] = "-"
    return labelled


def measure(
    backend: str, args: argparse.Namespace, folder: Path, resources: int
) -> list[list[str]]:
    rows: list[list[str]] = []
    step = f"direct write (rpiq synth --db, --workers {args.workers})"
    with databases(backend) as fresh:
        if not args.skip_import:
            rows.extend(import_rows(backend, fresh(), folder, args.patients, resources))
        direct = direct_row(backend, fresh(), args, args.patients, step)
        rows.append(direct)
        if backend == "sqlite":
            if args.million:
                rows.append(direct_row(backend, fresh(), args, MILLION, step))
            else:
                rows.append(extrapolated(direct, args.patients))
    return rows


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--million", action="store_true", help="also write 1M patients (SQLite)")
    parser.add_argument(
        "--workers", type=int, default=1, help="rpiq synth --workers for the direct writes"
    )
    parser.add_argument("--skip-import", action="store_true", help="only the direct writes")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_arguments(argv)
    header = machine_lines()
    chosen = BACKENDS if args.backend == "both" else (args.backend,)
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="rpiq-synth-") as temporary:
        folder = Path(temporary) / "export"
        written = write_ndjson(folder, args.seed, 0 if args.skip_import else args.patients)
        size = sum(path.stat().st_size for path in folder.iterdir())
        header.append(
            "- corpus: none (--skip-import: direct writes only)"
            if args.skip_import
            else f"- corpus: {args.patients:,} synthetic patients (seed {args.seed}), "
            f"{written.resources:,} resources, NDJSON {size / 1e6:,.0f} MB"
        )
        for backend in chosen:
            rows.extend(measure(backend, args, folder, written.resources))
    print("\n".join([*header, f"- load average at end: {load_average()}"]))
    print()
    print(markdown_table(HEADERS, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
