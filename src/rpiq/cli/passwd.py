"""``rpiq passwd``: hash a password for the User Identity account list.

With a username, prints an ``[[access.users]]`` entry ready for the configuration file (only
the hash is ever stored); without, the hash alone. The password is read without echo from the
terminal, or one line from standard input when that is not a terminal (``--stdin`` forces it).
``--check HASH`` says whether a hash string is well formed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from rpiq.errors import ConfigError

EXIT_OK = 0
EXIT_ERROR = 2


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "passwd",
        help="hash a password for the User Identity account list",
        description="Print a salted scrypt (or PBKDF2) hash of a password for "
        "[[access.users]]; the password is read without echo, or from stdin.",
    )
    parser.add_argument("username", nargs="?", help="the account name (printed with the hash)")
    parser.add_argument(
        "--stdin", action="store_true", help="read the password as one line of standard input"
    )
    parser.add_argument(
        "--scheme",
        choices=["scrypt", "pbkdf2-sha256"],
        default="scrypt",
        help="hash function (default scrypt; pbkdf2-sha256 where FIPS functions are required)",
    )
    parser.add_argument("--check", metavar="HASH", help="only check that HASH is well formed")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from rpiq.net import passwords  # noqa: PLC0415 - imported when the command runs

    if args.check is not None:
        try:
            passwords.check_hash(args.check)
        except ConfigError as exc:
            print(f"rpiq passwd: {exc}", file=sys.stderr)
            return EXIT_ERROR
        print("ok")
        return EXIT_OK
    password = _read_password(args.stdin)
    if not password:
        print("rpiq passwd: empty password", file=sys.stderr)
        return EXIT_ERROR
    if args.scheme == "scrypt":
        hashed = passwords.hash_password(password)
    else:
        hashed = passwords.hash_password_pbkdf2(password)
    if args.username:
        print(f"[[access.users]]\nusername = {json.dumps(args.username)}")
        print(f'password_hash = "{hashed}"')
    else:
        print(hashed)
    return EXIT_OK


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Again: ")
    if first != second:
        raise ConfigError("the two passwords differ")
    return first
