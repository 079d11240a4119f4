"""Where a C-FIND round trip's time goes: the per-query steps, timed in-process, no network.

Run from the repository root::

    .venv/bin/python bench/query_costs.py [--repeats 50]

Same demo database and cases as query_roundtrip.py. For each case, the median over
``--repeats`` calls (after 5 untimed), and the best, of each step one query costs:

- rpiq server: the database lookup; the whole query service (lookup, templates, response
  keys); the content tree to a pydicom Dataset (``identifier_dataset``); that Dataset to bytes
  (``encode_identifier``);
- pynetdicom reference server: encoding its pre-built identifier Dataset (pynetdicom's
  ``encode``, what its RPI service does per response);
- pynetdicom client (rpiq's ``RpiClient``): decoding the Pending identifier, and formatting it
  line by line with ``pretty_dataset``, which pynetdicom's ``send_c_find`` does for every
  Pending identifier while ``pynetdicom._config.LOG_RESPONSE_IDENTIFIERS`` is True (its
  default), whatever the logger's level.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from benchlib import load_average, machine_lines, markdown_table
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom.dsutils import decode, encode, pretty_dataset
from query_roundtrip import CASES, Case

from rpiq.encode.dataset import encode_identifier, identifier_dataset
from rpiq.ingest.demo import load_demo
from rpiq.net.contexts import SOP_BY_NAME
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository, open_repository

WARMUP = 5
MS = 1000.0
HEADERS = ("case", "side", "step", "median ms", "best ms")


def timed_ms(step: Callable[[], object], repeats: int) -> list[str]:
    """Median and best milliseconds of ``repeats`` calls, after ``WARMUP`` untimed ones."""
    for _ in range(WARMUP):
        step()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        samples.append(time.perf_counter() - started)
    return [f"{statistics.median(samples) * MS:.2f}", f"{min(samples) * MS:.2f}"]


def client_decode_and_format(raw: bytes) -> int:
    """What pynetdicom's C-FIND SCU does with a Pending identifier by default."""
    identifier = decode(BytesIO(raw), False, True)
    return len(list(pretty_dataset(identifier))) if identifier is not None else 0


def case_rows(repository: SqlPatientRepository, case: Case, repeats: int) -> list[list[str]]:
    service = QueryService(repository, 1)
    uid = SOP_BY_NAME[case.sop].uid
    request = case.request()
    pending = next(iter(service.find(uid, request, lambda: False)))
    if pending.identifier is None:
        raise SystemExit(f"{case.label}: no match in the demo database")
    response = pending.identifier
    dataset = identifier_dataset(response)
    raw = encode_identifier(dataset, ExplicitVRLittleEndian)
    steps: list[tuple[str, str, Callable[[], object]]] = [
        ("rpiq server", "database lookup", lambda: repository.find_patients(
            case.PatientID, case.IssuerOfPatientID)),
        ("rpiq server", "query service (lookup + templates)", lambda: list(
            service.find(uid, request, lambda: False))),
        ("rpiq server", "content tree to Dataset", lambda: identifier_dataset(response)),
        ("rpiq server", "Dataset to bytes", lambda: encode_identifier(
            dataset, ExplicitVRLittleEndian)),
        ("reference server", "pynetdicom encode of the pre-built Dataset", lambda: encode(
            dataset, False, True)),
        ("pynetdicom client", "decode only", lambda: decode(BytesIO(raw), False, True)),
        ("pynetdicom client", "decode + pretty_dataset (default)", lambda: (
            client_decode_and_format(raw))),
    ]  # fmt: skip
    return [[case.label, side, step, *timed_ms(call, repeats)] for side, step, call in steps]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed calls per step")
    args = parser.parse_args(argv)
    header = machine_lines()
    rows: list[list[str]] = []
    with (
        tempfile.TemporaryDirectory(prefix="rpiq-bench-") as folder,
        open_repository(f"sqlite:///{Path(folder) / 'demo.db'}") as repository,
    ):
        if not load_demo(repository).ok:
            raise SystemExit("the demo data did not load")
        for case in CASES:
            rows.extend(case_rows(repository, case, args.repeats))
    print("\n".join([*header, f"- load average at end: {load_average()}"]))
    print()
    print(markdown_table(HEADERS, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
