"""Server settings: TOML file (every table and key), environment, options, precedence, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rpiq.cli import build_parser
from rpiq.cli.serve import parse_host_port, settings_from
from rpiq.config import AccessRule, ServerSettings, load_server_settings
from rpiq.config_load import (
    OPTIONS,
    command_line_overlay,
    read_config_file,
    read_environment,
    resolve_server_settings,
    unknown_environment,
)
from rpiq.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = REPO_ROOT / "deploy" / "rpiq.toml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rpiq.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _no_rpiq_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read ``os.environ``: start every test without ``RPIQ_*`` variables."""
    for name in [name for name in os.environ if name.startswith("RPIQ_")]:
        monkeypatch.delenv(name)


def _serve(*argv: str) -> ServerSettings:
    """``rpiq serve ARGV``'s settings (the environment as the test left it)."""
    return settings_from(build_parser().parse_args(["serve", *argv]))


def test_the_example_config_sets_every_option_to_a_non_default_or_example_value() -> None:
    overlay = read_config_file(EXAMPLE_CONFIG)
    every_key = {option.path for option in OPTIONS} | {"access.allow", "access.users"}
    assert set(overlay) == every_key
    settings = load_server_settings(EXAMPLE_CONFIG)
    assert settings.tls is not None
    assert settings.tls.ca_file == Path("/etc/rpiq/tls/clients-ca.pem")
    assert (settings.tls_port, settings.plain_listener) == (2762, False)
    assert [rule.ae_title for rule in settings.access.allow] == ["CT01", "MAMMO1", "PACSWS"]
    assert settings.access.allow[0].sop_classes == ("general", "cardiac")
    assert settings.access.allow[0].address == "10.20.0.0/16"
    assert settings.access.users[0].username == "ct01"
    assert settings.audit.syslog_host == "arr.example.org"
    assert settings.audit.enterprise_site_id == "EXAMPLE-HOSPITAL"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 9110)


def test_the_example_config_is_accepted_by_the_access_policy() -> None:
    from rpiq.net.policy import AccessPolicy  # noqa: PLC0415 - the policy checks the hashes

    AccessPolicy(load_server_settings(EXAMPLE_CONFIG))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[server]\nprot = 1\n", "[server] prot"),
        ("[tls]\ncertfile = 'x'\n", "[tls] certfile"),
        ("[http]\nhost = 'h'\nport = 1\nbind = 2\n", "[http] bind"),
        ("[audit]\nlogfile = 'x'\n", "[audit] logfile"),
        ("[access]\nusers_file = 'x'\n", "[access] users_file"),
        ("[servre]\nport = 1\n", "[servre]"),
        (
            "[[access.allow]]\nae_title = 'A'\naet = 'B'\n",
            "[[access.allow]] entry 1: unknown key aet",
        ),
        ("[[access.users]]\nusername = 'u'\npassword = 'p'\n", "unknown key password"),
    ],
)
def test_unknown_keys_are_errors_naming_file_and_key(tmp_path: Path, text: str, named: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        read_config_file(path)
    assert str(path) in str(caught.value)
    assert named in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nport = '11112'\n", "[server] port must be an integer, not '11112'"),
        ("[server]\nport = true\n", "[server] port must be an integer"),
        ("[server]\nport = 70000\n", "[server] port: port 70000 is not a TCP port"),
        ("[server]\nae_title = 'WAY-TOO-LONG-AE-TITLE'\n", "[server] ae_title: AE title"),
        ("[server]\nworkers = 0\n", "[server] workers: workers must be at least 1"),
        ("[server]\naccept_store = 'yes'\n", "[server] accept_store must be true or false"),
        ("[server]\nacse_timeout = -1\n", "[server] acse_timeout: acse_timeout must be positive"),
        ("[tls]\nport = 99999\n", "[tls] port: TLS port 99999"),
        ("[http]\nport = -1\n", "[http] port: HTTP port -1"),
        ("[audit]\nsyslog_port = 0\n", "[audit] syslog_port: audit syslog port 0"),
        ("[[access.allow]]\nsop_classes = ['breast']\n", "entry 1: ae_title is missing"),
        ("[[access.allow]]\nae_title = 'A'\naddress = 'x.y'\n", "entry 1: allow-list address"),
        ("[[access.allow]]\nae_title = 'A'\nsop_classes = ['mri']\n", "SOP class 'mri'"),
        ("[[access.users]]\nusername = 'u'\n", "entry 1: user 'u' has no password_hash"),
        ("[access]\nallow = 'CT01'\n", "[[access.allow]] must be an array of tables"),
        ("server = 1\n", "server must be a table"),
        ("[server\n", "rpiq.toml"),
    ],
)
def test_mistyped_or_invalid_values_name_the_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        read_config_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_relative_paths_in_the_file_are_relative_to_its_folder(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[tls]\ncert_file = 'tls/c.pem'\nkey_file = '/abs/k.pem'\n[audit]\nlog_file = 'a.xml'\n",
    )
    settings = load_server_settings(path)
    assert settings.tls is not None
    assert settings.tls.cert_file == tmp_path / "tls" / "c.pem"
    assert settings.tls.key_file == Path("/abs/k.pem")
    assert settings.audit.log_file == tmp_path / "a.xml"


