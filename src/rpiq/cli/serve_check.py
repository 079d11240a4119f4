"""``rpiq serve --check-config``: everything ``rpiq serve`` would need, checked without serving.

Settings that cannot be used never get here (they fail while loading, exit status 2, with the
file and key or the variable or option named). Then, in order: the files named by the settings
exist and are readable (the audit log's folder writable), the TLS certificate and key load
into a PS3.15 context, the allow list and user accounts are valid, the ``--workers`` and HTTP
combination is possible, and the database answers with its schema at rpiq's newest revision.
Every check runs; each prints ``ok`` or ``FAILED`` with the reason, and the exit status is 0
when all passed, else 2. Ports are not bound (a running server would hold them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from rpiq.config import ServerSettings
from rpiq.config_load import unknown_environment
from rpiq.errors import RpiqError

EXIT_OK = 0
EXIT_FAILED = 2

Check = Callable[[ServerSettings], str]
"""Returns what was found (printed after ``ok``) or raises ``CheckFailed``/``RpiqError``."""


class CheckFailed(Exception):
    """A check's precise failure, printed after ``FAILED``."""


def check_config(settings: ServerSettings) -> int:
    """Run every check, print one line each; 0 when all passed, else 2."""
    failed = 0
    for name, check in CHECKS:
        try:
            found = check(settings)
        except (CheckFailed, RpiqError, OSError) as error:
            failed += 1
            print(f"FAILED {name}: {error}", file=sys.stderr)
        else:
            print(f"ok     {name}: {found}")
    for variable in unknown_environment(os.environ):
        print(f"note   environment: {variable} names no rpiq setting (ignored)")
    verdict = "configuration is usable" if not failed else f"{failed} check(s) failed"
    print(f"rpiq serve --check-config: {verdict}", file=sys.stderr if failed else sys.stdout)
    return EXIT_FAILED if failed else EXIT_OK


def _readable(path: Path, what: str) -> None:
    if not path.is_file():
        raise CheckFailed(f"{what} {path} does not exist or is not a file")
    if not os.access(path, os.R_OK):
        raise CheckFailed(f"{what} {path} is not readable by this user")


def _check_files(settings: ServerSettings) -> str:
    named: list[tuple[Path, str]] = []
    if settings.tls is not None:
        for path, what in (
            (settings.tls.cert_file, "TLS certificate"),
            (settings.tls.key_file, "TLS key"),
            (settings.tls.ca_file, "TLS CA file"),
        ):
            if path is not None:
                named.append((path, what))
    if settings.audit.syslog_ca_file is not None:
        named.append((settings.audit.syslog_ca_file, "audit syslog CA file"))
    for path, what in named:
        _readable(path, what)
    log_file = settings.audit.log_file
    if log_file is not None:
        _writable(log_file)
        named.append((log_file, "audit log"))
    return f"{len(named)} file(s)" if named else "no files named"


def _writable(log_file: Path) -> None:
    if log_file.exists():
        if not log_file.is_file() or not os.access(log_file, os.W_OK):
            raise CheckFailed(f"audit log {log_file} is not a writable file")
        return
    folder = log_file.parent  # the audit trail creates missing folders: the first that
    while not folder.exists() and folder != folder.parent:  # exists must be writable
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise CheckFailed(f"audit log {log_file}: folder {folder} is not writable")


def _check_tls(settings: ServerSettings) -> str:
    if settings.tls is None:
        return "off"
    from rpiq.net.tls import server_context  # noqa: PLC0415 - ssl context code when asked

    server_context(settings.tls)
    client_certs = "required" if settings.tls.ca_file is not None else "not asked for"
    return f"certificate and key load; client certificates {client_certs}"


def _check_access(settings: ServerSettings) -> str:
    from rpiq.net.policy import AccessPolicy  # noqa: PLC0415 - same

    AccessPolicy(settings)
    access = settings.access
    allow = f"{len(access.allow)} allow rule(s)" if access.allow else "every calling AE title"
    return f"{allow}, {len(access.users)} user account(s)"


def _check_audit(settings: ServerSettings) -> str:
    audit = settings.audit
    places = [str(audit.log_file)] if audit.log_file is not None else []
    if audit.syslog_host is not None:
        from rpiq.audit.trail import syslog_context  # noqa: PLC0415 - ssl when asked

        syslog_context(audit)  # the CA file loads (the collector is not contacted)
        places.append(f"syslog over TLS to {audit.syslog_host}:{audit.syslog_port}")
    return ", ".join(places) if places else "off (no audit trail: not an ATNA secure node)"


def _check_processes(settings: ServerSettings) -> str:
    if settings.workers > 1 and settings.http_port is not None:
        raise CheckFailed("the HTTP listener cannot be shared by --workers > 1 processes")
    http = "off" if settings.http_port is None else f"{settings.http_host}:{settings.http_port}"
    return f"{settings.workers} worker(s), HTTP {http}"


def _check_store(settings: ServerSettings) -> str:
    if not settings.accept_store:
        return "C-STORE off"
    from rpiq.ingest.dicom_store import DicomStoreIndexer  # noqa: PLC0415, F401 - availability

    return "C-STORE on"


def _check_database(settings: ServerSettings) -> str:
    from rpiq.store import create_engine_for  # noqa: PLC0415 - heavy
    from rpiq.store.migrate import head_revision, schema_revision  # noqa: PLC0415 - same

    engine = create_engine_for(settings.db_url, pool_size=1)
    try:
        revision = schema_revision(engine)
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    if revision != head_revision():
        raise CheckFailed(
            f"{shown} answers but its schema is at {revision or 'nothing'}, not "
            f"{head_revision()}: `rpiq serve` upgrades it at start, or run `rpiq demo`/"
            "`rpiq import` once"
        )
    return f"{shown} reachable, schema at {revision}"


CHECKS: tuple[tuple[str, Check], ...] = (
    ("files", _check_files),
    ("tls", _check_tls),
    ("access", _check_access),
    ("audit", _check_audit),
    ("processes", _check_processes),
    ("c-store", _check_store),
    ("database", _check_database),
)
