"""``rpiq query`` (exit statuses, text and JSON output) and ``rpiq serve`` (as a process)."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.pool import QueuePool

from net.support import ISSUER, save_test_patients
from rpiq.cli import build_parser, main
from rpiq.cli.serve import SHUTDOWN_GRACE, open_server_repository, settings_from
from rpiq.config import ServerSettings
from rpiq.net.client import RpiClient
from rpiq.net.server import RpiServer
from rpiq.store import open_repository

LISTENING = re.compile(r"^rpiq: listening on (?P<host>\S+):(?P<port>\d+) AE title (?P<aet>\S+)$")
START_DEADLINE_S = 30.0
STOP_DEADLINE_S = 5.0  # well under SHUTDOWN_GRACE, which only requests in flight get


def _query(server: RpiServer, *options: str) -> list[str]:
    host, port = server.address
    return ["query", host, str(port), *options]


def test_match_exits_0_and_prints_status_keys_and_tree(
    server: RpiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(_query(server, "--patient-id", "NET-001", "--issuer", ISSUER))
    lines = capsys.readouterr().out.splitlines()

    assert status == 0
    assert lines[0] == "Status 0xFF00 Pending: Current Match is supplied"
    assert "PatientID: NET-001" in lines
    assert "PatientName: Doe^Jane" in lines
    assert "ContentTemplate: DCMR 9007" in lines
    assert '1 CONTAINER (111517, DCM, "Relevant Patient Information")' in lines
    assert any(re.match(r"^  1\.\d+ (CONTAINS|HAS \w+ \w+) ", line) for line in lines)
    assert lines[-1] == (
        "Status 0x0000 Success: Matching is complete - No final Identifier is supplied"
    )


def test_no_match_exits_1(server: RpiServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_query(server, "--patient-id", "NOBODY-HERE")) == 1
    assert capsys.readouterr().out.splitlines() == [
        "Status 0x0000 Success: Matching is complete - No final Identifier is supplied"
    ]


def test_failure_status_exits_2_with_comment_and_offending_element(
    server: RpiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_query(server, "--patient-id", "NET-DUP")) == 2
    ambiguous = capsys.readouterr().out.splitlines()
    assert ambiguous[0] == "Status 0xC100 Failure: Failed: More than one match found"
    assert ambiguous[1].startswith("Error Comment: ")

    assert main(_query(server, "--patient-id", "NET-*")) == 2
    wildcard = capsys.readouterr().out.splitlines()
    assert wildcard[0] == "Status 0xA900 Failure: Error: Data Set does not match SOP Class"
    assert "Offending Element: (0010,0020)" in wildcard


def test_no_association_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["query", "127.0.0.1", str(port), "--patient-id", "X", "--timeout", "5"]) == 3
    assert "no association" in capsys.readouterr().err


def test_json_format_prints_a_ps3_18_array(
    server: RpiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_query(server, "--patient-id", "NET-001", "--format", "json")) == 0
    captured = capsys.readouterr()
    (identifier,) = json.loads(captured.out)
    assert identifier["00100020"] == {"vr": "LO", "Value": ["NET-001"]}
    assert identifier["00100010"]["Value"] == [{"Alphabetic": "Doe^Jane"}]
    assert identifier["0040A040"]["Value"] == ["CONTAINER"]
    assert list(identifier) == sorted(identifier)
    assert "Status 0x0000 Success" in captured.err

    assert main(_query(server, "--patient-id", "NOBODY-HERE", "--format", "json")) == 1
    assert json.loads(capsys.readouterr().out) == []


DATABASE_LAYER = ("sqlalchemy", "alembic", "psycopg", "rpiq.store", "rpiq.ingest")
NETWORK_STACK = ("pydicom", "pynetdicom")
IMPORTS_PROBE = """
import json, sys
from rpiq.cli import build_parser, main

def loaded(prefixes):
    return sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in prefixes))

build_parser()
after_parser = loaded(sys.argv[1].split(","))
status = main(sys.argv[2:])
print(json.dumps({"after_parser": after_parser, "after_query": loaded(sys.argv[1].split(",")),
                  "status": status}))
