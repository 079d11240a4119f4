"""The operations listener: ``GET /healthz`` and ``GET /metrics`` over plain HTTP/1.1.

Standard library only (``http.server``), in its own threads: a request here never touches the
DICOM event loop, and a slow HTTP client holds only its own thread (each connection times out
after :data:`REQUEST_TIMEOUT` seconds). Bind it to a management address (the default is
127.0.0.1): it has no authentication and must not face the modality network.

- ``GET /healthz``: ``200 {"status": "ok", ...}`` when the server is serving and the database
  answers a cheap probe; ``503 {"status": "unavailable", ...}`` otherwise (also from the moment
  SIGTERM arrives, so a load balancer stops sending new associations while queries in flight
  finish). The body is short JSON without patient data.
- ``GET /metrics``: :meth:`rpiq.net.metrics.PrometheusMetrics.render` plus ``rpiq_up`` and
  ``rpiq_database_up`` gauges.
- anything else: 404.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import urlsplit

from rpiq.net.metrics import CONTENT_TYPE, PrometheusMetrics

LOGGER = logging.getLogger("rpiq.http")
REQUEST_TIMEOUT = 5.0  # seconds an HTTP connection may stay silent
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class Health:
    """What ``/healthz`` reports: serving (listening, not stopping) and the database probe."""

    serving: bool
    database: bool
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.serving and self.database

    def to_json(self) -> bytes:
        body: dict[str, Any] = {
            "status": "ok" if self.ok else "unavailable",
            "serving": self.serving,
            "database": "ok" if self.database else "unavailable",
        }
        if self.detail:
            body["detail"] = self.detail
        return json.dumps(body).encode("utf-8")


HealthCheck = Callable[[], Health]


class _OpsHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    health: HealthCheck
    metrics: PrometheusMetrics


class _OpsHTTPServer6(_OpsHTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server_version = "rpiq"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = REQUEST_TIMEOUT

    def do_GET(self) -> None:
        ops = cast(_OpsHTTPServer, self.server)
        path = urlsplit(self.path).path
        if path == HEALTH_PATH:
            health = _safe_health(ops.health)
            status = HTTPStatus.OK if health.ok else HTTPStatus.SERVICE_UNAVAILABLE
            self._send(status, "application/json", health.to_json())
        elif path == METRICS_PATH:
            health = _safe_health(ops.health)
            extra = [
                "# HELP rpiq_up 1 while the server is serving (0 once it is stopping).",
                "# TYPE rpiq_up gauge",
                f"rpiq_up {int(health.serving)}",
                "# HELP rpiq_database_up 1 when the database answered the last probe.",
                "# TYPE rpiq_database_up gauge",
                f"rpiq_database_up {int(health.database)}",
            ]
            self._send(HTTPStatus.OK, CONTENT_TYPE, ops.metrics.render(extra).encode("utf-8"))
        else:
            self._not_found()

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_found

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        LOGGER.debug("http %s", format % args)


def _safe_health(check: HealthCheck) -> Health:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - a failing check is a 503, never a crash
        return Health(serving=False, database=False, detail=type(exc).__name__)


class OpsHttpServer:
    """The listener on ``host:port`` (0 picks a free port), serving from its own threads."""

    def __init__(
        self, host: str, port: int, metrics: PrometheusMetrics, health: HealthCheck
    ) -> None:
        server_class = _OpsHTTPServer6 if ":" in host else _OpsHTTPServer
        self._server = server_class((host, port), _Handler)
        self._server.health = health
        self._server.metrics = metrics
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="rpiq-http"
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
