"""Throughput from concurrent clients: rpiq with one and two worker processes, and the reference.

Run from the repository root::

    .venv/bin/python bench/busy_associations.py [--concurrency 1,10,100] [--seconds 10]
        [--client-processes 1] [--reference-concurrency 1,10]

Servers, each in its own process(es): ``rpiq serve`` and ``rpiq serve --workers 2`` (processes
sharing the port with ``SO_REUSEPORT``, ``rpiq.net.workers``), and the pynetdicom reference of
``rt_servers.py``. For each server and each concurrency C: C associations (spread over
``--client-processes`` spawned client processes running ``wire_client.py``'s asyncio raw-PDU
client) query the rich patient (TID 9007, ~200 content items) back to back for ``--seconds``.
Every answer is checked (status, one Pending identifier of the expected size; the first one
decoded). Printed: queries/s, the fewest queries any association completed, round-trip
p50/p95, and the CPU of the server (all its processes) and of the clients, in % of one core:
the clients share the machine's two cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from benchlib import load_average, machine_lines, markdown_table, percentile
from rich_patient import RICH_ISSUER, RICH_PATIENT_ID, save_rich_patient
from rt_servers import (
    HOST,
    REFERENCE_AE_TITLE,
    RPIQ_AE_TITLE,
    ServerProcess,
    cpu_seconds,
    reference_server,
    rpiq_serve,
)
from wire_client import LoadResult, Target, WireAssociation, decode_identifier, load_process

from rpiq.net.client import build_request
from rpiq.net.contexts import SOP_BY_NAME

MS = 1000.0


@dataclass(frozen=True)
class Row:
    server: str
    concurrency: int
    queries_per_s: float
    fewest: int
    p50: float
    p95: float
    server_cpu: float
    client_cpu: float


def target(port: int, called_ae: str) -> Target:
    request = build_request(RICH_PATIENT_ID, RICH_ISSUER, "general", "9007")
    return Target(HOST, port, called_ae, SOP_BY_NAME["general"].uid, request)


def split(total: int, parts: int) -> list[int]:
    """``total`` as ``parts`` near-equal positive shares (fewer parts when total is small)."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def run_clients(
    pool: ProcessPoolExecutor, where: Target, concurrency: int, processes: int, seconds: float
) -> list[LoadResult]:
    futures = [
        pool.submit(load_process, where, share, seconds) for share in split(concurrency, processes)
    ]
    return [future.result() for future in futures]


def measure_server(
    name: str,
    server: ServerProcess,
    called_ae: str,
    settings: argparse.Namespace,
    counts: list[int],
) -> list[Row]:
    where = target(server.port, called_ae)
    rows = []
    context = get_context("spawn")
    with ProcessPoolExecutor(settings.client_processes, mp_context=context) as pool:
        run_clients(pool, where, settings.client_processes, settings.client_processes, 1.0)
        for concurrency in counts:
            before, started = cpu_seconds(server.pid), time.monotonic()
            results = run_clients(
                pool, where, concurrency, settings.client_processes, settings.seconds
            )
            server_cpu = (cpu_seconds(server.pid) - before) / (time.monotonic() - started)
            latencies = [sample for result in results for sample in result.latencies]
            wall = max(result.seconds for result in results)
            fewest = min(min(result.per_association) for result in results)
            client_cpu = sum(result.client_cpu_seconds for result in results) / wall
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            rows.append(Row(name, concurrency, len(latencies) / wall, fewest, p50, p95,
                            server_cpu, client_cpu))  # fmt: skip
    return rows


async def fetch_identifier(port: int) -> bytes:
    where = target(port, RPIQ_AE_TITLE)
    association = await WireAssociation.open(where.host, where.port, where.associate_request)
    answer = await association.find(where.sop_class_uid, where.identifier_bytes)
    await association.release()
    return answer.identifier


@contextmanager
def rich_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="rpiq-busy-") as folder:
        db_url = f"sqlite:///{Path(folder) / 'rich.db'}"
        save_rich_patient(db_url)
        yield db_url


def measure(settings: argparse.Namespace) -> list[Row]:
    counts = [int(count) for count in settings.concurrency.split(",") if count]
    reference_counts = [int(count) for count in settings.reference_concurrency.split(",") if count]
    capacity = max([*counts, *reference_counts]) + 10
    rows: list[Row] = []
    with rich_database() as db_url:
        servers: list[tuple[str, AbstractContextManager[ServerProcess]]] = [
            ("rpiq, 1 process", rpiq_serve(db_url, max_associations=capacity)),
            ("rpiq, --workers 2", rpiq_serve(db_url, workers=2, max_associations=capacity)),
        ]
        for name, starting in servers:
            with starting as server:
                identifier = asyncio.run(fetch_identifier(server.port))
                rows += measure_server(name, server, RPIQ_AE_TITLE, settings, counts)
        identifiers = {RICH_PATIENT_ID: decode_identifier(identifier)}
        if reference_counts:
            with reference_server(identifiers, capacity) as reference:
                rows += measure_server("pynetdicom reference", reference, REFERENCE_AE_TITLE,
                                       settings, reference_counts)  # fmt: skip
    return rows


HEADERS = ("server", "associations", "queries/s", "fewest per association", "p50 ms", "p95 ms",
           "server CPU", "client CPU")  # fmt: skip


def table_rows(rows: list[Row]) -> list[list[str]]:
    return [
        [row.server, str(row.concurrency), f"{row.queries_per_s:,.0f}", str(row.fewest),
         f"{row.p50 * MS:.2f}", f"{row.p95 * MS:.2f}", f"{row.server_cpu * 100:.0f}%",
         f"{row.client_cpu * 100:.0f}%"]
        for row in rows
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--concurrency", default="1,10,100", help="comma-separated counts")
    parser.add_argument("--reference-concurrency", default="1,10", help="comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="each measuring window")
    parser.add_argument("--client-processes", type=int, default=1)
    settings = parser.parse_args(argv)
    header = machine_lines([f"- client processes: {settings.client_processes}; "
                            "CPU is % of one core (2 cores = 200%)"])  # fmt: skip
    started = time.perf_counter()
    rows = measure(settings)
    elapsed = time.perf_counter() - started
    print("\n".join([*header, f"- run time {elapsed:.0f} s; load average at end: "
                     f"{load_average()}"]))  # fmt: skip
    print()
    print(markdown_table(HEADERS, table_rows(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