def test_environment_variables_are_typed_and_validated() -> None:
    overlay = read_environment(
        {
            "RPIQ_PORT": "4104",
            "RPIQ_AE_TITLE": "FROM-ENV",
            "RPIQ_DB": "sqlite:///env.db",
            "RPIQ_CHECK_CALLED_AE_TITLE": "yes",
            "RPIQ_ACSE_TIMEOUT": "2.5",
            "RPIQ_TLS_CERT_FILE": "/c.pem",
            "RPIQ_TLS_KEY_FILE": "/k.pem",
            "RPIQ_TLS_PLAIN_LISTENER": "off",
            "RPIQ_HTTP_PORT": "9110",
            "RPIQ_AUDIT_LOG_FILE": "/var/log/a.xml",
            "RPIQ_ACCESS_ALLOW": "CT01, MR02 ,",
            "RPIQ_ACCESS_REQUIRE_USER_IDENTITY": "0",
            "RPIQ_WORKERS": "2",
        }
    )
    values = {path: sourced.value for path, sourced in overlay.items()}
    assert values["port"] == 4104
    assert values["check_called_ae_title"] is True
    assert values["acse_timeout"] == 2.5
    assert values["plain_listener"] is False
    assert values["access.require_user_identity"] is False
    assert values["access.allow"] == (AccessRule("CT01"), AccessRule("MR02"))
    assert values["tls.cert_file"] == Path("/c.pem")
    assert overlay["port"].source == "RPIQ_PORT"
    for name, text, message in [
        ("RPIQ_PORT", "eleven", "RPIQ_PORT='eleven': must be an integer"),
        ("RPIQ_HTTP_PORT", "65536", "RPIQ_HTTP_PORT: HTTP port 65536"),
        ("RPIQ_ACCEPT_STORE", "maybe", "RPIQ_ACCEPT_STORE='maybe': must be true or false"),
        ("RPIQ_ACCESS_ALLOW", "OK,\\BAD", "RPIQ_ACCESS_ALLOW: AE title"),
        ("RPIQ_MAX_PDU_SIZE", "100", "RPIQ_MAX_PDU_SIZE: max PDU size"),
    ]:
        with pytest.raises(ConfigError) as caught:
            read_environment({name: text})
        assert message in str(caught.value)


def test_an_empty_variable_turns_an_optional_setting_off_and_is_ignored_otherwise(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "[http]\nport = 9110\n[audit]\nlog_file = 'a.xml'\n")
    environ = {"RPIQ_HTTP_PORT": "", "RPIQ_AUDIT_LOG_FILE": " ", "RPIQ_DB": "", "RPIQ_PORT": ""}
    settings = resolve_server_settings(path, {}, environ)
    assert settings.http_port is None
    assert settings.audit.log_file is None
    assert (settings.db_url, settings.port) == (ServerSettings().db_url, ServerSettings().port)


def test_precedence_is_defaults_then_file_then_environment_then_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path,
        "[server]\nport = 2000\nae_title = 'FILE'\nhost = '127.0.0.2'\n"
        "db_url = 'sqlite:///file.db'\nmax_associations = 7\n"
        "[[access.allow]]\nae_title = 'FILE-AET'\n",
    )
    monkeypatch.setenv("RPIQ_CONFIG", str(path))
    monkeypatch.setenv("RPIQ_PORT", "3000")
    monkeypatch.setenv("RPIQ_AE_TITLE", "ENV")
    monkeypatch.setenv("RPIQ_DB", "sqlite:///env.db")
    settings = _serve("--port", "4000", "--allow-aet", "CLI-1", "--allow-aet", "CLI-2")
    assert settings.port == 4000  # option > environment > file
    assert settings.ae_title == "ENV"  # environment > file
    assert settings.db_url == "sqlite:///env.db"  # RPIQ_DB > file (product contract)
    assert settings.host == "127.0.0.2"  # file > default
    assert settings.max_associations == 7
    assert settings.max_concurrent_lookups == ServerSettings().max_concurrent_lookups
    assert [rule.ae_title for rule in settings.access.allow] == ["CLI-1", "CLI-2"]
    assert _serve("--db", "sqlite:///cli.db").db_url == "sqlite:///cli.db"
    monkeypatch.delenv("RPIQ_CONFIG")
    assert _serve().port == 3000
    monkeypatch.delenv("RPIQ_PORT")
    assert _serve().port == ServerSettings().port


