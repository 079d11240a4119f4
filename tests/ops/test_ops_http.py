"""The HTTP operations listener, on a real socket: /healthz, /metrics, 404s, slow clients."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.client import HTTPConnection

import pytest

from ops.test_ops_metrics import parse_exposition
from rpiq.net.http_ops import Health, OpsHttpServer
from rpiq.net.metrics import PrometheusMetrics
from rpiq.service.status import GENERAL


class Switch:
    """A health check the test flips; counts its calls."""

    def __init__(self) -> None:
        self.health = Health(serving=True, database=True)
        self.calls = 0
        self.fail = False

    def __call__(self) -> Health:
        self.calls += 1
        if self.fail:
            raise RuntimeError("probe broke")
        return self.health


@pytest.fixture
def switch() -> Switch:
    return Switch()


@pytest.fixture
def listener(switch: Switch) -> Iterator[OpsHttpServer]:
    metrics = PrometheusMetrics()
    metrics.query_done(GENERAL.uid, 0x0000, 0.002)
    server = OpsHttpServer("127.0.0.1", 0, metrics, switch)
    server.start()
    yield server
    server.stop()


def _get(server: OpsHttpServer, path: str, method: str = "GET") -> tuple[int, str, bytes]:
    connection = HTTPConnection(*server.address, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def test_healthz_is_200_with_json_when_serving_and_the_database_answers(
    listener: OpsHttpServer,
) -> None:
    status, content_type, body = _get(listener, "/healthz")
    assert status == 200
    assert content_type == "application/json"
    assert json.loads(body) == {"status": "ok", "serving": True, "database": "ok"}


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        (Health(serving=True, database=False, detail="database"), {"database": "unavailable"}),
        (Health(serving=False, database=True), {"serving": False}),
    ],
)
def test_healthz_is_503_when_not_serving_or_the_database_is_down(
    listener: OpsHttpServer, switch: Switch, health: Health, expected: dict[str, object]
) -> None:
    switch.health = health
    status, _, body = _get(listener, "/healthz")
    assert status == 503
    answer = json.loads(body)
    assert answer["status"] == "unavailable"
    assert expected.items() <= answer.items()
    assert len(body) < 200


def test_a_failing_health_check_is_a_503_not_a_crash(
    listener: OpsHttpServer, switch: Switch
) -> None:
    switch.fail = True
    status, _, body = _get(listener, "/healthz")
    assert status == 503
    assert json.loads(body)["detail"] == "RuntimeError"
    switch.fail = False
    assert _get(listener, "/healthz")[0] == 200  # and the listener still serves


def test_metrics_are_the_exposition_text_with_up_gauges(
    listener: OpsHttpServer, switch: Switch
) -> None:
    switch.health = Health(serving=True, database=False)
    status, content_type, body = _get(listener, "/metrics?debug=1")
    assert status == 200
    assert content_type.startswith("text/plain; version=0.0.4")
    samples = parse_exposition(body.decode("utf-8"))
    assert samples['rpiq_queries_total{sop_class="general",status="0000"}'] == 1
    assert samples["rpiq_up"] == 1
    assert samples["rpiq_database_up"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/healthz/x"), ("GET", "/metric"), ("POST", "/metrics"),
     ("DELETE", "/healthz"), ("PUT", "/x"), ("HEAD", "/healthz")],
)  # fmt: skip
def test_anything_else_is_404(listener: OpsHttpServer, method: str, path: str) -> None:
    status, _, _ = _get(listener, path, method)
    assert status == 404


def test_a_silent_client_does_not_block_others(listener: OpsHttpServer) -> None:
    silent = socket.create_connection(listener.address)
    half = socket.create_connection(listener.address)
    half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
    try:
        started = time.monotonic()
        assert _get(listener, "/healthz")[0] == 200
        assert time.monotonic() - started < 1.0
    finally:
        silent.close()
        half.close()


def test_many_concurrent_scrapes_are_all_answered(listener: OpsHttpServer) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def scrape() -> None:
        status = _get(listener, "/metrics")[0]
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=scrape) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert statuses == [200] * 20


def test_stop_closes_the_port(switch: Switch) -> None:
    server = OpsHttpServer("127.0.0.1", 0, PrometheusMetrics(), switch)
    server.start()
    address = server.address
    assert _get(server, "/healthz")[0] == 200
    server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=2).close()
