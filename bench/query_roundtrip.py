"""C-FIND round trips for two rich demo patients: rpiq's server against a pynetdicom reference.

Run from the repository root::

    .venv/bin/python bench/query_roundtrip.py [--queries 150] [--new-association-queries 45]
        [--warmup 10] [--rounds 3] [--no-odil]

Setup: the demo patients (``rpiq demo``'s data) are loaded into a temporary SQLite file. Two
servers run, each in its own process (see ``rt_servers.py``): (a) rpiq's ``RpiServer`` over
that database, and (b) pynetdicom's own Relevant Patient Information service with a handler
yielding the identifier rpiq returned for the same patient, pre-built once; both set
``TCP_NODELAY`` on accepted sockets. The cases are RPI-CARDIAC-001 under Cardiac RPI (TID 3802)
and RPI-BREAST-001 under General RPI (TID 9007; Breast Imaging RPI allows TID 9000 only).

Clients, in this process, one query in flight at a time: rpiq's ``RpiClient`` (pynetdicom with
``TCP_NODELAY``); and, when the system Python has ``python3-odil``, odil's ``FindSCU`` (C++),
timed inside its own process by ``odil_client.py``. Modes: ``session`` (one association,
``--warmup`` untimed queries then the timed ones) and ``new association`` (associate, query,
release, each timed; two untimed first). Every answer is checked (Success after a Pending
identifier holding the queried Patient ID). Each round runs every case on both servers,
alternating which goes first; the samples of all rounds are pooled. queries/s = timed queries /
their summed time (one query in flight, so 1 / mean latency).

Prints the machine, the identifiers' sizes, the figures and the ratios rpiq / reference
(latency below 1, or queries/s above 1, means rpiq is faster).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from benchlib import load_average, machine_lines, markdown_table, percentile
from pydicom.dataset import Dataset
from pynetdicom.dsutils import encode
from rt_servers import HOST, REFERENCE_AE_TITLE, RPIQ_AE_TITLE, serve_reference, serve_rpiq

from rpiq.ingest.demo import DEMO_ISSUER, load_demo
from rpiq.net.client import QueryResult, RpiClient, build_request
from rpiq.net.contexts import SOP_BY_NAME
from rpiq.net.sop_names import SopName
from rpiq.store import open_repository

SYSTEM_PYTHON = "/usr/bin/python3"
ODIL_CLIENT = Path(__file__).resolve().with_name("odil_client.py")
SERVER_START_TIMEOUT_S = 30.0
CLIENT_TIMEOUT_S = 30.0
ODIL_TIMEOUT_S = 300.0
SESSION, NEW_ASSOCIATION = "session", "new association"
RPIQ, REFERENCE = "rpiq", "pynetdicom reference"
PYNETDICOM_CLIENT, ODIL = "RpiClient (pynetdicom)", "odil FindSCU (C++)"
MS = 1000.0
NEW_ASSOCIATION_WARMUP = 2  # untimed associations per block


@dataclass(frozen=True)
class Case:
    """One patient queried under one SOP class with one root template."""

    label: str
    PatientID: str
    sop: SopName
    TemplateIdentifier: str
    IssuerOfPatientID: str = DEMO_ISSUER

    def request(self) -> Dataset:
        return build_request(
            self.PatientID, self.IssuerOfPatientID, self.sop, self.TemplateIdentifier
        )


CASES = (
    Case("RPI-CARDIAC-001, Cardiac, TID 3802", "RPI-CARDIAC-001", "cardiac", "3802"),
    Case("RPI-BREAST-001, General, TID 9007", "RPI-BREAST-001", "general", "9007"),
)


@dataclass(frozen=True)
class Settings:
    queries: int
    new_association_queries: int
    warmup: int
    rounds: int
    use_odil: bool


# (case label, mode, client, server) -> seconds per query
Samples = defaultdict[tuple[str, str, str, str], list[float]]


def check(result: QueryResult, case: Case) -> None:
    identifier = result.identifier
    if not result.matched or identifier is None or identifier.PatientID != case.PatientID:
        raise SystemExit(f"{case.label}: unexpected answer {result.description}")


def session_samples(client: RpiClient, port: int, case: Case, warmup: int, n: int) -> list[float]:
    """``n`` timed C-FINDs on one association, after ``warmup`` untimed ones."""
    request = case.request()
    samples = []
    with client.connect(HOST, port, sops=(case.sop,)) as session:
        for _ in range(warmup):
            check(session.find(request, case.sop), case)
        for _ in range(n):
            started = time.perf_counter()
            result = session.find(request, case.sop)
            samples.append(time.perf_counter() - started)
            check(result, case)
    return samples


def new_association_samples(
    client: RpiClient, port: int, case: Case, warmup: int, n: int
) -> list[float]:
    """``n`` timed rounds of associate + C-FIND + release, after ``warmup`` untimed ones."""
    samples = []
    for index in range(warmup + n):
        started = time.perf_counter()
        result = client.query(
            HOST,
            port,
            case.PatientID,
            IssuerOfPatientID=case.IssuerOfPatientID,
            sop=case.sop,
            template=case.TemplateIdentifier,
        )
        elapsed = time.perf_counter() - started
        check(result, case)
        if index >= warmup:
            samples.append(elapsed)
    return samples


def odil_samples(port: int, called_ae: str, case: Case, settings: Settings, n: int) -> Any:
    """odil_client.py's report for one server and case (``n`` session queries)."""
    query = {
        "host": HOST,
        "port": port,
        "called_ae": called_ae,
        "sop_class_uid": SOP_BY_NAME[case.sop].uid,
        "PatientID": case.PatientID,
        "IssuerOfPatientID": case.IssuerOfPatientID,
        "template_id": case.TemplateIdentifier,
        "warmup": settings.warmup,
        "new_association_warmup": NEW_ASSOCIATION_WARMUP,
        "queries": n,
        "new_association_queries": settings.new_association_queries // settings.rounds,
    }
    completed = subprocess.run(
        [SYSTEM_PYTHON, str(ODIL_CLIENT), json.dumps(query)],
        capture_output=True,
        text=True,
        check=False,
        timeout=ODIL_TIMEOUT_S,
    )
    if completed.returncode != 0:
        raise SystemExit(f"odil client failed: {completed.stdout}{completed.stderr}")
    return json.loads(completed.stdout)


