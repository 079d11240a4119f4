"""Where NDJSON import time goes: synthetic patients imported into a fresh SQLite file under
cProfile (or only timed).

Run from the repository root::

    .venv/bin/python bench/import_profile.py [--patients 5000] [--seed 1] [--top 25]
        [--no-profile]

Writes ``--patients`` synthetic patients as NDJSON in a temporary folder (not timed), then
imports the folder twice with :func:`rpiq.ingest.importer.import_fhir` (first: all added;
again: all unchanged), printing wall and CPU seconds of each; the first import runs under
cProfile unless ``--no-profile``, and the ``--top`` functions by own time are printed.
To compare with another version of the package, run the same command with ``PYTHONPATH``
pointing at that version's ``src`` (``--no-profile`` for the timings).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from benchlib import load_average, machine_lines

from rpiq.ingest.importer import import_fhir
from rpiq.ingest.synth_output import write_ndjson
from rpiq.store import open_repository


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_arguments(argv)
    print("\n".join(machine_lines()))
    with tempfile.TemporaryDirectory(prefix="rpiq-profile-") as temporary:
        folder = Path(temporary) / "export"
        written = write_ndjson(folder, args.seed, args.patients)
        repository = open_repository(f"sqlite:///{Path(temporary) / 'import.db'}")
        profile = cProfile.Profile()
        try:
            for run in ("first", "again"):
                profiled = run == "first" and not args.no_profile
                wall, cpu = time.perf_counter(), time.process_time()
                if profiled:
                    profile.enable()
                report = import_fhir([folder], repository)
                profile.disable()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(
                    f"- {run}{' (profiled)' if profiled else ''}: {report.summary()}; "
                    f"{written.resources:,} resources, wall {wall:.2f} s, cpu {cpu:.2f} s, "
                    f"{written.resources / cpu:,.0f} resources/cpu-s"
                )
        finally:
            repository.close()
    print(f"- load average at end: {load_average()}")
    if not args.no_profile:
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
