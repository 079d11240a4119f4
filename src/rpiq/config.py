"""Settings: frozen objects, validated once, passed in (never module-level mutable state).

The database URL is resolved in one place, :func:`resolve_db_url`: an explicit ``--db`` wins,
then the environment variable ``RPIQ_DB``, then the SQLite file ``rpiq.db`` in the working
directory (product contract).

Server settings come in layers, defaults < TOML file (``rpiq serve --config FILE``) <
environment (``RPIQ_<SETTING>``) < command line: :mod:`rpiq.config_load` reads the file and the
environment. The dataclasses here validate each value once, whatever layer it came from.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from rpiq.errors import ConfigError

DEFAULT_DB_URL = "sqlite:///rpiq.db"
DB_ENV_VAR = "RPIQ_DB"


def resolve_db_url(explicit: str | None) -> str:
    """``--db`` if given, else ``$RPIQ_DB``, else ``sqlite:///rpiq.db``."""
    if explicit:
        return explicit
    return os.environ.get(DB_ENV_VAR) or DEFAULT_DB_URL


class IssuerRule(StrEnum):
    """How a FHIR Patient.identifier becomes an Issuer of Patient ID.

    ``assigner-then-system`` (default): ``assigner.display`` when present, else ``system``.
    ``system``: always the identifier's ``system``.
    ``assigner``: ``assigner.display`` only; identifiers without one get an empty issuer.
    """

    ASSIGNER_THEN_SYSTEM = "assigner-then-system"
    SYSTEM = "system"
    ASSIGNER = "assigner"


UNIVERSAL_ENTITY_ID_TYPES = ("DNS", "EUI64", "ISO", "URI", "UUID", "X400", "X500")
"""Enumerated values of Universal Entity ID Type (0040,0033), PS3.3 Table 10-18."""
_LO_LENGTH = 64


@dataclass(frozen=True)
class IssuerMapping:
    """One entry of the issuer map: the FHIR identifier ``system`` whose identifiers get this
    Issuer of Patient ID and, optionally, these Issuer of Patient ID Qualifiers."""

    system: str
    IssuerOfPatientID: str
    UniversalEntityID: str = ""
    UniversalEntityIDType: str = ""

    def __post_init__(self) -> None:
        where = f"issuer map entry {self.system!r}"
        if not self.system.strip():
            raise ConfigError("issuer map: an entry has an empty system")
        issuer = self.IssuerOfPatientID
        if not issuer.strip() or len(issuer) > _LO_LENGTH or "\\" in issuer:
            raise ConfigError(f"{where}: issuer {issuer!r} must be 1-64 characters (LO)")
        kind = self.UniversalEntityIDType
        if bool(self.UniversalEntityID) != bool(kind) or (
            kind and kind not in UNIVERSAL_ENTITY_ID_TYPES
        ):
            raise ConfigError(
                f"{where}: universal_entity_id needs universal_entity_id_type, one of "
                f"{', '.join(UNIVERSAL_ENTITY_ID_TYPES)}"
            )


@dataclass(frozen=True)
class ImportSettings:
    """How sources are turned into patients.

    ``issuer_map``: identifier systems with a fixed Issuer of Patient ID (and qualifiers);
    an identifier whose system is mapped ignores ``issuer_rule``.
    """

    issuer_rule: IssuerRule = IssuerRule.ASSIGNER_THEN_SYSTEM
    issuer_map: tuple[IssuerMapping, ...] = ()

    def __post_init__(self) -> None:
        systems = [entry.system for entry in self.issuer_map]
        if len(set(systems)) != len(systems):
            raise ConfigError("issuer map: a system is mapped twice")

    def mapping_for(self, system: str | None) -> IssuerMapping | None:
        """The issuer map entry of an identifier system, if any."""
        return next((entry for entry in self.issuer_map if entry.system == system), None)


_ISSUER_MAP_KEYS = {
    "issuer": "IssuerOfPatientID",
    "universal_entity_id": "UniversalEntityID",
    "universal_entity_id_type": "UniversalEntityIDType",
}