def test_every_serve_option_reaches_the_settings(tmp_path: Path) -> None:
    settings = _serve(
        "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem", "--tls-port", "2763",
        "--no-plain", "--allow-aet", "CT01", "--require-user-identity",
        "--audit-log", "audit.xml", "--audit-syslog", "[::1]:1514", "--http-host", "::1",
        "--audit-syslog-ca", "arr-ca.pem", "--audit-site-id", "SITE",
        "--http-port", "9111", "--accept-store", "--workers", "3", "--require-called-aet",
        "--max-associations", "5", "--max-concurrent-lookups", "6", "--acse-timeout", "1.5",
        "--dimse-timeout", "2.5", "--network-timeout", "3.5", "--max-pdu-size", "0",
        "--host", "127.0.0.1", "--port", "0", "--ae-title", "OPTS", "--db", "sqlite:///o.db",
    )  # fmt: skip
    assert settings.tls is not None
    assert (settings.tls.cert_file, settings.tls.key_file, settings.tls.ca_file) == (
        Path("c.pem"), Path("k.pem"), Path("ca.pem"),
    )  # fmt: skip
    assert (settings.tls_port, settings.plain_listener) == (2763, False)
    assert settings.access.allow == (AccessRule("CT01"),)
    assert settings.access.require_user_identity
    assert settings.audit.log_file == Path("audit.xml")
    assert (settings.audit.syslog_host, settings.audit.syslog_port) == ("::1", 1514)
    assert settings.audit.syslog_ca_file == Path("arr-ca.pem")
    assert settings.audit.enterprise_site_id == "SITE"
    assert (settings.http_host, settings.http_port) == ("::1", 9111)
    assert settings.accept_store
    assert settings.workers == 3
    assert settings.check_called_ae_title
    assert (settings.max_associations, settings.max_concurrent_lookups) == (5, 6)
    assert (settings.acse_timeout, settings.dimse_timeout, settings.network_timeout) == (
        1.5, 2.5, 3.5,
    )  # fmt: skip
    assert (settings.max_pdu_size, settings.host, settings.port) == (0, "127.0.0.1", 0)
    assert (settings.ae_title, settings.db_url) == ("OPTS", "sqlite:///o.db")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tls-cert", "c.pem"], "TLS needs both a certificate and its key"),
        (["--tls-ca", "ca.pem"], "the TLS listener needs a certificate and its key"),
        (["--no-plain"], "no listener: turning the plain listener off needs TLS"),
        (["--port", "9000", "--http-port", "9000"], "need different ports"),
        (["--port", "-5"], "--port: port -5 is not a TCP port"),
        (["--workers", "0"], "--workers: workers must be at least 1"),
        (["--allow-aet", "A\\B"], "--allow-aet: AE title"),
        (["--audit-syslog", "host:port"], "--audit-syslog: 'host:port': the port must be"),
        (["--audit-syslog", "arr:0"], "--audit-syslog: audit syslog port 0"),
    ],
)
def test_option_errors_are_precise(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _serve(*argv)
    assert message in str(caught.value)


def test_a_combination_error_names_where_the_settings_came_from(tmp_path: Path) -> None:
    path = _write(tmp_path, "[tls]\ncert_file = 'c.pem'\n")
    with pytest.raises(ConfigError) as caught:
        resolve_server_settings(path, command_line_overlay([("port", 1, "--port")]), {})
    assert "TLS needs both a certificate and its key" in str(caught.value)
    assert str(path) in str(caught.value)
    assert "--port" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arr.example.org", ("arr.example.org", 6514)),
        ("arr.example.org:1514", ("arr.example.org", 1514)),
        ("10.0.0.1:601", ("10.0.0.1", 601)),
        ("[fd00::1]:1514", ("fd00::1", 1514)),
        ("[fd00::1]", ("fd00::1", 6514)),
        ("fd00::1", ("fd00::1", 6514)),
    ],
)
def test_syslog_destinations_parse(text: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(text, 6514) == expected


def test_unknown_rpiq_variables_are_reported_for_the_check() -> None:
    environ = {"RPIQ_PROT": "1", "RPIQ_PORT": "1", "RPIQ_CONFIG": "x", "PATH": "/bin"}
    assert unknown_environment(environ) == ["RPIQ_PROT"]
