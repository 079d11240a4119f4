"""Password hashes for User Identity accounts (PS3.7 D.3.3.7): never the password itself.

A hash is a self-describing string, so that the parameters can be raised later without
breaking the hashes already stored in configuration files::

    scrypt$n=16384,r=8,p=1$<salt, base64>$<key, base64>
    pbkdf2-sha256$i=600000$<salt, base64>$<key, base64>

:func:`hash_password` makes scrypt hashes (memory-hard, standard library); :func:`verify_password`
checks either kind, comparing keys in constant time (:func:`hmac.compare_digest`). A string that
is not a hash of a known kind verifies nothing (``False``), it never raises: a broken account
entry must not let anybody in. :func:`check_hash` says why a string is not usable (for the
configuration check and ``rpiq passwd --check``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

from rpiq.errors import ConfigError

SCRYPT = "scrypt"
PBKDF2_SHA256 = "pbkdf2-sha256"
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
PBKDF2_ITERATIONS = 600_000
SALT_BYTES = 16
KEY_BYTES = 32
_MAX_SCRYPT_N = 2**20
_MAX_PBKDF2_ITERATIONS = 10_000_000
_SCRYPT_MAXMEM = 256 * 1024 * 1024


@dataclass(frozen=True)
class ParsedHash:
    """A hash string taken apart: its scheme, cost parameters, salt and derived key."""

    scheme: str
    parameters: dict[str, int]
    salt: bytes
    key: bytes


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """A new scrypt hash of ``password`` with a random salt."""
    if not password:
        raise ConfigError("an empty password cannot be hashed")
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password.encode("utf-8"), salt, n=n, r=r, p=p)
    return f"{SCRYPT}$n={n},r={r},p={p}${_b64(salt)}${_b64(key)}"


def hash_password_pbkdf2(password: str, *, iterations: int = PBKDF2_ITERATIONS) -> str:
    """A new PBKDF2-HMAC-SHA256 hash (for sites that require a FIPS-approved function)."""
    if not password:
        raise ConfigError("an empty password cannot be hashed")
    salt = os.urandom(SALT_BYTES)
    key = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, KEY_BYTES)
    return f"{PBKDF2_SHA256}$i={iterations}${_b64(salt)}${_b64(key)}"


def verify_password(password: bytes | str, stored: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash; ``False`` for any malformed hash."""
    secret = password.encode("utf-8") if isinstance(password, str) else password
    try:
        parsed = parse_hash(stored)
    except ConfigError:
        return False
    if parsed.scheme == SCRYPT:
        values = parsed.parameters
        derived = _scrypt(
            secret, parsed.salt, n=values["n"], r=values["r"], p=values["p"], length=len(parsed.key)
        )
    else:
        derived = hashlib.pbkdf2_hmac(
            "sha256", secret, parsed.salt, parsed.parameters["i"], len(parsed.key)
        )
    return hmac.compare_digest(derived, parsed.key)


def check_hash(stored: str) -> None:
    """Raise :class:`~rpiq.errors.ConfigError` saying why ``stored`` is not a usable hash."""
    parse_hash(stored)


def parse_hash(stored: str) -> ParsedHash:
    """Take a hash string apart; :class:`~rpiq.errors.ConfigError` if it is not one."""
    parts = stored.split("$")
    if len(parts) != 4:
        raise ConfigError("a password hash has four $-separated fields (see `rpiq passwd`)")
    scheme, parameter_text, salt_text, key_text = parts
    expected = {SCRYPT: ("n", "r", "p"), PBKDF2_SHA256: ("i",)}.get(scheme)
    if expected is None:
        raise ConfigError(f"unknown password hash scheme {scheme!r}")
    parameters = _parameters(parameter_text, expected)
    try:
        salt = base64.b64decode(salt_text, validate=True)
        key = base64.b64decode(key_text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("a password hash has an invalid base64 salt or key") from exc
    if len(salt) < 8 or len(key) < 16:
        raise ConfigError("a password hash needs a salt of 8+ bytes and a key of 16+ bytes")
    _check_cost(scheme, parameters)
    return ParsedHash(scheme, parameters, salt, key)


def _parameters(text: str, expected: tuple[str, ...]) -> dict[str, int]:
    values: dict[str, int] = {}
    for pair in text.split(","):
        name, _, value = pair.partition("=")
        if name not in expected or not value.isdigit() or name in values:
            raise ConfigError(f"password hash parameters must be {', '.join(expected)}")
        values[name] = int(value)
    if set(values) != set(expected):
        raise ConfigError(f"password hash parameters must be {', '.join(expected)}")
    return values


def _check_cost(scheme: str, parameters: dict[str, int]) -> None:
    if scheme == SCRYPT:
        n, r, p = parameters["n"], parameters["r"], parameters["p"]
        if n < 2**10 or n > _MAX_SCRYPT_N or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
            raise ConfigError("scrypt parameters out of range (n a power of 2 in 2^10..2^20)")
    elif not 10_000 <= parameters["i"] <= _MAX_PBKDF2_ITERATIONS:
        raise ConfigError("pbkdf2 iterations out of range (10000..10000000)")


def _scrypt(
    secret: bytes, salt: bytes, *, n: int, r: int, p: int, length: int = KEY_BYTES
) -> bytes:
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=length, maxmem=_SCRYPT_MAXMEM)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
