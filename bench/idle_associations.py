"""Idle associations: server CPU while they stay open, and busy associations served meanwhile.

Run from the repository root::

    .venv/bin/python bench/idle_associations.py [--idle 1000] [--busy 100] [--seconds 10]
        [--reference-idle 10,100]

For each server (rpiq as ``rpiq serve``; the pynetdicom reference of ``rt_servers.py``):

1. CPU of the server process (user + system from /proc/PID/stat, all its threads and worker
   processes) over ``--seconds`` with no association: the baseline;
2. ``--idle`` associations opened (A-ASSOCIATE accepted) and left silent; after 2 s to settle,
   the server's CPU over ``--seconds``;
3. while those stay open, ``--busy`` more associations query the rich patient (TID 9007,
   ~200 content items) back to back for ``--seconds``: queries/s, the fewest queries any busy
   association completed (every one must be served), round-trip p50/p95, server CPU;
4. finally one C-FIND on *every* idle association: all must still be open and answer.

pynetdicom runs two polling threads per association, so the reference is measured with
``--reference-idle`` associations (default 10 and 100), not 1,000 (2,000 threads would take
both cores of the machine other work shares for the whole run); its busy step is run at 100
idle. The load comes from ``wire_client.py`` (asyncio, raw PDUs) in this process; its own CPU
is printed. The soft ``RLIMIT_NOFILE`` is raised to the hard limit (servers inherit it).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
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
from wire_client import (
    SUCCESS_STATUS,
    Target,
    WireAssociation,
    decode_identifier,
    open_associations,
    run_busy,
)

from rpiq.net.client import build_request
from rpiq.net.contexts import SOP_BY_NAME

SETTLE_S = 2.0
MS = 1000.0
RPIQ, REFERENCE = "rpiq", "pynetdicom reference"


@dataclass(frozen=True)
class Row:
    server: str
    idle: int
    baseline_cpu: float
    idle_cpu: float
    client_idle_cpu: float
    busy: int
    queries_per_s: float
    fewest: int
    p50: float
    p95: float
    busy_cpu: float
    client_busy_cpu: float
    idle_alive: str


def raise_file_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = hard if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def target(port: int, called_ae: str) -> Target:
    request = build_request(RICH_PATIENT_ID, RICH_ISSUER, "general", "9007")
    return Target(HOST, port, called_ae, SOP_BY_NAME["general"].uid, request)


async def cpu_while(pid: int, seconds: float) -> tuple[float, float]:
    """(server, this process) CPU as fractions of one core over ``seconds``, loop running."""
    server, own, started = cpu_seconds(pid), time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    return (cpu_seconds(pid) - server) / elapsed, (time.process_time() - own) / elapsed


async def all_answer(associations: list[WireAssociation], where: Target) -> int:
    """How many of ``associations`` answer one C-FIND correctly (one at a time)."""
    data, answered = where.identifier_bytes, 0
    for association in associations:
        answer = await association.find(where.sop_class_uid, data)
        if answer.status == SUCCESS_STATUS and answer.pending == 1:
            answered += 1
    return answered


@dataclass(frozen=True)
class Load:
    idle: int
    busy: int
    seconds: float


async def measure_server(server: str, process: ServerProcess, called_ae: str, load: Load) -> Row:
    idle, busy, seconds = load.idle, load.busy, load.seconds
    where = target(process.port, called_ae)
    baseline, _ = await cpu_while(process.pid, seconds)
    idle_associations = await open_associations(where, idle)
    await asyncio.sleep(SETTLE_S)
    idle_cpu, client_idle = await cpu_while(process.pid, seconds)
    row_busy = (0.0, 0, 0.0, 0.0, 0.0, 0.0)
    if busy:
        busy_associations = await open_associations(where, busy)
        before = cpu_seconds(process.pid)
        result = await run_busy(where, busy_associations, seconds)
        busy_cpu = (cpu_seconds(process.pid) - before) / result.seconds
        await asyncio.gather(*(a.release() for a in busy_associations))
        row_busy = (len(result.latencies) / result.seconds, min(result.per_association),
                    percentile(result.latencies, 0.5), percentile(result.latencies, 0.95),
                    busy_cpu, result.client_cpu_seconds / result.seconds)  # fmt: skip
    answered = await all_answer(idle_associations, where)
    await asyncio.gather(*(a.release() for a in idle_associations))
    qps, fewest, p50, p95, busy_cpu, client_busy = row_busy
    return Row(server, idle, baseline, idle_cpu, client_idle, busy, qps, fewest, p50, p95,
               busy_cpu, client_busy, f"{answered}/{idle}")  # fmt: skip


async def fetch_identifier(port: int) -> bytes:
    where = target(port, RPIQ_AE_TITLE)
    association = await WireAssociation.open(where.host, where.port, where.associate_request)
    answer = await association.find(where.sop_class_uid, where.identifier_bytes)
    await association.release()
    return answer.identifier


def measure(idle: int, busy: int, seconds: float, reference_idle: list[int]) -> list[Row]:
    rows = []
    capacity = idle + busy + 10
    with tempfile.TemporaryDirectory(prefix="rpiq-idle-") as folder:
        db_url = f"sqlite:///{Path(folder) / 'rich.db'}"
        save_rich_patient(db_url)
        with rpiq_serve(db_url, max_associations=capacity) as rpiq:
            identifier = decode_identifier(asyncio.run(fetch_identifier(rpiq.port)))
            load = Load(idle, busy, seconds)
            rows.append(asyncio.run(measure_server(RPIQ, rpiq, RPIQ_AE_TITLE, load)))
        with reference_server({RICH_PATIENT_ID: identifier}, capacity) as reference:
            for count in reference_idle:
                with_busy = busy if count == max(reference_idle) else 0
                load = Load(count, with_busy, seconds)
                rows.append(
                    asyncio.run(measure_server(REFERENCE, reference, REFERENCE_AE_TITLE, load))
                )
    return rows


HEADERS = ("server", "idle assoc.", "server CPU, none open", "server CPU, idle open",
           "client CPU", "busy assoc.", "queries/s", "fewest per busy assoc.", "p50 ms",
           "p95 ms", "server CPU, busy", "client CPU, busy", "idle still answering")  # fmt: skip


def table_rows(rows: list[Row]) -> list[list[str]]:
    def share(value: float) -> str:
        return f"{value * 100:.1f}%"

    return [
        [row.server, f"{row.idle:,}", share(row.baseline_cpu), share(row.idle_cpu),
         share(row.client_idle_cpu), str(row.busy),
         f"{row.queries_per_s:,.0f}" if row.busy else "-", str(row.fewest) if row.busy else "-",
         f"{row.p50 * MS:.2f}" if row.busy else "-", f"{row.p95 * MS:.2f}" if row.busy else "-",
         share(row.busy_cpu) if row.busy else "-", share(row.client_busy_cpu) if row.busy else "-",
         row.idle_alive]
        for row in rows
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--busy", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0, help="each measuring window")
    parser.add_argument("--reference-idle", default="10,100", help="comma-separated counts")
    args = parser.parse_args(argv)
    reference_idle = [int(count) for count in args.reference_idle.split(",") if count]
    limit = raise_file_limit(2 * (args.idle + args.busy) + 256)
    header = machine_lines([f"- open files soft limit: {limit:,}; CPU is % of one core"])
    started = time.perf_counter()
    rows = measure(args.idle, args.busy, args.seconds, reference_idle)
    elapsed = time.perf_counter() - started
    print("\n".join([*header, f"- run time {elapsed:.0f} s; load average at end: "
                     f"{load_average()}"]))  # fmt: skip
    print()
    print(markdown_table(HEADERS, table_rows(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
