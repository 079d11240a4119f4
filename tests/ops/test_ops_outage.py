"""PostgreSQL outages with ``rpiq serve`` running: C000 with an Error Comment (no crash, no
hang), /healthz 503, and recovery without a restart when the database returns.

The cluster is private to this module: stopping the suite's shared server would disturb
other tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from net.support import ISSUER, save_test_patients
from ops.support import PrivateCluster, ServeProcess, eventually, health, http_get
from ops.test_ops_metrics import parse_exposition
from rpiq.net.client import QueryResult, RpiClient
from rpiq.store import open_repository

pytestmark = pytest.mark.postgres

UNABLE_TO_PROCESS = 0xC000
OUTAGE_ANSWER_S = 10.0  # bound on a query's answer while the database is down
RECOVERY_S = 30.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    made = PrivateCluster()
    try:
        yield made
    finally:
        made.remove()


@pytest.fixture
def serving() -> Iterator[list[ServeProcess]]:
    """Started processes, killed after the test if still running."""
    started: list[ServeProcess] = []
    yield started
    for process in started:
        process.close()


def _query(port: int) -> QueryResult:
    return RpiClient(timeout=15).query("127.0.0.1", port, "NET-001", IssuerOfPatientID=ISSUER)


def _timed_query(port: int) -> tuple[QueryResult, float]:
    started = time.monotonic()
    result = _query(port)
    return result, time.monotonic() - started


def _assert_unable_to_process(port: int) -> None:
    result, seconds = _timed_query(port)
    assert result.status == UNABLE_TO_PROCESS
    assert result.error_comment
    assert "database" in result.error_comment
    assert result.identifier is None
    assert seconds < OUTAGE_ANSWER_S


def _matched(port: int) -> QueryResult | None:
    result = _query(port)
    return result if result.matched else None


def _health_is(port: int, code: int) -> bool | None:
    return True if health(port)[0] == code else None


def test_an_outage_mid_run_answers_c000_then_recovers_by_itself(
    cluster: PrivateCluster, serving: list[ServeProcess]
) -> None:
    url = cluster.url(cluster.create_database())
    with open_repository(url) as repository:
        save_test_patients(repository)
    server = ServeProcess("--port", "0", "--db", url, "--http-port", "0")
    serving.append(server)
    server.wait_ready(http=True)
    assert _query(server.port).matched
    assert health(server.http_port) == (200, {"status": "ok", "serving": True, "database": "ok"})

    cluster.stop()
    try:
        for _ in range(3):  # every pooled connection is dead: each query still gets C000
            _assert_unable_to_process(server.port)
        eventually(lambda: _health_is(server.http_port, 503), 5, "/healthz 503")
        status, answer = health(server.http_port)
        assert answer["database"] == "unavailable"
        assert answer["serving"] is True
        samples = parse_exposition(http_get(server.http_port, "/metrics")[1].decode())
        assert samples["rpiq_database_up"] == 0
        assert samples['rpiq_queries_total{sop_class="general",status="C000"}'] >= 3
        assert server.process.poll() is None
    finally:
        cluster.start()

    assert eventually(lambda: _matched(server.port), RECOVERY_S, "a match after the outage")
    eventually(lambda: _health_is(server.http_port, 200), RECOVERY_S, "/healthz 200")
    status, stderr = server.terminate()
    assert status == 0
    assert "event=server.stopped" in stderr
    for patient_data in ("NET-001", "Doe^Jane", "19610315"):
        assert patient_data not in stderr


def test_serve_starts_with_the_database_down_then_migrates_and_serves(
    cluster: PrivateCluster, serving: list[ServeProcess]
) -> None:
    url = cluster.url(cluster.create_database())  # empty: never migrated
    cluster.stop()
    try:
        server = ServeProcess("--port", "0", "--db", url, "--http-port", "0")
        serving.append(server)
        server.wait_ready(http=True)
        _assert_unable_to_process(server.port)
        status, answer = health(server.http_port)
        assert (status, answer["database"]) == (503, "unavailable")
    finally:
        cluster.start()

    eventually(lambda: _health_is(server.http_port, 200), RECOVERY_S, "schema upgraded")
    assert _query(server.port).status == 0x0000  # migrated, empty: no match, no failure
    with open_repository(url) as repository:
        save_test_patients(repository)
    assert _query(server.port).matched
    status, stderr = server.terminate()
    assert status == 0
    assert "event=database.unavailable" in stderr
    assert "event=database.ready" in stderr
