"""Password hashes: self-describing, salted, verified in constant time, never raising."""

from __future__ import annotations

import base64
import subprocess
import sys
import tomllib

import pytest

from rpiq.errors import ConfigError
from rpiq.net.passwords import (
    check_hash,
    hash_password,
    hash_password_pbkdf2,
    parse_hash,
    verify_password,
)

FAST = {"n": 2**10}  # the cheapest parameters check_hash accepts: keeps the suite fast


def test_scrypt_hash_is_self_describing_and_verifies() -> None:
    stored = hash_password("correct horse", **FAST)
    scheme, parameters, salt, key = stored.split("$")
    assert (scheme, parameters) == ("scrypt", "n=1024,r=8,p=1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(key)) == 32
    assert verify_password("correct horse", stored)
    assert verify_password(b"correct horse", stored)
    assert not verify_password("correct horse ", stored)
    assert not verify_password("", stored)


def test_default_parameters_are_the_documented_ones() -> None:
    parsed = parse_hash(hash_password("pw"))
    assert parsed.parameters == {"n": 2**14, "r": 8, "p": 1}


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password("same", **FAST), hash_password("same", **FAST)
    assert first != second
    assert verify_password("same", first)
    assert verify_password("same", second)


def test_pbkdf2_hashes_verify() -> None:
    stored = hash_password_pbkdf2("s3cret", iterations=10_000)
    assert stored.startswith("pbkdf2-sha256$i=10000$")
    assert verify_password("s3cret", stored)
    assert not verify_password("s3cre", stored)


def test_non_ascii_passwords_are_utf8() -> None:
    stored = hash_password("pässwörd-大塚", **FAST)
    assert verify_password("pässwörd-大塚".encode(), stored)
    assert not verify_password("passwort-大塚", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plaintext-password",
        "md5$abc$def$ghi",
        "scrypt$n=1024,r=8$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5",
        "scrypt$n=1000,r=8,p=1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5",  # n not a power of 2
        "scrypt$n=1073741824,r=8,p=1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5",  # absurd cost
        "scrypt$n=1024,r=8,p=1$!!!$a2V5a2V5a2V5a2V5a2V5a2V5",
        "scrypt$n=1024,r=8,p=1$c2FsdA==$a2V5",  # salt and key too short
        "pbkdf2-sha256$i=10$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5",
    ],
)
def test_malformed_hashes_verify_nothing_and_are_reported(stored: str) -> None:
    assert not verify_password("anything", stored)
    assert not verify_password(stored, stored)
    with pytest.raises(ConfigError):
        check_hash(stored)


def test_empty_password_cannot_be_hashed() -> None:
    with pytest.raises(ConfigError):
        hash_password("")


def _rpiq(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rpiq", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_rpiq_passwd_prints_an_account_entry_that_verifies() -> None:
    done = _rpiq("passwd", "alice", "--stdin", stdin="s3cret\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["[[access.users]]", 'username = "alice"']
    stored = lines[2].removeprefix('password_hash = "').removesuffix('"')
    assert verify_password("s3cret", stored)
    assert tomllib.loads(done.stdout)["access"]["users"] == [
        {"username": "alice", "password_hash": stored}
    ]
    assert "s3cret" not in done.stdout
    assert _rpiq("passwd", "--check", stored).returncode == 0
    assert _rpiq("passwd", "--check", "plain").returncode == 2


def test_rpiq_passwd_refuses_an_empty_password() -> None:
    done = _rpiq("passwd", "--stdin", stdin="\n")
    assert done.returncode == 2
    assert done.stdout == ""