"""


def test_the_parser_and_rpiq_query_import_no_database_layer(server: RpiServer) -> None:
    host, port = server.address
    watched = ",".join(DATABASE_LAYER + NETWORK_STACK)
    query = ["query", host, str(port), "--patient-id", "NET-001", "--issuer", ISSUER]
    probe = [sys.executable, "-c", IMPORTS_PROBE, watched, *query, "--format", "json"]
    finished = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=False)
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout.splitlines()[-1])
    assert report["status"] == 0  # the query ran, matched and printed its JSON
    assert report["after_parser"] == []
    loaded_by_query = {name.split(".")[0] for name in report["after_query"]}
    assert loaded_by_query == {"pydicom", "pynetdicom"}


def test_rpiq_serve_sizes_the_database_pool_to_its_lookup_limit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rpiq.db'}"
    for options, expected in (([], ServerSettings().max_concurrent_lookups), (["40"], 40)):
        flag = ["--max-concurrent-lookups", *options] if options else []
        settings = settings_from(build_parser().parse_args(["serve", "--db", url, *flag]))
        repository = open_server_repository(settings)
        try:
            pool = repository.engine.pool
            assert isinstance(pool, QueuePool)
            assert pool.size() == expected == settings.max_concurrent_lookups
        finally:
            repository.close()


def test_serve_settings_come_from_defaults_file_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "rpiq.toml"
    config.write_text('[server]\nport = 2000\nae_title = "FROM-FILE"\n', encoding="utf-8")
    monkeypatch.setenv("RPIQ_DB", "sqlite:///from-env.db")

    def parse(*argv: str) -> Namespace:
        return build_parser().parse_args(["serve", *argv])

    settings = settings_from(parse("--config", str(config), "--port", "3000"))
    assert (settings.port, settings.ae_title, settings.db_url) == (
        3000,
        "FROM-FILE",
        "sqlite:///from-env.db",
    )
    assert settings.max_associations >= 100
    assert not settings.check_called_ae_title
    explicit = settings_from(parse("--db", "sqlite:///x.db", "--require-called-aet"))
    assert (explicit.db_url, explicit.check_called_ae_title) == ("sqlite:///x.db", True)


class LineReader:
    """Reads a process's stdout in a thread, so each line can be awaited with a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.process = process
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join(timeout=10)

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next(self, deadline: float) -> str:
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail("rpiq serve printed nothing in time")
        if line is None:
            self.process.wait(timeout=10)
            stderr = self.process.stderr.read() if self.process.stderr else ""
            pytest.fail(f"rpiq serve exited ({self.process.returncode}): {stderr}")
        return line


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[LineReader]:
    """``rpiq serve`` on a free port over an SQLite file holding the test patients."""
    url = f"sqlite:///{tmp_path / 'rpiq.db'}"
    repository = open_repository(url)
    save_test_patients(repository)
    repository.close()
    command = [sys.executable, "-m", "rpiq", "serve", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--db", url, "--print-example"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = LineReader(process)
    try:
        yield reader
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        reader.join()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_serve_answers_then_exits_0_promptly_on_sigterm_without_logging_patient_data(
    serve_process: LineReader,
) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    stdout = serve_process
    listening = LISTENING.match(stdout.next(deadline))
    assert listening is not None
    port = int(listening["port"])
    assert port > 0
    assert listening["aet"] == "RPIQ"
    example = stdout.next(deadline)
    assert example == f"rpiq query 127.0.0.1 {port} --patient-id RPI-BREAST-001 --sop breast"

    client = RpiClient(timeout=10)
    assert client.query("127.0.0.1", port, "NET-001", IssuerOfPatientID=ISSUER).matched
    idle = client.connect("127.0.0.1", port)  # still open when the signal arrives
    with socket.create_connection(("127.0.0.1", port)):
        pass  # a bare connect-and-close: must not hold the shutdown for the grace period
    silent = socket.create_connection(("127.0.0.1", port))  # never sends A-ASSOCIATE-RQ
    assert client.echo("127.0.0.1", port) == 0x0000  # both raw connections were accepted

    assert STOP_DEADLINE_S < SHUTDOWN_GRACE
    started = time.monotonic()
    serve_process.process.send_signal(signal.SIGTERM)
    assert serve_process.process.wait(timeout=SHUTDOWN_GRACE + 5) == 0
    assert time.monotonic() - started < STOP_DEADLINE_S
    idle.association.join(timeout=5)
    assert not idle.association.is_established
    with silent:
        silent.settimeout(5)
        assert silent.recv(1) == b""

    assert serve_process.process.stderr is not None
    stderr = serve_process.process.stderr.read()
    assert "event=find.done" in stderr
    assert "event=association.accepted" in stderr
    assert "event=server.stopped" in stderr
    assert "aborted=0" in stderr
    for patient_data in ("NET-001", "Doe", "Jane", "19610315", ISSUER):
        assert patient_data not in stderr
