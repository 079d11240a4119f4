"""Server settings from their layers: defaults < TOML file < environment < command line.

The file (``rpiq serve --config FILE``, else ``$RPIQ_CONFIG``) has one table per concern; every
key is optional and an unknown table or key is an error naming the file and the key::

    [server]   host port ae_title check_called_ae_title max_associations
               max_concurrent_lookups acse_timeout dimse_timeout network_timeout
               max_pdu_size db_url accept_store workers
    [tls]      cert_file key_file ca_file port plain_listener
    [access]   require_user_identity
    [[access.allow]]  ae_title sop_classes address certificate_subject
    [[access.users]]  username password_hash
    [audit]    log_file syslog_host syslog_port syslog_ca_file enterprise_site_id
    [http]     host port

Relative paths in the file are relative to the file's folder. Each setting also has an
environment variable: ``RPIQ_<KEY>`` for ``[server]`` keys (``RPIQ_PORT``, ``RPIQ_AE_TITLE``;
the database URL is ``RPIQ_DB``), ``RPIQ_<TABLE>_<KEY>`` for the others (``RPIQ_TLS_CERT_FILE``,
``RPIQ_HTTP_PORT``, ``RPIQ_AUDIT_LOG_FILE``); ``RPIQ_ACCESS_ALLOW`` takes comma-separated AE
titles; user accounts come from the file only. An empty variable turns an optional setting
off (``RPIQ_HTTP_PORT=``) and is ignored for the others (``RPIQ_DB=`` keeps the default).

A layer is an :data:`Overlay`: setting path (``port``, ``tls.cert_file``, ``access.allow``) →
typed value and where it came from. A later layer replaces whole values (an allow list from the
command line replaces the file's). Each value is checked as it is read, so an error names its
source; checks between settings (certificate without key, two listeners on one port) run on
the merged result.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from rpiq.config import (
    AccessRule,
    AccessSettings,
    AuditSettings,
    ServerSettings,
    TlsSettings,
    UserAccount,
)
from rpiq.errors import ConfigError

CONFIG_ENV_VAR = "RPIQ_CONFIG"
ENV_PREFIX = "RPIQ_"


@dataclass(frozen=True)
class Sourced:
    """A setting's value and where it came from (``rpiq.toml [tls] port``, ``RPIQ_PORT``)."""

    value: Any
    source: str


Overlay = dict[str, Sourced]
"""Setting path → value: ``port``, ``tls.cert_file``, ``audit.log_file``, ``access.allow``."""


# -- kinds: one per value type, from TOML and from text ---------------------------------


@dataclass(frozen=True)
class _Kind:
    noun: str
    from_toml: Callable[[object], object]
    from_text: Callable[[str], object]


def _toml_str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _toml_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _toml_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return float(value)


