"""Rich-patient C-FIND round trips: rpiq against a pynetdicom reference and the DCMTK C++ floor.

Run from the repository root::

    .venv/bin/python bench/rt_engine.py [--queries 600] [--new-association-queries 150]
        [--warmup 20] [--rounds 3] [--floor-repeats 2000]

Setup: one rich patient (``rich_patient.py``: 70 facts over two decades, which TID 9007
renders as ~200 content items) in a temporary SQLite file. Servers, each in its own process:

- **rpiq**: ``rpiq serve`` over that database (lookup, templates and encoding on every query);
- **pynetdicom reference**: pynetdicom's own RPI service, ``TCP_NODELAY`` set, its handler
  yielding the identifier rpiq returned, decoded once (``rt_servers.py``);
- **DCMTK floor**: ``wlmscpfs`` (C++) over a one-item worklist, ``TCP_NODELAY=1``
  (``dcmtk_floor.py``): a small worklist identifier, the protocol's floor.

Clients, one query in flight: **odil** ``FindSCU`` (C++, Debian ``python3-odil``, timed inside
its own process by ``odil_client.py``) against all three servers; the **raw-PDU client**
(``wire_client.py``: asyncio, request encoded once, responses only split into PDVs) against
rpiq and the reference; and DCMTK's ``findscu --repeat`` against ``wlmscpfs`` (mean per query
from the difference of two runs, so no percentiles). Modes: *session* = one association,
``--warmup`` untimed queries, then timed ones; *new association* = associate + C-FIND +
release, each timed. Every answer is checked (Success after one Pending identifier with the
queried Patient ID). Rounds alternate the server order; samples are pooled. Last, in the same
rounds and database: rpiq's own per-query work without any network (``QueryService.find`` and
the direct encoder, Explicit VR LE), which bounds its round trip from below.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import load_average, machine_lines, markdown_table, percentile
from dcmtk_floor import (
    WORKLIST_AE,
    WORKLIST_QUERY_JSON,
    WORKLIST_SOP_CLASS_UID,
    Worklist,
    WORKLIST_PatientID,
    findscu_floor,
    make_worklist,
    worklist_server,
)
from pydicom.dataset import Dataset
from rich_patient import RICH_ISSUER, RICH_PATIENT_ID, save_rich_patient
from rt_servers import (
    HOST,
    REFERENCE_AE_TITLE,
    RPIQ_AE_TITLE,
    reference_server,
    rpiq_serve,
)
from wire_client import SUCCESS_STATUS, Target, WireAssociation, decode_identifier

from rpiq.encode.direct import encode_response
from rpiq.net.client import build_request
from rpiq.net.contexts import SOP_BY_NAME
from rpiq.service.query import QueryService
from rpiq.store import open_repository

SYSTEM_PYTHON = "/usr/bin/python3"
ODIL_CLIENT = Path(__file__).resolve().with_name("odil_client.py")
ODIL_TIMEOUT_S = 600.0
SESSION, NEW_ASSOCIATION = "session", "new association"
RPIQ, REFERENCE, FLOOR = "rpiq", "pynetdicom reference", "DCMTK wlmscpfs (C++)"
ODIL, WIRE, FINDSCU = "odil FindSCU (C++)", "raw-PDU asyncio (Python)", "DCMTK findscu (C++)"
IN_PROCESS = "none: QueryService.find + encode_response in-process"
SERVERS, CLIENTS = (RPIQ, REFERENCE, FLOOR), (ODIL, WIRE, FINDSCU, IN_PROCESS)
NEW_ASSOCIATION_WARMUP = 3
GENERAL_UID = SOP_BY_NAME["general"].uid
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
MS = 1000.0

Key = tuple[str, str, str]  # server, client, mode
Samples = defaultdict[Key, list[float]]


@dataclass(frozen=True)
class Settings:
    queries: int
    new_association_queries: int
    warmup: int
    rounds: int
    floor_repeats: int


def rpi_request() -> Dataset:
    return build_request(RICH_PATIENT_ID, RICH_ISSUER, "general", "9007")


def rpi_target(port: int, called_ae: str) -> Target:
    return Target(HOST, port, called_ae, GENERAL_UID, rpi_request())


def check_identifier(data: bytes, PatientID: str) -> Dataset:
    identifier = decode_identifier(data)
    if identifier.PatientID != PatientID:
        raise SystemExit(f"answer for {identifier.PatientID!r}, not {PatientID!r}")
    return identifier


async def wire_session(target: Target, warmup: int, n: int) -> list[float]:
    association = await WireAssociation.open(target.host, target.port, target.associate_request)
    data, samples = target.identifier_bytes, []
    for index in range(warmup + n):
        started = time.perf_counter()
        answer = await association.find(target.sop_class_uid, data)
        elapsed = time.perf_counter() - started
        if answer.status != SUCCESS_STATUS or answer.pending != 1:
            raise SystemExit(f"unexpected answer {answer.status:#06x}")
        if index >= warmup:
            samples.append(elapsed)
    check_identifier(answer.identifier, RICH_PATIENT_ID)
    await association.release()
    return samples


async def wire_new_associations(target: Target, warmup: int, n: int) -> list[float]:
    request, data, samples = target.associate_request, target.identifier_bytes, []
    for index in range(warmup + n):
        started = time.perf_counter()
        association = await WireAssociation.open(target.host, target.port, request)
        answer = await association.find(target.sop_class_uid, data)
        await association.release()
        elapsed = time.perf_counter() - started
        if answer.status != SUCCESS_STATUS or answer.pending != 1:
            raise SystemExit(f"unexpected answer {answer.status:#06x}")
        if index >= warmup:
            samples.append(elapsed)
    return samples


def odil_report(query: Mapping[str, Any]) -> Any:
    """odil_client.py's samples for one server."""
    completed = subprocess.run(
        [SYSTEM_PYTHON, str(ODIL_CLIENT), json.dumps(query)],
        capture_output=True, text=True, check=False, timeout=ODIL_TIMEOUT_S,
    )  # fmt: skip
    if completed.returncode != 0:
        raise SystemExit(f"odil client failed: {completed.stdout}{completed.stderr}")
    return json.loads(completed.stdout)


