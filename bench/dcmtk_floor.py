"""The C++ floor: DCMTK's worklist server ``wlmscpfs`` answering DCMTK's ``findscu``.

Run from the repository root::

    .venv/bin/python bench/dcmtk_floor.py [--repeats 2000] [--runs 5]

Both sides are C++ and run with ``TCP_NODELAY=1`` (DCMTK keeps Nagle on otherwise). The
worklist folder holds one ``.wl`` file (DCMTK's own example ``wklist1``, with the Patient ID the
benchmarks query); the query names the patient and asks for a handful of return keys, so each
round trip carries one small Pending identifier (a few hundred bytes: the floor of the
protocol, not of encoding a content tree). ``findscu --repeat N`` sends N C-FINDs over one
association; the per-query time is the difference between a run of N and a run of 1, divided
by N - 1 (process start, association and release cancel out). Median of ``--runs`` such pairs.

:func:`worklist_server` and :func:`findscu_floor` are also used by ``rt_engine.py`` to measure
the floor in the same run as rpiq (where odil's C++ client also queries ``wlmscpfs``).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchlib import load_average, machine_lines, markdown_table

WORKLIST_AE = "RPIQWL"
HOST = "127.0.0.1"
WORKLIST_SOP_CLASS_UID = "1.2.840.10008.5.1.4.31"
START_TIMEOUT_S = 10.0
RUN_TIMEOUT_S = 300.0
NODELAY_ENV = {**os.environ, "TCP_NODELAY": "1"}
MS = 1000.0

WORKLIST_PatientID = "RPI-RICH-001"
WORKLIST_ITEM = f"""\
(0008,0050) SH [00000]
(0008,0005) CS [ISO_IR 100]
(0010,0010) PN [Rich^Rachel]
(0010,0020) LO [{WORKLIST_PatientID}]
(0010,0030) DA [19580214]
(0010,0040) CS [F]
(0010,2000) LO [METASTASIS]
(0010,2110) LO [TANTAL]
(0020,000d) UI [1.2.276.0.7230010.3.2.101]
(0032,1032) PN [SMITH]
(0032,1060) LO [EXAM6]
(0040,0100) SQ
(fffe,e000) -
(0008,0060) CS [MR]
(0032,1070) LO [BARIUMSULFAT]
(0040,0001) AE [{WORKLIST_AE}]
(0040,0002) DA [20261127]
(0040,0003) TM [085607]
(0040,0006) PN [JOHNSON]
(0040,0007) LO [EXAM74]
(0040,0009) SH [SPD3445]
(0040,0010) SH [STN456]
(0040,0011) SH [B34F56]
(0040,0012) LO []
(0040,0400) LT []
(fffe,e00d) -
(fffe,e0dd) -
(0040,1001) SH [RP454G234]
(0040,1003) SH [LOW]
"""
WORKLIST_QUERY = f"""\
(0010,0010) PN []
(0010,0020) LO [{WORKLIST_PatientID}]
(0010,0030) DA []
(0010,0040) CS []
(0020,000d) UI []
(0040,0100) SQ
(fffe,e000) -
(0008,0060) CS []
(0040,0001) AE []
(0040,0002) DA []
(fffe,e00d) -
(fffe,e0dd) -
"""
# The same query in the DICOM JSON model, for odil_client.py.
WORKLIST_QUERY_JSON: dict[str, object] = {
    "00100010": {"vr": "PN"},
    "00100020": {"vr": "LO", "Value": [WORKLIST_PatientID]},
    "00100030": {"vr": "DA"},
    "00100040": {"vr": "CS"},
    "0020000D": {"vr": "UI"},
    "00400100": {
        "vr": "SQ",
        "Value": [{"00080060": {"vr": "CS"}, "00400001": {"vr": "AE"}, "00400002": {"vr": "DA"}}],
    },
}


@dataclass(frozen=True)
class Worklist:
    """The worklist database folder and the query file."""

    folder: Path
    query_file: Path


def dump_to_file(dump: str, target: Path) -> None:
    """``dump2dcm`` a textual dump into a DICOM file (Explicit VR Little Endian)."""
    source = target.with_suffix(".dump")
    source.write_text(dump, encoding="ascii")
    completed = subprocess.run(
        ["dump2dcm", "--write-xfer-little", str(source), str(target)],
        capture_output=True, text=True, check=False, timeout=RUN_TIMEOUT_S,
    )  # fmt: skip
    if completed.returncode != 0:
        raise SystemExit(f"dump2dcm failed: {completed.stderr}")


def make_worklist(root: Path) -> Worklist:
    """``root/RPIQWL/item.wl`` (one worklist item) and ``root/query.dcm``."""
    folder = root / "worklist"
    (folder / WORKLIST_AE).mkdir(parents=True)
    (folder / WORKLIST_AE / "lockfile").touch()
    dump_to_file(WORKLIST_ITEM, folder / WORKLIST_AE / "item.wl")
    dump_to_file(WORKLIST_QUERY, root / "query.dcm")
    return Worklist(folder, root / "query.dcm")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1.0).close()
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing listens on {HOST}:{port}") from None
            time.sleep(0.05)
        else:
            return


@contextmanager
def worklist_server(worklist: Worklist) -> Iterator[tuple[int, int]]:
    """``wlmscpfs`` over the worklist folder with ``TCP_NODELAY=1``; yields (pid, port)."""
    port = free_port()
    command = ["wlmscpfs", "-dfp", str(worklist.folder), str(port)]
    with subprocess.Popen(
        command, env=NODELAY_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            wait_listening(port, START_TIMEOUT_S)
            yield process.pid, port
        finally:
            process.terminate()
            process.wait(START_TIMEOUT_S)


def findscu_seconds(port: int, worklist: Worklist, repeats: int) -> float:
    """Wall time of one ``findscu --repeat repeats`` run (associate, queries, release)."""
    command = ["findscu", "-W", "-aec", WORKLIST_AE, "--repeat", str(repeats), HOST, str(port),
               str(worklist.query_file)]  # fmt: skip
    started = time.perf_counter()
    completed = subprocess.run(
        command, env=NODELAY_ENV, capture_output=True, text=True, check=False,
        timeout=RUN_TIMEOUT_S,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"findscu failed: {completed.stderr[-2000:]}")
    return elapsed


def findscu_floor(port: int, worklist: Worklist, repeats: int, runs: int) -> float:
    """Seconds per C-FIND round trip: median over ``runs`` of (T(repeats) - T(1)) / (repeats-1)."""
    estimates = []
    for _ in range(runs):
        single = findscu_seconds(port, worklist, 1)
        many = findscu_seconds(port, worklist, repeats)
        estimates.append((many - single) / (repeats - 1))
    return statistics.median(estimates)


def check_answer(port: int, worklist: Worklist) -> int:
    """The number of Pending responses ``findscu`` reports (must be 1: the patient)."""
    command = ["findscu", "-v", "-W", "-aec", WORKLIST_AE, HOST, str(port),
               str(worklist.query_file)]  # fmt: skip
    completed = subprocess.run(
        command, env=NODELAY_ENV, capture_output=True, text=True, check=False,
        timeout=RUN_TIMEOUT_S,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    return output.count("(Pending)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=2000, help="C-FINDs per findscu run")
    parser.add_argument("--runs", type=int, default=5, help="findscu run pairs (median)")
    args = parser.parse_args(argv)
    print("\n".join(machine_lines()))
    with tempfile.TemporaryDirectory(prefix="rpiq-dcmtk-") as folder:
        worklist = make_worklist(Path(folder))
        with worklist_server(worklist) as (_pid, port):
            pending = check_answer(port, worklist)
            if pending < 1:
                raise SystemExit("wlmscpfs did not answer the worklist query")
            seconds = findscu_floor(port, worklist, args.repeats, args.runs)
    print(f"- load average at end: {load_average()}")
    print()
    rows = [["findscu (C++)", "wlmscpfs (C++)", "session", f"{args.repeats} x {args.runs}",
             f"{seconds * MS:.3f}", f"{1 / seconds:,.0f}"]]  # fmt: skip
    headers = ("client", "server", "mode", "n", "mean ms", "queries/s")
    print(markdown_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