def load_issuer_map(path: Path) -> tuple[IssuerMapping, ...]:
    """The ``[issuers]`` table of a TOML file: ``"SYSTEM" = "ISSUER"``, or
    ``"SYSTEM" = { issuer = "...", universal_entity_id = "...", universal_entity_id_type =
    "ISO" }``. Raises :class:`~rpiq.errors.ConfigError` naming the file and the entry."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    table = document.get("issuers")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: no [issuers] table")
    entries: list[IssuerMapping] = []
    for system, value in table.items():
        fields_given = {"issuer": value} if isinstance(value, str) else value
        if not isinstance(fields_given, dict) or set(fields_given) - set(_ISSUER_MAP_KEYS):
            raise ConfigError(
                f"{path}: issuers.{system!r} must be a string or a table with "
                f"{', '.join(_ISSUER_MAP_KEYS)}"
            )
        if "issuer" not in fields_given or not all(
            isinstance(item, str) for item in fields_given.values()
        ):
            raise ConfigError(f"{path}: issuers.{system!r} needs an issuer; values are strings")
        arguments = {_ISSUER_MAP_KEYS[key]: item for key, item in fields_given.items()}
        try:
            entries.append(IssuerMapping(system=system, **arguments))
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    return tuple(entries)


def _check_ae_title(value: str) -> str:
    if not value.strip() or len(value) > 16 or "\\" in value:
        raise ConfigError(f"AE title {value!r} must be 1-16 characters without backslash")
    if not value.isascii():
        raise ConfigError(f"AE title {value!r} must be ASCII (PS3.5 AE)")
    return value


def check_port(name: str, value: int, *, allow_zero: bool = True) -> int:
    """``value`` if it is a TCP port (0 picks a free one when ``allow_zero``)."""
    if not (0 if allow_zero else 1) <= value <= 65535:
        raise ConfigError(f"{name} {value} is not a TCP port (0-65535)")
    return value


_UID_PATTERN = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
SOP_CLASS_NAMES = ("general", "breast", "cardiac")
"""Short names of the RPI SOP classes accepted wherever a SOP class is configured."""


def _check_sop_class(value: str) -> str:
    if value.lower() in SOP_CLASS_NAMES or (len(value) <= 64 and _UID_PATTERN.match(value)):
        return value
    raise ConfigError(
        f"SOP class {value!r} must be {', '.join(SOP_CLASS_NAMES)} or a UID (PS3.5 UI)"
    )


DICOM_TLS_PORT = 2762
"""The well-known port of DICOM over TLS (PS3.15 B.1)."""


@dataclass(frozen=True)
class TlsSettings:
    """TLS for a listener or a client (PS3.15 B.9, BCP 195 profile: TLS 1.2+ only).

    ``ca_file``: on the server, client certificates are *required* and verified against it
    (mutual TLS); on the client, the server certificate is verified against it.
    """

    cert_file: Path | None = None
    key_file: Path | None = None
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        if (self.cert_file is None) != (self.key_file is None):
            raise ConfigError("TLS needs both a certificate and its key")


@dataclass(frozen=True)
class AccessRule:
    """One allow-list entry: a calling AE title, optionally limited to SOP classes
    (``general``/``breast``/``cardiac`` or a UID), a peer address, or a certificate subject."""

    ae_title: str
    sop_classes: tuple[str, ...] = ()
    address: str | None = None
    certificate_subject: str | None = None

    def __post_init__(self) -> None:
        _check_ae_title(self.ae_title)
        for sop_class in self.sop_classes:
            _check_sop_class(sop_class)
        if self.address is not None:
            try:
                ipaddress.ip_network(self.address, strict=False)
            except ValueError:
                raise ConfigError(
                    f"allow-list address {self.address!r} is not an IP address or network "
                    "(e.g. 10.1.2.3 or 10.1.0.0/16)"
                ) from None
        if self.certificate_subject is not None and not self.certificate_subject.strip():
            raise ConfigError(f"allow-list entry {self.ae_title!r}: empty certificate subject")


@dataclass(frozen=True)
class UserAccount:
    """A User Identity (PS3.7 D.3.3.7) account; ``password_hash`` is never the password."""

    username: str
    password_hash: str

    def __post_init__(self) -> None:
        if not self.username.strip():
            raise ConfigError("a user account has an empty username")
        if not self.password_hash.strip():
            raise ConfigError(f"user {self.username!r} has no password hash")


@dataclass(frozen=True)
class AccessSettings:
    """Who may ask: empty ``allow`` admits every calling AE title; ``users`` non-empty with
    ``require_user_identity`` rejects associations without a valid username/passcode."""

    allow: tuple[AccessRule, ...] = ()
    users: tuple[UserAccount, ...] = ()
    require_user_identity: bool = False

    def __post_init__(self) -> None:
        names = [user.username for user in self.users]
        if len(set(names)) != len(names):
            raise ConfigError("a username is listed twice among the user accounts")


@dataclass(frozen=True)
class AuditSettings:
    """Where DICOM audit messages (PS3.15 A.5) go: a file of XML messages and/or RFC 5424
    syslog over TLS (RFC 5425)."""

    log_file: Path | None = None
    syslog_host: str | None = None
    syslog_port: int = 6514
    syslog_ca_file: Path | None = None
    enterprise_site_id: str = "RPIQ"

    def __post_init__(self) -> None:
        check_port("audit syslog port", self.syslog_port, allow_zero=False)
        if self.syslog_host is not None and not self.syslog_host.strip():
            raise ConfigError("audit syslog host is empty")
        if not self.enterprise_site_id.strip():
            raise ConfigError("audit enterprise site id is empty")


@dataclass(frozen=True)
class ServerSettings:
    """Everything ``rpiq serve`` needs."""

    host: str = "0.0.0.0"  # noqa: S104 - a DICOM SCP listens on the network by design
    port: int = 11112
    ae_title: str = "RPIQ"
    check_called_ae_title: bool = False
    max_associations: int = 100
    max_concurrent_lookups: int = 32  # also the database pool size (rpiq serve)
    acse_timeout: float = 30.0
    dimse_timeout: float = 30.0
    network_timeout: float = 60.0
    max_pdu_size: int = 65536
    db_url: str = DEFAULT_DB_URL
    tls: TlsSettings | None = None
    tls_port: int = DICOM_TLS_PORT
    plain_listener: bool = True  # with TLS configured: also listen without TLS on ``port``
    access: AccessSettings = AccessSettings()
    audit: AuditSettings = AuditSettings()
    http_host: str = "127.0.0.1"
    http_port: int | None = None  # /healthz and /metrics; None: no HTTP listener
    accept_store: bool = False  # also accept C-STORE of composite instances and index them
    workers: int = 1  # processes sharing the port (SO_REUSEPORT)

    def __post_init__(self) -> None:
        _check_ae_title(self.ae_title)
        check_port("port", self.port)
        check_port("TLS port", self.tls_port)
        if self.http_port is not None:
            check_port("HTTP port", self.http_port)
        if self.workers < 1:
            raise ConfigError(f"workers must be at least 1, not {self.workers}")
        self._check_listeners()
        if self.max_associations < 1 or self.max_concurrent_lookups < 1:
            raise ConfigError("max associations and max concurrent lookups must be at least 1")
        for name in ("acse_timeout", "dimse_timeout", "network_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")
        if self.max_pdu_size != 0 and self.max_pdu_size < 4096:
            raise ConfigError("max PDU size must be 0 (unlimited) or at least 4096")

    def _check_listeners(self) -> None:
        if self.tls is not None and self.tls.cert_file is None:
            raise ConfigError("the TLS listener needs a certificate and its key")
        if self.tls is None and not self.plain_listener:
            raise ConfigError("no listener: turning the plain listener off needs TLS")
        plain = self.port if self.plain_listener else None
        tls = self.tls_port if self.tls is not None else None
        taken = [port for port in (plain, tls, self.http_port) if port]
        if len(set(taken)) != len(taken):
            raise ConfigError(
                f"the DICOM, TLS and HTTP listeners need different ports, not {taken}"
            )

    def with_overrides(self, **overrides: Any) -> ServerSettings:
        """A copy with the given non-``None`` values replaced (validated again)."""
        given = {key: value for key, value in overrides.items() if value is not None}
        try:
            return replace(self, **given)
        except TypeError as exc:
            raise ConfigError(str(exc)) from exc


def load_server_settings(path: Path | None) -> ServerSettings:
    """Defaults overlaid with the TOML file at ``path`` (every table: ``[server]``, ``[tls]``,
    ``[access]``, ``[audit]``, ``[http]``); the environment is not read. See
    :func:`rpiq.config_load.resolve_server_settings` for all the layers."""
    from rpiq.config_load import build_server_settings, read_config_file  # noqa: PLC0415 - cycle

    return build_server_settings([] if path is None else [read_config_file(path)])