def odil_query(server: str, port: int, settings: Settings) -> dict[str, Any]:
    common = {
        "host": HOST,
        "port": port,
        "warmup": settings.warmup,
        "queries": settings.queries // settings.rounds,
        "new_association_warmup": NEW_ASSOCIATION_WARMUP,
        "new_association_queries": settings.new_association_queries // settings.rounds,
    }
    if server == FLOOR:
        return {**common, "called_ae": WORKLIST_AE, "sop_class_uid": WORKLIST_SOP_CLASS_UID,
                "PatientID": WORKLIST_PatientID, "request": WORKLIST_QUERY_JSON}  # fmt: skip
    return {**common, "called_ae": RPIQ_AE_TITLE if server == RPIQ else REFERENCE_AE_TITLE,
            "sop_class_uid": GENERAL_UID, "PatientID": RICH_PATIENT_ID,
            "IssuerOfPatientID": RICH_ISSUER, "template_id": "9007"}  # fmt: skip


def run_server(
    samples: Samples, server: str, port: int, settings: Settings, worklist: Worklist
) -> None:
    """Every client and mode against one server, one round."""
    report = odil_report(odil_query(server, port, settings))
    samples[server, ODIL, SESSION].extend(report["session"])
    samples[server, ODIL, NEW_ASSOCIATION].extend(report["new_association"])
    if server == FLOOR:
        floor = findscu_floor(port, worklist, settings.floor_repeats, 1)
        samples[server, FINDSCU, SESSION].append(floor)
        return
    called_ae = RPIQ_AE_TITLE if server == RPIQ else REFERENCE_AE_TITLE
    target = rpi_target(port, called_ae)
    n_session = settings.queries // settings.rounds
    n_new = settings.new_association_queries // settings.rounds
    samples[server, WIRE, SESSION].extend(
        asyncio.run(wire_session(target, settings.warmup, n_session))
    )
    samples[server, WIRE, NEW_ASSOCIATION].extend(
        asyncio.run(wire_new_associations(target, NEW_ASSOCIATION_WARMUP, n_new))
    )


async def fetch_identifier(port: int) -> bytes:
    target = rpi_target(port, RPIQ_AE_TITLE)
    association = await WireAssociation.open(target.host, target.port, target.associate_request)
    answer = await association.find(target.sop_class_uid, target.identifier_bytes)
    await association.release()
    if answer.status != SUCCESS_STATUS or answer.pending != 1:
        raise SystemExit(f"rpiq answered {answer.status:#06x}")
    return answer.identifier


def in_process_samples(db_url: str, n: int, warmup: int) -> list[float]:
    """``QueryService.find`` + ``encode_response`` (Explicit VR LE) for the rich patient in this
    process, no network: the server's per-query work outside the engine."""
    request = rpi_request()
    with open_repository(db_url) as repository:
        service = QueryService(repository, 1)
        samples = []
        for index in range(warmup + n):
            started = time.perf_counter()
            pending = next(iter(service.find(GENERAL_UID, request, lambda: False)))
            assert pending.identifier is not None
            encode_response(pending.identifier, EXPLICIT_VR_LE)
            if index >= warmup:
                samples.append(time.perf_counter() - started)
    return samples


