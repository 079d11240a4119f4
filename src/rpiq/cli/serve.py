"""``rpiq serve``: run the RPI query server (SCP) until SIGTERM or SIGINT.

Settings come in layers, defaults < ``--config FILE`` (else ``$RPIQ_CONFIG``) < environment
(``RPIQ_<SETTING>``, see :mod:`rpiq.config_load`) < options. ``--check-config`` checks them
all (files readable, TLS certificate and key loadable, database reachable and migrated) and
exits 0 or 2 without serving. ``--workers N`` runs N processes sharing the port
(:mod:`rpiq.net.workers`).

The server starts even when the database is down: queries are answered C000 ("the database
failed") and ``/healthz`` says 503 until the database is back, which the server notices by
itself (:mod:`rpiq.store.health`). The database connection pool keeps as many connections as
lookups may be in flight (``max_concurrent_lookups``), so an admitted lookup never waits for
a connection.

The server, query service and database layer are imported when the command runs
(:mod:`rpiq.cli.serve_run`).
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpiq.config import AccessRule, ServerSettings
from rpiq.config_load import CONFIG_ENV_VAR, command_line_overlay, resolve_server_settings
from rpiq.errors import ConfigError

if TYPE_CHECKING:
    from rpiq.store import SqlPatientRepository

EXIT_OK = 0
EXIT_CANNOT_LISTEN = 2  # also: settings that cannot be used
SHUTDOWN_GRACE = 10.0  # seconds requests in flight get to finish after SIGTERM
SYSLOG_TLS_PORT = 6514  # RFC 5425


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the Relevant Patient Information Query server (SCP)",
        description="Answer RPI C-FIND queries (and C-ECHO) until SIGTERM or SIGINT. Every "
        "option has a config file key and an RPIQ_* environment variable (docs/deployment.md);"
        " options win over the environment, which wins over the file.",
    )
    _add_general(parser)
    _add_limits(parser)
    _add_security(parser)
    _add_operations(parser)
    parser.set_defaults(handler=_run)


def _add_general(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=f"TOML settings file (default ${CONFIG_ENV_VAR})",
    )
    parser.add_argument(
        "--check-config",
        action="store_true",
        help="check the settings, files, TLS keys and database, then exit 0 (good) or 2",
    )
    parser.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--port", type=int, help="TCP port (default 11112; 0 picks a free one)")
    parser.add_argument("--ae-title", help="our AE title (default RPIQ)")
    parser.add_argument("--db", help="SQLAlchemy database URL (default $RPIQ_DB or rpiq.db)")
    parser.add_argument(
        "--require-called-aet",
        action="store_const",
        const=True,
        dest="check_called_ae_title",
        help="reject associations whose called AE title is not ours (default: accept any)",
    )
    parser.add_argument(
        "--accept-store",
        action="store_const",
        const=True,
        help="also accept C-STORE of composite instances and index their patient data",
    )
    parser.add_argument(
        "--print-example", action="store_true", help="print an example query command on start-up"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="rpiq's log level (default INFO); patient data is never logged",
    )


def _add_limits(parser: argparse.ArgumentParser) -> None:
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
        "--workers",
        type=int,
        metavar="N",
        help="processes sharing the port (default 1; SO_REUSEPORT)",
    )


def _add_security(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tls-cert", type=Path, metavar="FILE", help="PEM certificate (chain): enables TLS"
    )
    parser.add_argument(
        "--tls-key", type=Path, metavar="FILE", help="PEM private key of --tls-cert"
    )
    parser.add_argument(
        "--tls-ca",
        type=Path,
        metavar="FILE",
        help="PEM CA certificates: client certificates are required",
    )
    parser.add_argument("--tls-port", type=int, metavar="PORT", help="TLS port (default 2762)")
    parser.add_argument(
        "--no-plain",
        action="store_const",
        const=False,
        dest="plain_listener",
        help="with TLS, do not also listen without TLS on --port",
    )
    parser.add_argument(
        "--allow-aet",
        action="append",
        metavar="AET",
        help="admit only these calling AE titles (repeatable; replaces the file's allow list)",
    )
    parser.add_argument(
        "--require-user-identity",
        action="store_const",
        const=True,
        help="reject associations without a valid username/passcode (users from the file)",
    )


def _add_operations(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--audit-log", type=Path, metavar="FILE", help="DICOM audit messages")
    parser.add_argument(
        "--audit-syslog",
        metavar="HOST[:PORT]",
        help=f"send audit messages by syslog over TLS (RFC 5425; port {SYSLOG_TLS_PORT})",
    )
    parser.add_argument(
        "--audit-syslog-ca", type=Path, metavar="FILE", help="CA certificates of the syslog server"
    )
    parser.add_argument(
        "--audit-site-id",
        metavar="ID",
        help="Audit Enterprise Site ID of the audit source (default RPIQ)",
    )
    parser.add_argument(
        "--http-host", metavar="HOST", help="address of /healthz and /metrics (default 127.0.0.1)"
    )
    parser.add_argument(
        "--http-port",
        type=int,
        metavar="PORT",
        help="serve /healthz and /metrics on this port (default: off)",
    )


def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[IPv6]`` or ``[IPv6]:PORT`` (a bare IPv6 address too)."""
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ConfigError(f"{text!r} is not HOST[:PORT]")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host:
        raise ConfigError(f"{text!r} names no host")
    if not port_text:
        return host, default_port
    if not port_text.isdigit():
        raise ConfigError(f"{text!r}: the port must be a number")
    return host, int(port_text)