def odil_available() -> bool:
    probe = [SYSTEM_PYTHON, "-c", "import odil"]
    return Path(SYSTEM_PYTHON).exists() and subprocess.run(probe, check=False).returncode == 0


@contextmanager
def server_process(target: Callable[..., None], *arguments: object) -> Iterator[int]:
    """Run ``target(*arguments, connection)`` in a new process; yield the port it reports."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=target, args=(*arguments, child), daemon=True)
    process.start()
    try:
        if not parent.poll(SERVER_START_TIMEOUT_S):
            raise SystemExit(f"{target.__name__} did not report a port")
        yield int(parent.recv())
    finally:
        _stop(process, parent)


def _stop(process: multiprocessing.process.BaseProcess, connection: Connection) -> None:
    if process.is_alive():
        connection.send("stop")
    process.join(SERVER_START_TIMEOUT_S)
    if process.is_alive():
        process.terminate()
        process.join()


def reference_identifiers(client: RpiClient, port: int) -> dict[str, Dataset]:
    """rpiq's answer for each case, by Patient ID: what the reference server will return."""
    identifiers = {}
    for case in CASES:
        result = client.query(
            HOST,
            port,
            case.PatientID,
            IssuerOfPatientID=case.IssuerOfPatientID,
            sop=case.sop,
            template=case.TemplateIdentifier,
        )
        check(result, case)
        assert result.identifier is not None  # checked above; narrows the type
        identifiers[case.PatientID] = result.identifier
    return identifiers


def describe_identifiers(identifiers: Mapping[str, Dataset]) -> list[str]:
    lines = []
    for case in CASES:
        identifier = identifiers[case.PatientID]
        encoded = encode(identifier, is_implicit_vr=False, is_little_endian=True) or b""
        lines.append(
            f"- {case.label}: response identifier {len(encoded):,} bytes (Explicit VR LE), "
            f"{count_content_items(identifier)} content items"
        )
    return lines


def count_content_items(item: Dataset) -> int:
    children = item.get("ContentSequence") or []
    return sum(1 + count_content_items(child) for child in children)


def run_round(
    samples: Samples, client: RpiClient, ports: Mapping[str, int], settings: Settings, turn: int
) -> None:
    """Every case, mode and client on both servers; the server order alternates per round."""
    servers = [RPIQ, REFERENCE] if turn % 2 == 0 else [REFERENCE, RPIQ]
    n_session = settings.queries // settings.rounds
    n_new = settings.new_association_queries // settings.rounds
    for case in CASES:
        for server in servers:
            port = ports[server]
            samples[case.label, SESSION, PYNETDICOM_CLIENT, server].extend(
                session_samples(client, port, case, settings.warmup, n_session)
            )
            samples[case.label, NEW_ASSOCIATION, PYNETDICOM_CLIENT, server].extend(
                new_association_samples(client, port, case, NEW_ASSOCIATION_WARMUP, n_new)
            )
            if settings.use_odil:
                called_ae = RPIQ_AE_TITLE if server == RPIQ else REFERENCE_AE_TITLE
                report = odil_samples(port, called_ae, case, settings, n_session)
                samples[case.label, SESSION, ODIL, server].extend(report["session"])
                samples[case.label, NEW_ASSOCIATION, ODIL, server].extend(report["new_association"])