def _toml_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _bool_text(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    raise ValueError


_STR = _Kind("a string", _toml_str, str)
_INT = _Kind("an integer", _toml_int, int)
_FLOAT = _Kind("a number", _toml_float, float)
_BOOL = _Kind("true or false", _toml_bool, _bool_text)
_PATH = _Kind("a path", lambda value: Path(_toml_str(value)), Path)


@dataclass(frozen=True)
class _Option:
    section: str
    key: str
    path: str
    kind: _Kind
    optional: bool = False

    @property
    def env(self) -> str:
        if self.path == "db_url":
            return "RPIQ_DB"
        prefix = "" if self.section == "server" else f"{self.section}_"
        return f"{ENV_PREFIX}{prefix}{self.key}".upper()


_SERVER_KINDS = {
    "host": _STR,
    "port": _INT,
    "ae_title": _STR,
    "check_called_ae_title": _BOOL,
    "max_associations": _INT,
    "max_concurrent_lookups": _INT,
    "acse_timeout": _FLOAT,
    "dimse_timeout": _FLOAT,
    "network_timeout": _FLOAT,
    "max_pdu_size": _INT,
    "db_url": _STR,
    "accept_store": _BOOL,
    "workers": _INT,
}

OPTIONS: tuple[_Option, ...] = (
    *(_Option("server", key, key, kind) for key, kind in _SERVER_KINDS.items()),
    _Option("tls", "cert_file", "tls.cert_file", _PATH, optional=True),
    _Option("tls", "key_file", "tls.key_file", _PATH, optional=True),
    _Option("tls", "ca_file", "tls.ca_file", _PATH, optional=True),
    _Option("tls", "port", "tls_port", _INT),
    _Option("tls", "plain_listener", "plain_listener", _BOOL),
    _Option("access", "require_user_identity", "access.require_user_identity", _BOOL),
    _Option("audit", "log_file", "audit.log_file", _PATH, optional=True),
    _Option("audit", "syslog_host", "audit.syslog_host", _STR, optional=True),
    _Option("audit", "syslog_port", "audit.syslog_port", _INT),
    _Option("audit", "syslog_ca_file", "audit.syslog_ca_file", _PATH, optional=True),
    _Option("audit", "enterprise_site_id", "audit.enterprise_site_id", _STR),
    _Option("http", "host", "http_host", _STR),
    _Option("http", "port", "http_port", _INT, optional=True),
)
"""Every scalar setting: its TOML table and key, its path, its type."""

_LIST_KEYS = {"access": ("allow", "users")}
_SECTIONS = ("server", "tls", "access", "audit", "http")
_RULE_KEYS = {f.name for f in fields(AccessRule)}
_USER_KEYS = {f.name for f in fields(UserAccount)}
ALLOW_ENV_VAR = "RPIQ_ACCESS_ALLOW"


# -- checking one value where it is read -------------------------------------------------

_ISOLATION_BASE = ServerSettings(
    port=0, tls=TlsSettings(Path("cert.pem"), Path("key.pem")), tls_port=0
)
"""Settings in which any single valid value is accepted (TLS on, every port free)."""


def _check_alone(path: str, value: Any) -> None:
    """Raise ``ConfigError`` if ``value`` is invalid for ``path`` whatever else is set."""
    head, _, rest = path.partition(".")
    if head == "audit":
        replace(AuditSettings(), **{rest: value})
    elif head in ("tls", "access"):
        return  # checked together (certificate with key) or as each entry is built
    else:
        replace(_ISOLATION_BASE, **{path: value})


def _checked(option: _Option, value: Any, source: str) -> Sourced:
    if option.optional and value is None:
        return Sourced(None, source)
    try:
        _check_alone(option.path, value)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    return Sourced(value, source)


# -- the file ----------------------------------------------------------------------------


def read_config_file(path: Path) -> Overlay:
    """The settings in the TOML file at ``path``; raises ``ConfigError`` naming the file and
    the key for anything unreadable, unknown, mistyped or invalid."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    unknown = sorted(set(document) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"{path}: unknown table [{unknown[0]}] (known: {', '.join(_SECTIONS)})")
    overlay: Overlay = {}
    for section in _SECTIONS:
        table = document.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section} must be a table ([{section}])")
        overlay.update(_read_section(path, section, table))
    return overlay


def _read_section(path: Path, section: str, table: dict[str, Any]) -> Overlay:
    options = {option.key: option for option in OPTIONS if option.section == section}
    lists = _LIST_KEYS.get(section, ())
    overlay: Overlay = {}
    for key, raw in table.items():
        where = f"{path}: [{section}] {key}"
        if key in lists:
            overlay[f"{section}.{key}"] = _read_entries(path, section, key, raw)
            continue
        option = options.get(key)
        if option is None:
            known = ", ".join([*options, *lists])
            raise ConfigError(f"{path}: unknown key [{section}] {key} (known: {known})")
        try:
            value = option.kind.from_toml(raw)
        except (ValueError, TypeError):
            raise ConfigError(f"{where} must be {option.kind.noun}, not {raw!r}") from None
        if isinstance(value, Path) and not value.is_absolute():
            value = path.parent / value
        overlay[option.path] = _checked(option, value, where)
    return overlay


def _read_entries(path: Path, section: str, key: str, raw: object) -> Sourced:
    where = f"{path}: [[{section}.{key}]]"
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ConfigError(f"{where} must be an array of tables")
    build = _rule_from if key == "allow" else _user_from
    entries = []
    for number, entry in enumerate(raw, start=1):
        try:
            entries.append(build(entry))
        except ConfigError as error:
            raise ConfigError(f"{where} entry {number}: {error}") from None
    return Sourced(tuple(entries), where)


def _rule_from(entry: dict[str, Any]) -> AccessRule:
    _known_keys(entry, _RULE_KEYS, required="ae_title")
    sop_classes = entry.get("sop_classes", [])
    if not isinstance(sop_classes, list) or not all(isinstance(s, str) for s in sop_classes):
        raise ConfigError("sop_classes must be an array of strings")
    text = {
        key: entry[key] for key in ("ae_title", "address", "certificate_subject") if key in entry
    }
    if not all(isinstance(value, str) for value in text.values()):
        raise ConfigError("ae_title, address and certificate_subject must be strings")
    return AccessRule(sop_classes=tuple(sop_classes), **text)


def _user_from(entry: dict[str, Any]) -> UserAccount:
    _known_keys(entry, _USER_KEYS, required="username")
    if not all(isinstance(value, str) for value in entry.values()):
        raise ConfigError("username and password_hash must be strings")
    if "password_hash" not in entry:
        raise ConfigError(f"user {entry['username']!r} has no password_hash")
    return UserAccount(**entry)


def _known_keys(entry: Mapping[str, Any], known: set[str], *, required: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]} (known: {', '.join(sorted(known))})")
    if required not in entry:
        raise ConfigError(f"{required} is missing")


# -- the environment ---------------------------------------------------------------------


def read_environment(environ: Mapping[str, str]) -> Overlay:
    """The ``RPIQ_*`` settings in ``environ``; other ``RPIQ_`` variables are ignored (see
    :func:`unknown_environment`)."""
    overlay: Overlay = {}
    for option in OPTIONS:
        text = environ.get(option.env)
        if text is None:
            continue
        if not text.strip():  # empty: an optional setting off, any other one not given
            if option.optional:
                overlay[option.path] = Sourced(None, option.env)
            continue
        try:
            value = option.kind.from_text(text)
        except ValueError:
            raise ConfigError(f"{option.env}={text!r}: must be {option.kind.noun}") from None
        overlay[option.path] = _checked(option, value, option.env)
    allowed = environ.get(ALLOW_ENV_VAR)
    if allowed is not None:
        titles = [title.strip() for title in allowed.split(",") if title.strip()]
        try:
            rules = tuple(AccessRule(title) for title in titles)
        except ConfigError as error:
            raise ConfigError(f"{ALLOW_ENV_VAR}: {error}") from None
        overlay["access.allow"] = Sourced(rules, ALLOW_ENV_VAR)
    return overlay


KNOWN_ENV_VARS = frozenset({CONFIG_ENV_VAR, ALLOW_ENV_VAR, *(option.env for option in OPTIONS)})


def unknown_environment(environ: Mapping[str, str]) -> list[str]:
    """``RPIQ_`` variables that name no setting (likely typos), sorted."""
    return sorted(
        name for name in environ if name.startswith(ENV_PREFIX) and name not in KNOWN_ENV_VARS
    )


# -- the command line --------------------------------------------------------------------

_BY_PATH = {option.path: option for option in OPTIONS}


def command_line_overlay(given: Iterable[tuple[str, Any, str]]) -> Overlay:
    """``(setting path, value, option name)`` triples as a layer; ``None`` values are not
    given. Each value is checked and an error names the option."""
    overlay: Overlay = {}
    for path, value, option_name in given:
        if value is None:
            continue
        option = _BY_PATH.get(path)
        overlay[path] = (
            _checked(option, value, option_name) if option else Sourced(value, option_name)
        )
    return overlay


# -- merging -----------------------------------------------------------------------------


def merge(layers: Iterable[Overlay]) -> Overlay:
    """Later layers win, value by value."""
    merged: Overlay = {}
    for layer in layers:
        merged.update(layer)
    return merged


def build_server_settings(layers: Iterable[Overlay]) -> ServerSettings:
    """Defaults overlaid with ``layers`` in order, checked as a whole."""
    merged = merge(layers)
    values = {path: sourced.value for path, sourced in merged.items()}
    try:
        return _build(values)
    except ConfigError as error:
        sources = sorted({sourced.source.split(":")[0] for sourced in merged.values()})
        origin = f" (settings from {', '.join(sources)})" if sources else ""
        raise ConfigError(f"{error}{origin}") from None


def _build(values: Mapping[str, Any]) -> ServerSettings:
    nested: dict[str, dict[str, Any]] = {"tls": {}, "audit": {}, "access": {}}
    top: dict[str, Any] = {}
    for path, value in values.items():
        head, _, rest = path.partition(".")
        if rest:
            nested[head][rest] = value
        else:
            top[path] = value
    tls_given = {key: value for key, value in nested["tls"].items() if value is not None}
    return ServerSettings(
        **top,
        tls=TlsSettings(**tls_given) if tls_given else None,
        audit=AuditSettings(**nested["audit"]),
        access=AccessSettings(**nested["access"]),
    )


def resolve_server_settings(
    config_file: Path | None,
    command_line: Overlay,
    environ: Mapping[str, str] | None = None,
) -> ServerSettings:
    """Defaults < ``config_file`` (else ``$RPIQ_CONFIG``) < environment < ``command_line``."""
    environ = os.environ if environ is None else environ
    if config_file is None and environ.get(CONFIG_ENV_VAR):
        config_file = Path(environ[CONFIG_ENV_VAR])
    layers = [read_config_file(config_file)] if config_file is not None else []
    return build_server_settings([*layers, read_environment(environ), command_line])
