"""``rpiq serve --check-config``: every check, exit 0 or 2 with a precise message, no serving."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rpiq.cli import main
from rpiq.net.passwords import hash_password
from rpiq.store import open_repository

FAILED = 2


def _openssl_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed P-256 certificate and its key, made by openssl."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}", "-days", "2"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = _openssl_pair(folder, "server")
    other_cert, other_key = _openssl_pair(folder, "other")
    return {"cert": cert, "key": key, "other_cert": other_cert, "other_key": other_key}


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'rpiq.db'}"
    open_repository(url).close()
    return url


@pytest.fixture(autouse=True)
def _no_rpiq_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("RPIQ_")]:
        monkeypatch.delenv(name)


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["serve", "--check-config", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_usable_configuration_passes_every_check(
    tmp_path: Path,
    migrated: str,
    tls_files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "rpiq.toml"
    config.write_text(
        f"[server]\ndb_url = '{migrated}'\n"
        f"[tls]\ncert_file = '{tls_files['cert']}'\nkey_file = '{tls_files['key']}'\n"
        f"ca_file = '{tls_files['other_cert']}'\n"
        "[[access.allow]]\nae_title = 'CT01'\n"
        f"[[access.users]]\nusername = 'ct01'\npassword_hash = '{hash_password('s3cret')}'\n"
        "[audit]\nlog_file = 'audit.xml'\n[http]\nport = 9110\n",
        encoding="utf-8",
    )
    status, out, err = _check(capsys, "--config", str(config))
    assert status == 0, err
    assert "configuration is usable" in out
    for name in ("files", "tls", "access", "audit", "processes", "c-store", "database"):
        assert f"ok     {name}:" in out
    assert "client certificates required" in out
    assert "1 allow rule(s), 1 user account(s)" in out
    assert "schema at" in out
    assert not (tmp_path / "audit.xml").exists()  # checked, not written
    assert "listening" not in out


@pytest.mark.parametrize(
    ("argv", "failure"),
    [
        (["--tls-cert", "{missing}", "--tls-key", "{key}"], "FAILED files: TLS certificate"),
        (["--tls-cert", "{cert}", "--tls-key", "{other_key}"], "FAILED tls:"),
        (["--tls-cert", "{cert}", "--tls-key", "{key}", "--tls-ca", "{missing}"],
         "FAILED files: TLS CA file"),
        (["--audit-log", "{cert}/logs/audit.xml"], "/logs/audit.xml: folder"),
        (["--require-user-identity"], "FAILED access: require_user_identity needs at least"),
        (["--workers", "2", "--http-port", "9110"], "FAILED processes: the HTTP listener"),
        (["--audit-syslog", "arr.example.org", "--audit-syslog-ca", "{key}"], "FAILED audit:"),
    ],
)  # fmt: skip
def test_each_failure_is_named_and_exits_2(
    tmp_path: Path,
    migrated: str,
    tls_files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    *,
    argv: list[str],
    failure: str,
) -> None:
    names = {**tls_files, "missing": tmp_path / "missing.pem"}
    filled = [part.format(**{key: str(value) for key, value in names.items()}) for part in argv]
    status, out, err = _check(capsys, "--db", migrated, *filled)
    assert status == FAILED
    assert failure in err
    assert "check(s) failed" in err
    assert "ok     database:" in out  # the other checks still ran


def test_a_bad_password_hash_fails_the_access_check(
    tmp_path: Path, migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "rpiq.toml"
    config.write_text(
        "[[access.users]]\nusername = 'ct01'\npassword_hash = 'plaintext'\n", encoding="utf-8"
    )
    status, _, err = _check(capsys, "--config", str(config), "--db", migrated)
    assert status == FAILED
    assert "FAILED access: user 'ct01'" in err


def test_an_unmigrated_database_fails_with_the_revision_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    status, _, err = _check(capsys, "--db", url)
    assert status == FAILED
    assert "FAILED database:" in err
    assert "schema is at nothing" in err


def test_an_unreachable_database_fails_promptly(
    capsys: pytest.CaptureFixture[str], unused_tcp_port: int
) -> None:
    url = f"postgresql+psycopg://rpiq@127.0.0.1:{unused_tcp_port}/rpiq"
    started = time.monotonic()
    status, _, err = _check(capsys, "--db", url)
    assert status == FAILED
    assert "FAILED database: cannot read schema revision" in err
    assert time.monotonic() - started < 10


def test_settings_errors_exit_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "rpiq.toml"
    config.write_text("[tls]\ncertfile = 'x'\n", encoding="utf-8")
    status, _, err = _check(capsys, "--config", str(config))
    assert status == FAILED
    assert f"{config}: unknown key [tls] certfile" in err


def test_check_config_as_a_process_exits_0_without_serving(migrated: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rpiq", "serve", "--check-config", "--db", migrated,
         "--port", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "configuration is usable" in done.stdout


@pytest.fixture
def unused_tcp_port() -> int:
    import socket  # noqa: PLC0415 - only this fixture needs it

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