def ordered(samples: Samples) -> list[tuple[tuple[str, str, str, str], list[float]]]:
    """By case, client, mode, then rpiq before the reference."""
    labels = [case.label for case in CASES]
    clients = [PYNETDICOM_CLIENT, ODIL]
    modes = [SESSION, NEW_ASSOCIATION]
    servers = [RPIQ, REFERENCE]

    def rank(key: tuple[str, str, str, str]) -> tuple[int, int, int, int]:
        label, mode, client, server = key
        return (
            labels.index(label),
            clients.index(client),
            modes.index(mode),
            servers.index(server),
        )

    return sorted(samples.items(), key=lambda item: rank(item[0]))


def figure_rows(samples: Samples) -> list[list[str]]:
    rows = []
    for (label, mode, client, server), values in ordered(samples):
        rows.append([
            label,
            mode,
            client,
            server,
            str(len(values)),
            f"{percentile(values, 0.5) * MS:.2f}",
            f"{percentile(values, 0.95) * MS:.2f}",
            f"{len(values) / sum(values):.0f}",
        ])  # fmt: skip
    return rows


def ratio_rows(samples: Samples) -> list[list[str]]:
    rows = []
    for (label, mode, client, server), ours in ordered(samples):
        if server != RPIQ:
            continue
        theirs = samples[label, mode, client, REFERENCE]
        rows.append([
            label,
            mode,
            client,
            f"{percentile(ours, 0.5) / percentile(theirs, 0.5):.2f}",
            f"{percentile(ours, 0.95) / percentile(theirs, 0.95):.2f}",
            f"{(len(ours) / sum(ours)) / (len(theirs) / sum(theirs)):.2f}",
        ])  # fmt: skip
    return rows


FIGURE_HEADERS = ("case", "mode", "client", "server", "n", "p50 ms", "p95 ms", "queries/s")
RATIO_HEADERS = ("case", "mode", "client", "p50 ratio", "p95 ratio", "queries/s ratio")


def measure(settings: Settings) -> tuple[list[str], Samples]:
    """Start both servers over a fresh demo database; the identifier lines and the samples."""
    client = RpiClient(calling_ae="RPIQ-BENCH", timeout=CLIENT_TIMEOUT_S)
    samples: Samples = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="rpiq-bench-") as folder:
        db_url = f"sqlite:///{Path(folder) / 'demo.db'}"
        with open_repository(db_url) as repository:
            if not load_demo(repository).ok:
                raise SystemExit("the demo data did not load")
        with server_process(serve_rpiq, db_url) as rpiq_port:
            identifiers = reference_identifiers(client, rpiq_port)
            with server_process(serve_reference, identifiers) as reference_port:
                ports = {RPIQ: rpiq_port, REFERENCE: reference_port}
                for turn in range(settings.rounds):
                    run_round(samples, client, ports, settings, turn)
    return describe_identifiers(identifiers), samples


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--queries", type=int, default=150, help="timed queries per session case")
    parser.add_argument(
        "--new-association-queries", type=int, default=45, help="timed associations per case"
    )
    parser.add_argument("--warmup", type=int, default=10, help="untimed queries per session")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--no-odil", action="store_true", help="skip the odil client")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_arguments(argv)
    use_odil = not args.no_odil and odil_available()
    settings = Settings(
        args.queries, args.new_association_queries, args.warmup, args.rounds, use_odil
    )
    header = machine_lines([f"- odil client: {'yes' if use_odil else 'no'}"])
    started = time.perf_counter()
    identifier_lines, samples = measure(settings)
    elapsed = time.perf_counter() - started
    print(
        "\n".join([*header, f"- run time {elapsed:.0f} s; load average at end: {load_average()}"])
    )
    print("\n".join(identifier_lines))
    print()
    print(markdown_table(FIGURE_HEADERS, figure_rows(samples)))
    print()
    print(markdown_table(RATIO_HEADERS, ratio_rows(samples)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
