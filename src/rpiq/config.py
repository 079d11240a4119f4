"""Settings: frozen objects, validated once, passed in (never module-level mutable state).

The database URL is resolved in one place, :func:`resolve_db_url`: an explicit ``--db`` wins,
then the environment variable ``RPIQ_DB``, then the SQLite file ``rpiq.db`` in the working
directory (product contract).

A TOML file (``rpiq serve --config FILE``) may hold any server setting under ``[server]``;
command-line options override the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
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


@dataclass(frozen=True)
class ImportSettings:
    """How sources are turned into patients."""

    issuer_rule: IssuerRule = IssuerRule.ASSIGNER_THEN_SYSTEM


def _check_ae_title(value: str) -> str:
    if not value.strip() or len(value) > 16 or "\\" in value:
        raise ConfigError(f"AE title {value!r} must be 1-16 characters without backslash")
    if not value.isascii():
        raise ConfigError(f"AE title {value!r} must be ASCII (PS3.5 AE)")
    return value


@dataclass(frozen=True)
class ServerSettings:
    """Everything ``rpiq serve`` needs."""

    host: str = "0.0.0.0"  # noqa: S104 - a DICOM SCP listens on the network by design
    port: int = 11112
    ae_title: str = "RPIQ"
    check_called_ae_title: bool = False
    max_associations: int = 100
    max_concurrent_lookups: int = 64
    acse_timeout: float = 30.0
    dimse_timeout: float = 30.0
    network_timeout: float = 60.0
    max_pdu_size: int = 65536
    db_url: str = DEFAULT_DB_URL

    def __post_init__(self) -> None:
        _check_ae_title(self.ae_title)
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not 0-65535")
        if self.max_associations < 1 or self.max_concurrent_lookups < 1:
            raise ConfigError("max associations and max concurrent lookups must be at least 1")
        for name in ("acse_timeout", "dimse_timeout", "network_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")
        if self.max_pdu_size != 0 and self.max_pdu_size < 4096:
            raise ConfigError("max PDU size must be 0 (unlimited) or at least 4096")

    def with_overrides(self, **overrides: Any) -> ServerSettings:
        """A copy with the given non-``None`` values replaced (validated again)."""
        given = {key: value for key, value in overrides.items() if value is not None}
        try:
            return replace(self, **given)
        except TypeError as exc:
            raise ConfigError(str(exc)) from exc


def load_server_settings(path: Path | None) -> ServerSettings:
    """Defaults, overlaid with the ``[server]`` table of the TOML file at ``path``."""
    if path is None:
        return ServerSettings()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    table = document.get("server", {})
    known = {field.name for field in fields(ServerSettings)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown [server] settings: {', '.join(unknown)}")
    return ServerSettings().with_overrides(**table)
