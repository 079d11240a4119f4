"""Import throughput: the ten Synthea bundles into SQLite and PostgreSQL, first and again.

Run from the repository root::

    .venv/bin/python bench/import_synthea.py [--repeats 10] [--warmup 1]
        [--backend sqlite|postgresql|both]

Each round (one untimed warm-up, then the timed repeats) takes a fresh, empty database (a new
SQLite file in a temporary directory, or a new database on a throwaway PostgreSQL cluster
started here), opens it with
:func:`rpiq.store.open_repository` (schema migration, not timed), then times
:func:`rpiq.ingest.importer.import_fhir` over the ten ``*-bundle.json`` files, which is what
``rpiq import fhir`` runs: reading and parsing the JSON, mapping FHIR to the domain, and one
transaction per bundle. "first" loads ten new patients; "re-import" loads the same files again
(idempotent: every patient must come back ``unchanged``). Any other outcome stops the run.

Prints the machine, then a markdown table: median and best wall time over the repeats, and
resources/s and patients/s at the median. A resource is a Bundle entry with a resource.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchlib import SYNTHEA_DIR, load_average, machine_lines, markdown_table
from pgserver import PostgresCluster, throwaway_postgres

from rpiq.ingest.importer import import_fhir
from rpiq.ingest.report import ImportReport
from rpiq.store import open_repository

BACKENDS = ("sqlite", "postgresql")
HEADERS = ("backend", "import", "runs", "median s", "best s", "resources/s", "patients/s")


@dataclass(frozen=True)
class Corpus:
    """The bundle files and what they hold."""

    paths: tuple[Path, ...]
    resources: int
    patients: int


@dataclass(frozen=True)
class Timings:
    first: list[float]
    again: list[float]


def read_corpus(folder: Path) -> Corpus:
    """The ``*-bundle.json`` files, with their resource and Patient counts (parsed here once,
    outside any timing)."""
    paths = tuple(sorted(folder.glob("*-bundle.json")))
    if not paths:
        raise SystemExit(f"no *-bundle.json in {folder}")
    resources = patients = 0
    for path in paths:
        entries = json.loads(path.read_bytes()).get("entry", [])
        kinds = [entry["resource"].get("resourceType") for entry in entries if "resource" in entry]
        resources += len(kinds)
        patients += kinds.count("Patient")
    return Corpus(paths, resources, patients)


def timed_import(corpus: Corpus, url: str, expect: str) -> float:
    """Seconds for one ``import_fhir`` of the corpus; ``expect`` is ``added`` or ``unchanged``
    (every patient must have that outcome)."""
    repository = open_repository(url)
    try:
        started = time.perf_counter()
        report = import_fhir(list(corpus.paths), repository)
        elapsed = time.perf_counter() - started
    finally:
        repository.close()
    check(report, corpus, expect)
    return elapsed


def check(report: ImportReport, corpus: Corpus, expect: str) -> None:
    counts = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged}
    if not report.ok or counts[expect] != corpus.patients:
        raise SystemExit(f"unexpected import outcome (want all {expect}): {report.summary()}")


@contextmanager
def sqlite_databases() -> Iterator[Callable[[], str]]:
    """``fresh()`` gives the URL of a new SQLite file; all are deleted on exit."""
    with tempfile.TemporaryDirectory(prefix="rpiq-bench-") as folder:
        counter = iter(range(1_000_000))
        yield lambda: f"sqlite:///{Path(folder) / f'run{next(counter)}.db'}"


@contextmanager
def postgres_databases() -> Iterator[Callable[[], str]]:
    """``fresh()`` gives the URL of a new database on a throwaway cluster."""
    with throwaway_postgres() as cluster:
        yield lambda: _new_database(cluster)


def _new_database(cluster: PostgresCluster) -> str:
    return cluster.url(cluster.create_database())


def databases(backend: str) -> AbstractContextManager[Callable[[], str]]:
    return sqlite_databases() if backend == "sqlite" else postgres_databases()


def measure(backend: str, corpus: Corpus, repeats: int, warmup: int) -> Timings:
    """``warmup`` untimed rounds (lazy imports, first connections), then ``repeats`` timed."""
    timings = Timings([], [])
    with databases(backend) as fresh:
        for _ in range(warmup):
            url = fresh()
            timed_import(corpus, url, "added")
            timed_import(corpus, url, "unchanged")
        for _ in range(repeats):
            url = fresh()
            timings.first.append(timed_import(corpus, url, "added"))
            timings.again.append(timed_import(corpus, url, "unchanged"))
    return timings


def rows_for(backend: str, corpus: Corpus, timings: Timings) -> list[list[str]]:
    rows = []
    for label, samples in (("first", timings.first), ("re-import", timings.again)):
        median = statistics.median(samples)
        rows.append([
            backend,
            label,
            str(len(samples)),
            f"{median:.3f}",
            f"{min(samples):.3f}",
            f"{corpus.resources / median:,.0f}",
            f"{corpus.patients / median:.1f}",
        ])  # fmt: skip
    return rows


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed rounds per backend")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds per backend")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--synthea", type=Path, default=SYNTHEA_DIR, help="bundle folder")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_arguments(argv)
    corpus = read_corpus(args.synthea)
    corpus_line = (
        f"- corpus: {len(corpus.paths)} Synthea bundles, {corpus.resources} resources, "
        f"{corpus.patients} patients"
    )
    header = machine_lines([corpus_line])
    chosen = BACKENDS if args.backend == "both" else (args.backend,)
    rows: list[list[str]] = []
    for backend in chosen:
        rows.extend(rows_for(backend, corpus, measure(backend, corpus, args.repeats, args.warmup)))
    print("\n".join([*header, f"- load average at end: {load_average()}"]))
    print()
    print(markdown_table(HEADERS, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
