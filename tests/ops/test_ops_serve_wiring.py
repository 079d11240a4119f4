"""``rpiq serve`` wires every part from its settings: a real process configured by a TOML
file, the environment and options at once, with TLS only (certificate made by openssl), an
allow list, an audit log, C-STORE off, /healthz and /metrics."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from net.support import ISSUER, save_test_patients
from ops.support import ServeProcess, eventually, health, http_get
from ops.test_ops_metrics import parse_exposition
from rpiq.config import TlsSettings
from rpiq.errors import AssociationFailed
from rpiq.net.client import RpiClient
from rpiq.net.tls import client_context
from rpiq.store import open_repository


def _server_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "server.pem", folder / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-subj", "/CN=rpiq-ops-test",
         "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[tuple[ServeProcess, Path, Path]]:
    url = f"sqlite:///{tmp_path / 'rpiq.db'}"
    with open_repository(url) as repository:
        save_test_patients(repository)
    cert, _key = _server_certificate(tmp_path)
    config = tmp_path / "rpiq.toml"
    config.write_text(
        "[server]\nport = 0\nae_title = 'FROM-FILE'\n"
        "[tls]\ncert_file = 'server.pem'\nkey_file = 'server.key'\nport = 0\n"
        "[[access.allow]]\nae_title = 'FILE-ONLY'\n"
        "[audit]\nlog_file = 'audit/audit.xml'\nenterprise_site_id = 'OPS-TEST'\n",
        encoding="utf-8",
    )
    environment = {
        "RPIQ_CONFIG": str(config),
        "RPIQ_AE_TITLE": "OPS-SCP",
        "RPIQ_TLS_PLAIN_LISTENER": "false",
        "RPIQ_DB": url,
    }
    server = ServeProcess(
        "--http-port", "0", "--allow-aet", "MODALITY1", "--require-called-aet", env=environment
    )
    try:
        yield server, cert, tmp_path / "audit" / "audit.xml"
    finally:
        server.close()


def test_tls_allow_list_audit_and_metrics_come_from_file_environment_and_options(
    configured: tuple[ServeProcess, Path, Path],
) -> None:
    server, cert, audit_log = configured
    server.wait_ready(plain=False, tls=True, http=True)
    assert server.stdout[0].endswith("AE title OPS-SCP")  # environment over file
    context = client_context(TlsSettings(ca_file=cert))

    allowed = RpiClient(calling_ae="MODALITY1", called_ae="OPS-SCP", tls_context=context)
    result = allowed.query("127.0.0.1", server.tls_port, "NET-001", IssuerOfPatientID=ISSUER)
    assert result.matched
    with pytest.raises(AssociationFailed):  # the option's allow list replaced the file's
        RpiClient(calling_ae="FILE-ONLY", called_ae="OPS-SCP", tls_context=context).query(
            "127.0.0.1", server.tls_port, "NET-001", IssuerOfPatientID=ISSUER
        )
    with pytest.raises(AssociationFailed):  # --require-called-aet
        RpiClient(calling_ae="MODALITY1", called_ae="OTHER", tls_context=context).query(
            "127.0.0.1", server.tls_port, "NET-001", IssuerOfPatientID=ISSUER
        )

    assert health(server.http_port)[0] == 200
    samples = parse_exposition(http_get(server.http_port, "/metrics")[1].decode())
    assert samples['rpiq_queries_total{sop_class="general",status="0000"}'] == 1
    assert samples["rpiq_associations_rejected_total"] == 2
    assert samples["rpiq_associations_total"] >= 1
    assert samples['rpiq_query_duration_seconds_bucket{le="+Inf"}'] == 1

    eventually(lambda: _none_open(server.http_port), 5, "every association closed")
    status, stderr = server.terminate()
    assert status == 0, stderr
    audit = audit_log.read_text(encoding="utf-8")
    assert audit.count('csd-code="110100"') == 2  # Application Activity: start and stop
    assert audit.count('csd-code="110112"') == 1  # the query
    assert audit.count('csd-code="110113"') == 2  # Security Alert: two rejections
    assert "OPS-TEST" in audit


def test_workers_share_one_port_and_stop_together(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rpiq.db'}"
    with open_repository(url) as repository:
        save_test_patients(repository)
    server = ServeProcess("--port", "0", "--db", url, "--workers", "2")
    try:
        server.wait_ready()
        first = server.port
        server.wait_ready()  # the second worker's line: the same port
        assert server.port == first
        client = RpiClient(timeout=10)
        for _ in range(4):
            assert client.query("127.0.0.1", first, "NET-001", IssuerOfPatientID=ISSUER).matched
        status, stderr = server.terminate()
        assert status == 0, stderr
        assert stderr.count("event=server.stopped") == 2
    finally:
        server.close()


def test_workers_with_an_http_port_are_refused_with_a_reason(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rpiq", "serve", "--db", f"sqlite:///{tmp_path / 'x.db'}",
         "--port", "0", "--workers", "2", "--http-port", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--http-port serves one process's metrics" in done.stderr
    assert "listening" not in done.stdout


@pytest.mark.parametrize("taken", ["--port", "--http-port"])
def test_a_port_in_use_exits_2_naming_the_listener(tmp_path: Path, taken: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        ports = {"--port": "0", "--http-port": "0", taken: port}
        done = subprocess.run(
            [sys.executable, "-m", "rpiq", "serve", "--host", "127.0.0.1", "--http-host",
             "127.0.0.1", "--db", f"sqlite:///{tmp_path / 'x.db'}",
             *(part for pair in ports.items() for part in pair)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    listener = "HTTP 127.0.0.1" if taken == "--http-port" else "127.0.0.1"
    assert f"rpiq serve: cannot listen on {listener} port {port}: " in done.stderr
    assert "Traceback" not in done.stderr


def _none_open(http_port: int) -> bool | None:
    samples = parse_exposition(http_get(http_port, "/metrics")[1].decode())
    return True if samples["rpiq_associations_open"] == 0 else None