def count_content_items(item: Dataset) -> int:
    children = item.get("ContentSequence") or []
    return sum(1 + count_content_items(child) for child in children)


def measure(settings: Settings) -> tuple[list[str], Samples]:
    samples: Samples = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="rpiq-rt-") as folder:
        db_url = f"sqlite:///{Path(folder) / 'rich.db'}"
        save_rich_patient(db_url)
        worklist = make_worklist(Path(folder))
        with rpiq_serve(db_url) as rpiq:
            encoded = asyncio.run(fetch_identifier(rpiq.port))
            identifier = check_identifier(encoded, RICH_PATIENT_ID)
            identifiers = {RICH_PATIENT_ID: identifier}
            with reference_server(identifiers) as reference, worklist_server(worklist) as floor:
                ports = {RPIQ: rpiq.port, REFERENCE: reference.port, FLOOR: floor[1]}
                for turn in range(settings.rounds):
                    order = SERVERS if turn % 2 == 0 else tuple(reversed(SERVERS))
                    for server in order:
                        run_server(samples, server, ports[server], settings, worklist)
                    samples[RPIQ, IN_PROCESS, SESSION].extend(
                        in_process_samples(db_url, settings.queries // settings.rounds,
                                           settings.warmup)
                    )  # fmt: skip
    items = count_content_items(identifier)
    lines = [
        f"- {RICH_PATIENT_ID}, General RPI, TID 9007: response identifier {len(encoded):,} "
        f"bytes (Explicit VR LE), {items} content items",
        "- DCMTK floor: one worklist item, ~300-byte identifier",
    ]
    return lines, samples


def ordered(samples: Samples) -> list[tuple[Key, list[float]]]:
    modes = (SESSION, NEW_ASSOCIATION)

    def rank(key: Key) -> tuple[int, int, int]:
        server, client, mode = key
        return CLIENTS.index(client), modes.index(mode), SERVERS.index(server)

    return sorted(samples.items(), key=lambda item: rank(item[0]))


def figure_rows(samples: Samples, settings: Settings) -> list[list[str]]:
    rows = []
    for (server, client, mode), values in ordered(samples):
        if client == FINDSCU:
            mean = sum(values) / len(values)
            rows.append([server, client, mode, f"{settings.floor_repeats} x {len(values)}",
                         f"{mean * MS:.3f} (mean)", "", f"{1 / mean:,.0f}"])  # fmt: skip
            continue
        rows.append([server, client, mode, str(len(values)),
                     f"{percentile(values, 0.5) * MS:.3f}",
                     f"{percentile(values, 0.95) * MS:.3f}",
                     f"{len(values) / sum(values):,.0f}"])  # fmt: skip
    return rows


def ratio_rows(samples: Samples) -> list[list[str]]:
    rows = []
    for client in (ODIL, WIRE):
        for mode in (SESSION, NEW_ASSOCIATION):
            ours = samples.get((RPIQ, client, mode))
            theirs = samples.get((REFERENCE, client, mode))
            floor = samples.get((FLOOR, client, mode)) or samples.get((FLOOR, FINDSCU, mode))
            if not ours or not theirs:
                continue
            p50 = percentile(ours, 0.5)
            rows.append([client, mode, f"{p50 * MS:.3f}",
                         f"{percentile(theirs, 0.5) / p50:.1f}x",
                         f"{p50 / percentile(floor, 0.5):.1f}x" if floor else ""])  # fmt: skip
    return rows


FIGURE_HEADERS = ("server", "client", "mode", "n", "p50 ms", "p95 ms", "queries/s")
RATIO_HEADERS = ("client", "mode", "rpiq p50 ms", "reference p50 / rpiq p50",
                 "rpiq p50 / DCMTK floor p50")  # fmt: skip


def parse_arguments(argv: list[str]) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--queries", type=int, default=600, help="timed session queries")
    parser.add_argument("--new-association-queries", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=20, help="untimed queries per session")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--floor-repeats", type=int, default=2000, help="findscu --repeat")
    args = parser.parse_args(argv)
    return Settings(args.queries, args.new_association_queries, args.warmup, args.rounds,
                    args.floor_repeats)  # fmt: skip


def main(argv: list[str]) -> int:
    settings = parse_arguments(argv)
    header = machine_lines()
    started = time.perf_counter()
    lines, samples = measure(settings)
    elapsed = time.perf_counter() - started
    print("\n".join([*header, f"- run time {elapsed:.0f} s; load average at end: "
                     f"{load_average()}", *lines]))  # fmt: skip
    print()
    print(markdown_table(FIGURE_HEADERS, figure_rows(samples, settings)))
    print()
    print(markdown_table(RATIO_HEADERS, ratio_rows(samples)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
