"""Round-trip latency against database size: 1k, 100k (and 1M) patients, SQLite and PostgreSQL.

Run from the repository root::

    .venv/bin/python bench/latency_vs_size.py [--sizes 1000,100000,1000000]
        [--backends sqlite,postgresql] [--queries 300] [--budget-minutes 20]

Build, then measure. For each backend a chain of databases (SQLite files; databases on a
throwaway PostgreSQL 15 cluster, ``pgserver.py``): the first gets the rich patient
(``rich_patient.py``) and ``rpiq synth --patients 1000``; each next one starts as a copy of the
previous (file copy; ``CREATE DATABASE ... TEMPLATE``) and grows with ``rpiq synth`` to its size
(deterministic: growing from 1k to 100k adds patients 1,000-99,999; the build time of each
step is printed). ``--keep DIR`` keeps the SQLite files and reuses them in later runs (a 1M
build takes long). Then, for each database, ``rpiq serve`` runs over it and one association
(``wire_client.py``) sends, after 20 untimed queries, ``--queries`` timed C-FINDs for the rich
patient (TID 9007, ~200 content items) and as many for synthetic patients drawn at random from
the whole database (each a different row, so lookups are not served from one hot page). A size
whose build would exceed ``--budget-minutes`` at the rate of the previous step is skipped and
reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from benchlib import load_average, machine_lines, markdown_table, percentile
from pgserver import PostgresCluster, throwaway_postgres
from rich_patient import RICH_ISSUER, RICH_PATIENT_ID, save_rich_patient
from rt_servers import HOST, RPIQ_AE_TITLE, rpiq_serve
from wire_client import (
    SUCCESS_STATUS,
    WireAssociation,
    associate_rq,
    decode_identifier,
    identifier_pdata,
)

from rpiq.ingest.synth import SYNTH_ISSUER
from rpiq.net.client import build_request
from rpiq.net.contexts import SOP_BY_NAME

SEED = 1
WARMUP = 20
MS = 1000.0
MIB = 1024 * 1024
GENERAL_UID = SOP_BY_NAME["general"].uid
SYNTH_TIMEOUT_S = 4 * 3600


@dataclass(frozen=True)
class Row:
    backend: str
    patients: int
    build_seconds: float
    size_mib: float
    rich: list[float]
    random: list[float]


def synth_id(index: int) -> str:
    return f"SYN{SEED}-{index:07d}"


def grow(db_url: str, patients: int) -> float:
    """``rpiq synth --patients N`` into the database; its wall time."""
    command = [sys.executable, "-m", "rpiq", "synth", "--patients", str(patients),
               "--seed", str(SEED), "--db", db_url, "--no-progress"]  # fmt: skip
    started = time.perf_counter()
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=SYNTH_TIMEOUT_S
    )
    if completed.returncode != 0:
        raise SystemExit(f"rpiq synth failed: {completed.stderr[-3000:]}")
    return time.perf_counter() - started


def database_mib(db_url: str) -> float:
    if db_url.startswith("sqlite:///"):
        return os.path.getsize(db_url.removeprefix("sqlite:///")) / MIB
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            size = connection.execute(sa.text("SELECT pg_database_size(current_database())"))
            return float(size.scalar_one()) / MIB
    finally:
        engine.dispose()


def request_bytes(PatientID: str, IssuerOfPatientID: str) -> bytes:
    return identifier_pdata(build_request(PatientID, IssuerOfPatientID, "general", "9007"))


async def timed(association: WireAssociation, requests: list[tuple[str, bytes]]) -> list[float]:
    samples = []
    for PatientID, data in requests:
        started = time.perf_counter()
        answer = await association.find(GENERAL_UID, data)
        samples.append(time.perf_counter() - started)
        if answer.status != SUCCESS_STATUS or answer.pending != 1:
            raise SystemExit(f"{PatientID}: unexpected answer {answer.status:#06x}")
    if decode_identifier(answer.identifier).PatientID != PatientID:
        raise SystemExit(f"the answer is not {PatientID}'s")
    return samples


async def query(port: int, patients: int, count: int) -> tuple[list[float], list[float]]:
    rich = [(RICH_PATIENT_ID, request_bytes(RICH_PATIENT_ID, RICH_ISSUER))] * (WARMUP + count)
    chooser = random.Random(patients)  # noqa: S311 - picking rows, not secrets
    drawn = [synth_id(chooser.randrange(patients)) for _ in range(count)]
    others = [(PatientID, request_bytes(PatientID, SYNTH_ISSUER)) for PatientID in drawn]
    association = await WireAssociation.open(
        HOST, port, associate_rq("RPIQ-BENCH", RPIQ_AE_TITLE, GENERAL_UID)
    )
    try:
        rich_samples = (await timed(association, rich))[WARMUP:]
        random_samples = await timed(association, others)
    finally:
        await association.release()
    return rich_samples, random_samples


@dataclass(frozen=True)
class Built:
    """One database of the chain: its URL, size and the build time of its step."""

    backend: str
    db_url: str
    patients: int
    build_seconds: float


class Chain:
    """Databases of growing size, each a copy of the previous one grown with ``rpiq synth``:
    SQLite files (kept in ``folder``, reused when present with their recorded build time) or
    PostgreSQL databases (``CREATE DATABASE ... TEMPLATE``)."""

    def __init__(self, backend: str, folder: Path, cluster: PostgresCluster | None) -> None:
        self.backend, self.folder, self.cluster = backend, folder, cluster

    def url(self, patients: int) -> str:
        if self.cluster is None:
            return f"sqlite:///{self.folder / f'size-{patients}.db'}"
        return self.cluster.url(f"size_{patients}")

    def copy(self, source: int | None, target: int) -> None:
        """Start database ``target`` as a copy of ``source`` (or with the rich patient)."""
        if self.cluster is None:
            if source is not None:
                shutil.copyfile(
                    self.folder / f"size-{source}.db", self.folder / f"size-{target}.db"
                )
            else:
                save_rich_patient(self.url(target))
            return
        template = f' TEMPLATE "size_{source}"' if source is not None else ""
        with self.cluster.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "size_{target}"{template}')
        if source is None:
            save_rich_patient(self.url(target))

    def recorded(self, patients: int) -> float | None:
        """The build time of a kept SQLite database, if it is complete."""
        marker = self.folder / f"size-{patients}.seconds"
        if self.cluster is None and marker.exists():
            return float(marker.read_text(encoding="ascii"))
        return None

    def build(self, sizes: list[int], budget_s: float) -> list[Built]:
        built: list[Built] = []
        previous, rate = None, 0.0
        for size in sizes:
            seconds = self.recorded(size)
            if seconds is None:
                grown = size - (previous or 0)
                if rate and grown / rate > budget_s:
                    print(f"- {self.backend}, {size:,} patients: not built, ~"
                          f"{grown / rate / 60:.0f} min at {rate:,.0f} patients/s")  # fmt: skip
                    break
                self.copy(previous, size)
                seconds = grow(self.url(size), size)
                if self.cluster is None:
                    marker = self.folder / f"size-{size}.seconds"
                    marker.write_text(f"{seconds:.1f}", encoding="ascii")
            rate = (size - (previous or 0)) / seconds
            print(f"- {self.backend}: {size:,} patients built ({seconds:.0f} s)", flush=True)
            built.append(Built(self.backend, self.url(size), size, seconds))
            previous = size
        return built


def measure(built: Built, queries: int) -> Row:
    with rpiq_serve(built.db_url) as server:
        rich, other = asyncio.run(query(server.port, built.patients, queries))
    return Row(built.backend, built.patients, built.build_seconds, database_mib(built.db_url),
               rich, other)  # fmt: skip


@contextmanager
def chain(backend: str, keep: Path | None) -> Iterator[Chain]:
    if backend == "sqlite" and keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield Chain(backend, keep, None)
        return
    with tempfile.TemporaryDirectory(prefix="rpiq-size-") as folder:
        if backend == "sqlite":
            yield Chain(backend, Path(folder), None)
            return
        with throwaway_postgres() as cluster:
            yield Chain(backend, Path(folder), cluster)


HEADERS = ("backend", "patients", "build s (this step)", "database MiB", "rich p50 ms",
           "rich p95 ms", "random p50 ms", "random p95 ms", "rich p50 / smallest")  # fmt: skip


def table_rows(rows: list[Row]) -> list[list[str]]:
    smallest: dict[str, float] = {}
    lines = []
    for row in rows:
        p50 = percentile(row.rich, 0.5)
        base = smallest.setdefault(row.backend, p50)
        lines.append([row.backend, f"{row.patients:,}", f"{row.build_seconds:.0f}",
                      f"{row.size_mib:,.0f}", f"{p50 * MS:.2f}",
                      f"{percentile(row.rich, 0.95) * MS:.2f}",
                      f"{percentile(row.random, 0.5) * MS:.2f}",
                      f"{percentile(row.random, 0.95) * MS:.2f}", f"{p50 / base:.2f}"])  # fmt: skip
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--budget-minutes", type=float, default=20.0, help="per build step")
    parser.add_argument(
        "--keep", type=Path, help="keep (and reuse) the SQLite databases in this folder"
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(",") if size)
    print("\n".join(machine_lines()), flush=True)
    started = time.perf_counter()
    rows: list[Row] = []
    for backend in args.backends.split(","):
        with chain(backend, args.keep) as databases:
            built = databases.build(sizes, args.budget_minutes * 60)
            rows += [measure(database, args.queries) for database in built]
    elapsed = time.perf_counter() - started
    print(f"- run time {elapsed:.0f} s; load average at end: {load_average()}")
    print()
    print(markdown_table(HEADERS, table_rows(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