def settings_from(args: argparse.Namespace) -> ServerSettings:
    """Defaults < ``--config`` file < environment < options, checked as a whole."""
    given: list[tuple[str, Any, str]] = [
        (path, getattr(args, attribute), option) for path, attribute, option in _SIMPLE_OPTIONS
    ]
    if args.allow_aet:
        try:
            rules = tuple(AccessRule(title) for title in args.allow_aet)
        except ConfigError as error:
            raise ConfigError(f"--allow-aet: {error}") from None
        given.append(("access.allow", rules, "--allow-aet"))
    if args.audit_syslog:
        try:
            host, port = parse_host_port(args.audit_syslog, SYSLOG_TLS_PORT)
        except ConfigError as error:
            raise ConfigError(f"--audit-syslog: {error}") from None
        given += [("audit.syslog_host", host, "--audit-syslog")]
        given += [("audit.syslog_port", port, "--audit-syslog")]
    return resolve_server_settings(args.config, command_line_overlay(given))


_SIMPLE_OPTIONS = (
    # (setting path, argparse attribute, option)
    ("host", "host", "--host"),
    ("port", "port", "--port"),
    ("ae_title", "ae_title", "--ae-title"),
    ("db_url", "db", "--db"),
    ("check_called_ae_title", "check_called_ae_title", "--require-called-aet"),
    ("accept_store", "accept_store", "--accept-store"),
    ("max_associations", "max_associations", "--max-associations"),
    ("max_concurrent_lookups", "max_concurrent_lookups", "--max-concurrent-lookups"),
    ("acse_timeout", "acse_timeout", "--acse-timeout"),
    ("dimse_timeout", "dimse_timeout", "--dimse-timeout"),
    ("network_timeout", "network_timeout", "--network-timeout"),
    ("max_pdu_size", "max_pdu_size", "--max-pdu-size"),
    ("workers", "workers", "--workers"),
    ("tls.cert_file", "tls_cert", "--tls-cert"),
    ("tls.key_file", "tls_key", "--tls-key"),
    ("tls.ca_file", "tls_ca", "--tls-ca"),
    ("tls_port", "tls_port", "--tls-port"),
    ("plain_listener", "plain_listener", "--no-plain"),
    ("access.require_user_identity", "require_user_identity", "--require-user-identity"),
    ("audit.log_file", "audit_log", "--audit-log"),
    ("audit.syslog_ca_file", "audit_syslog_ca", "--audit-syslog-ca"),
    ("audit.enterprise_site_id", "audit_site_id", "--audit-site-id"),
    ("http_host", "http_host", "--http-host"),
    ("http_port", "http_port", "--http-port"),
)


def open_server_repository(settings: ServerSettings) -> SqlPatientRepository:
    """The server's repository (schema not yet upgraded: see :mod:`rpiq.store.health`): one
    pooled connection per lookup that may be in flight; nothing is connected yet."""
    from rpiq.cli.serve_run import open_server_repository as open_it  # noqa: PLC0415 - heavy

    return open_it(settings)


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.workers > 1 and settings.http_port is not None and not args.check_config:
        print(
            "rpiq serve: --http-port serves one process's metrics; with --workers N run N "
            "rpiq serve instances instead, each with its own HTTP port (docs/deployment.md)",
            file=sys.stderr,
        )
        return EXIT_CANNOT_LISTEN
    from rpiq.cli import serve_run  # noqa: PLC0415 - heavy: imported when serving

    if args.check_config:
        from rpiq.cli.serve_check import check_config  # noqa: PLC0415 - same

        return check_config(settings)
    options = serve_run.RunOptions(print_example=args.print_example, log_level=args.log_level)
    return serve_run.serve(settings, partial(serve_run.serve_one, options=options))
