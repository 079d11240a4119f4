"""``rpiq serve``: run the RPI query server (SCP) until SIGTERM or SIGINT.

Settings: defaults, overlaid by ``--config FILE`` (``[server]`` table), overlaid by options.
The database is ``--db``, else the file's ``db_url``, else ``$RPIQ_DB``, else ``rpiq.db``.
The database connection pool keeps as many connections as lookups may be in flight
(``max_concurrent_lookups``), so an admitted lookup never waits for a connection.

The server, query service and database layer are imported when the command runs.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from rpiq.config import DEFAULT_DB_URL, ServerSettings, load_server_settings, resolve_db_url

if TYPE_CHECKING:
    from rpiq.net.server import RpiServer
    from rpiq.store import SqlPatientRepository

EXIT_OK = 0
EXIT_CANNOT_LISTEN = 2
SHUTDOWN_GRACE = 10.0  # seconds requests in flight get to finish after SIGTERM
LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
EXAMPLE_PATIENT = "RPI-BREAST-001"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the Relevant Patient Information Query server (SCP)",
        description="Answer RPI C-FIND queries (and C-ECHO) until SIGTERM or SIGINT.",
    )
    parser.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--port", type=int, help="TCP port (default 11112; 0 picks a free one)")
    parser.add_argument("--ae-title", help="our AE title (default RPIQ)")
    parser.add_argument("--db", help="SQLAlchemy database URL (default $RPIQ_DB or rpiq.db)")
    parser.add_argument("--config", type=Path, help="TOML file with a [server] table")
    parser.add_argument(
        "--require-called-aet",
        action="store_const",
        const=True,
        dest="check_called_ae_title",
        help="reject associations whose called AE title is not ours (default: accept any)",
    )
    parser.add_argument(
        "--max-associations", type=int, help="simultaneous associations (default 100)"
    )
    parser.add_argument(
        "--max-concurrent-lookups",
        type=int,
        help=f"database lookups in flight; more get status A700 (default "
        f"{ServerSettings().max_concurrent_lookups}). The database connection pool keeps "
        "this many connections: mind PostgreSQL's max_connections",
    )
    parser.add_argument("--acse-timeout", type=float, help="seconds (default 30)")
    parser.add_argument("--dimse-timeout", type=float, help="seconds (default 30)")
    parser.add_argument("--network-timeout", type=float, help="idle seconds (default 60)")
    parser.add_argument("--max-pdu-size", type=int, help="bytes, 0 unlimited (default 65536)")
    parser.add_argument(
        "--print-example", action="store_true", help="print an example query command on start-up"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="rpiq's log level (default INFO); patient data is never logged",
    )
    parser.set_defaults(handler=_run)


def settings_from(args: argparse.Namespace) -> ServerSettings:
    """Defaults < ``--config`` file < options; the database URL via ``resolve_db_url``."""
    settings = load_server_settings(args.config)
    from_file = settings.db_url if settings.db_url != DEFAULT_DB_URL else None
    return settings.with_overrides(
        host=args.host,
        port=args.port,
        ae_title=args.ae_title,
        check_called_ae_title=args.check_called_ae_title,
        max_associations=args.max_associations,
        max_concurrent_lookups=args.max_concurrent_lookups,
        acse_timeout=args.acse_timeout,
        dimse_timeout=args.dimse_timeout,
        network_timeout=args.network_timeout,
        max_pdu_size=args.max_pdu_size,
        db_url=resolve_db_url(args.db or from_file),
    )


def configure_logging(level: str) -> None:
    """key=value lines on stderr; pynetdicom (and alembic) quiet below WARNING."""
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    logging.getLogger("rpiq").setLevel(level)
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def open_server_repository(settings: ServerSettings) -> SqlPatientRepository:
    """The server's repository: one pooled connection per lookup that may be in flight."""
    from rpiq.store import open_repository  # noqa: PLC0415 - SQLAlchemy only when serving

    return open_repository(settings.db_url, pool_size=settings.max_concurrent_lookups)


def _run(args: argparse.Namespace) -> int:
    from rpiq.net.server import RpiServer  # noqa: PLC0415 - heavy: imported when serving
    from rpiq.service.query import QueryService  # noqa: PLC0415 - same

    settings = settings_from(args)
    configure_logging(args.log_level)
    repository = open_server_repository(settings)
    try:
        service = QueryService(repository, settings.max_concurrent_lookups)
        try:
            server = RpiServer(settings, service)
        except OSError as exc:
            print(
                f"rpiq serve: cannot listen on {settings.host}:{settings.port}: {exc}",
                file=sys.stderr,
            )
            return EXIT_CANNOT_LISTEN
        _serve_until_signalled(server, settings, print_example=args.print_example)
    finally:
        repository.close()
    return EXIT_OK


def _serve_until_signalled(
    server: RpiServer, settings: ServerSettings, *, print_example: bool
) -> None:
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        host, port = server.address
        print(f"rpiq: listening on {host}:{port} AE title {settings.ae_title}", flush=True)
        if print_example:
            print(example_query(host, port, settings), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop(grace=SHUTDOWN_GRACE)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def example_query(host: str, port: int, settings: ServerSettings) -> str:
    """A ready-to-paste ``rpiq query`` line for the breast demo patient."""
    target = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a comparison
    aec = f" --aec {settings.ae_title}" if settings.check_called_ae_title else ""
    return f"rpiq query {target} {port} --patient-id {EXAMPLE_PATIENT} --sop breast{aec}"
