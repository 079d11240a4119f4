"""Running ``rpiq serve``: the parts wired together, started, and stopped on a signal.

:func:`serve_one` is one server process (``--workers N`` runs it in N processes through
:func:`rpiq.net.workers.serve_workers`; it is a module-level function so that it can be
handed to a spawned process). It builds, failing early: the access policy and the TLS context
(settings errors), the repository (not yet connected), the metrics and the audit trail, the
engine and the HTTP operations listener (their ports are bound here), and last the
:class:`~rpiq.store.health.DatabaseWatch` (a database that is down is not fatal: queries get
C000 until it is back). On SIGTERM or SIGINT it marks itself not serving (``/healthz`` 503),
stops the engine (no new associations; queries in flight get ``SHUTDOWN_GRACE`` seconds), then
closes the rest in reverse order, and returns 0.

Exit statuses: 0 after a signal, 2 when the settings cannot be used or a port cannot be bound
(the message names the setting or the listener).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, TypeVar

from rpiq.cli.serve import SHUTDOWN_GRACE
from rpiq.config import ServerSettings
from rpiq.errors import ConfigError, RpiqError
from rpiq.net.hooks import StoreService
from rpiq.net.http_ops import Health, OpsHttpServer
from rpiq.net.metrics import PrometheusMetrics
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository, create_engine_for
from rpiq.store.health import DatabaseWatch

if TYPE_CHECKING:
    from rpiq.audit import AuditTrail
    from rpiq.net.engine import RpiServer

T = TypeVar("T")

EXIT_OK = 0
EXIT_UNUSABLE = 2
STATEMENT_TIMEOUT = 30.0  # seconds one database statement of a lookup may take (PostgreSQL)
LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
EXAMPLE_PATIENT = "RPI-BREAST-001"


@dataclass(frozen=True)
class RunOptions:
    """What ``rpiq serve`` options say beyond the settings (picklable, for workers)."""

    print_example: bool = False
    log_level: str = "INFO"


ServeOne = Callable[[ServerSettings], int]


def serve(settings: ServerSettings, serve_one: ServeOne) -> int:
    """``serve_one`` in this process, or in ``settings.workers`` processes."""
    from rpiq.net.workers import serve_workers  # noqa: PLC0415 - multiprocessing when asked

    return serve_workers(settings, serve_one)


def configure_logging(level: str) -> None:
    """key=value lines on stderr; pynetdicom (and alembic) quiet below WARNING."""
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("rpiq").setLevel(level)
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def open_server_repository(settings: ServerSettings) -> SqlPatientRepository:
    """The server's repository, schema not yet upgraded: one pooled connection per lookup
    that may be in flight, statements bounded by :data:`STATEMENT_TIMEOUT`."""
    engine = create_engine_for(
        settings.db_url,
        pool_size=settings.max_concurrent_lookups,
        statement_timeout=STATEMENT_TIMEOUT,
    )
    return SqlPatientRepository(engine)


def serve_one(settings: ServerSettings, *, options: RunOptions) -> int:
    """One server process, until SIGTERM or SIGINT (module docstring). The signal handlers
    stay installed until everything is closed: a second signal during the shutdown is
    absorbed, not fatal (supervisors escalate with SIGKILL)."""
    configure_logging(options.log_level)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with ExitStack() as resources:
            server, ops = _build(settings, resources)
            _serve_until(stop, server, ops, settings, options)
    except RpiqError as exc:
        print(f"rpiq serve: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


@dataclass
class _Operations:
    """The parts around the engine that the run loop drives."""

    serving: threading.Event
    watch: DatabaseWatch
    metrics: PrometheusMetrics
    http: OpsHttpServer | None = None

    def health(self) -> Health:
        state = self.watch.probe()
        return Health(self.serving.is_set(), state.up, "" if state.up else "database")


def _build(settings: ServerSettings, resources: ExitStack) -> tuple[RpiServer, _Operations]:
    """Every part, in an order that fails early: settings checks, then the ports, then the
    database (which may be down: that is not fatal)."""
    from rpiq.net.engine import RpiServer  # noqa: PLC0415 - heavy: imported when serving
    from rpiq.net.policy import AccessPolicy  # noqa: PLC0415 - same
    from rpiq.net.tls import server_context  # noqa: PLC0415 - same

    policy = AccessPolicy(settings)
    tls_context = server_context(settings.tls) if settings.tls is not None else None
    repository = open_server_repository(settings)  # nothing connected yet
    resources.callback(repository.close)
    watch = DatabaseWatch(repository.engine)
    ops = _Operations(threading.Event(), watch, PrometheusMetrics())
    audit = _audit_trail(settings)
    resources.callback(audit.close)
    listeners = f"{settings.host} port {settings.port}" + (
        f" / TLS port {settings.tls_port}" if settings.tls is not None else ""
    )
    server = _bound(
        listeners,
        lambda: RpiServer(
            settings,
            QueryService(repository, settings.max_concurrent_lookups),
            policy=policy,
            audit=audit,
            metrics=ops.metrics,
            store=_store_service(settings, repository),
            tls_context=tls_context,
        ),
    )
    resources.callback(server.stop)  # closes the sockets if starting fails; else a no-op
    if settings.http_port is not None:
        http_port = settings.http_port
        ops.http = _bound(
            f"HTTP {settings.http_host} port {http_port}",
            lambda: OpsHttpServer(settings.http_host, http_port, ops.metrics, ops.health),
        )
        resources.callback(ops.http.stop)
    resources.callback(watch.stop)
    watch.start()
    return server, ops


def _bound(what: str, bind: Callable[[], T]) -> T:
    """``bind()``; a socket error becomes a ``ConfigError`` naming the listener."""
    try:
        return bind()
    except OSError as exc:
        raise ConfigError(f"cannot listen on {what}: {exc.strerror or exc}") from exc


def _audit_trail(settings: ServerSettings) -> AuditTrail:
    from rpiq.audit import AuditTrail  # noqa: PLC0415 - imported when serving

    try:
        return AuditTrail.from_settings(settings)
    except OSError as exc:
        raise ConfigError(f"audit trail: {exc}") from exc


def _store_service(
    settings: ServerSettings, repository: SqlPatientRepository
) -> StoreService | None:
    if not settings.accept_store:
        return None
    from rpiq.ingest.dicom_store import DicomStoreIndexer  # noqa: PLC0415 - only when asked

    return DicomStoreIndexer(repository)


def _serve_until(
    stop: threading.Event,
    server: RpiServer,
    ops: _Operations,
    settings: ServerSettings,
    options: RunOptions,
) -> None:
    """Serve until ``stop`` is set; from that moment /healthz says 503 (draining)."""
    try:
        server.start()
        if ops.http is not None:
            ops.http.start()
        ops.serving.set()
        _announce(server, ops, settings, options)
        while not stop.wait(0.1):
            pass
    finally:
        ops.serving.clear()
        server.stop(grace=SHUTDOWN_GRACE)


def _announce(
    server: RpiServer, ops: _Operations, settings: ServerSettings, options: RunOptions
) -> None:
    """The start-up lines on stdout (tests and scripts read them)."""
    address = server.address if settings.plain_listener else None
    if address is not None:
        print(f"rpiq: listening on {address[0]}:{address[1]} AE title {settings.ae_title}")
    tls_address = server.tls_address
    if tls_address is not None:
        host, port = tls_address
        print(f"rpiq: listening with TLS on {host}:{port} AE title {settings.ae_title}")
    if ops.http is not None:
        host, port = ops.http.address
        print(f"rpiq: HTTP on {host}:{port} (/healthz, /metrics)")
    if not ops.watch.ready:
        print("rpiq: database unavailable: answering C000 until it is back", file=sys.stderr)
    if options.print_example and address is not None:
        print(example_query(address[0], address[1], settings))
    sys.stdout.flush()


def example_query(host: str, port: int, settings: ServerSettings) -> str:
    """A ready-to-paste ``rpiq query`` line for the breast demo patient."""
    target = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a comparison
    aec = f" --aec {settings.ae_title}" if settings.check_called_ae_title else ""
    return f"rpiq query {target} {port} --patient-id {EXAMPLE_PATIENT} --sop breast{aec}"
