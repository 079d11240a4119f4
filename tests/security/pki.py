"""A throw-away PKI made with the ``openssl`` command: a CA, a server, clients, a rogue CA.

Keys are ECDSA P-256 (fast to make, 256 bits as PS3.15 B.13 asks), signatures SHA-256. The
server certificate names ``localhost`` and ``127.0.0.1`` (subjectAltName) so that a client's
host name check passes for the address the tests connect to.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

CLIENT_SUBJECT = "CN=modality-1,O=Test Hospital"
OTHER_CLIENT_SUBJECT = "CN=workstation-9,O=Test Hospital"
DAYS = "2"


@dataclass(frozen=True)
class Identity:
    """A certificate and its private key (PEM files)."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca: Path
    server: Identity
    client: Identity
    other_client: Identity
    rogue_ca: Path
    rogue_client: Identity
    unnamed_server: Identity
    weak_server: Identity


def _openssl(*arguments: str | Path) -> None:
    subprocess.run(["openssl", *map(str, arguments)], check=True, capture_output=True, timeout=60)


def _key_args() -> list[str]:
    return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]


def _make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    _openssl(
        "req", "-x509", *_key_args(), "-keyout", key, "-out", cert, "-days", DAYS,
        "-sha256", "-subj", f"/CN=rpiq test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return cert, key


def _issue(
    folder: Path, name: str, subject: str, ca: tuple[Path, Path], extensions: str
) -> Identity:
    cert, key, request = folder / f"{name}.pem", folder / f"{name}.key", folder / f"{name}.csr"
    extension_file = folder / f"{name}.ext"
    extension_file.write_text(extensions + "basicConstraints=CA:FALSE\n", encoding="ascii")
    _openssl("req", "-new", *_key_args(), "-keyout", key, "-out", request, "-subj", subject)
    _openssl(
        "x509", "-req", "-in", request, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
        "-out", cert, "-days", DAYS, "-sha256", "-extfile", extension_file,
    )  # fmt: skip
    return Identity(cert, key)


def _weak(folder: Path) -> Identity:
    """A self-signed RSA-1024 certificate: below the profile's 2048 bits."""
    cert, key = folder / "weak.pem", folder / "weak.key"
    _openssl(
        "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", key, "-out", cert,
        "-days", DAYS, "-sha256", "-subj", "/CN=weak",
    )  # fmt: skip
    return Identity(cert, key)


SERVER_EXTENSIONS = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
CLIENT_EXTENSIONS = "extendedKeyUsage=clientAuth\n"


def make_pki(folder: Path) -> Pki:
    """Every certificate the security tests use, in ``folder``."""
    ca = _make_ca(folder, "ca")
    rogue = _make_ca(folder, "rogue-ca")
    return Pki(
        ca=ca[0],
        server=_issue(folder, "server", "/CN=localhost", ca, SERVER_EXTENSIONS),
        client=_issue(folder, "client", "/O=Test Hospital/CN=modality-1", ca, CLIENT_EXTENSIONS),
        other_client=_issue(
            folder, "other-client", "/O=Test Hospital/CN=workstation-9", ca, CLIENT_EXTENSIONS
        ),
        rogue_ca=rogue[0],
        rogue_client=_issue(
            folder, "rogue-client", "/O=Test Hospital/CN=modality-1", rogue, CLIENT_EXTENSIONS
        ),
        unnamed_server=_issue(
            folder, "unnamed-server", "/CN=pacs-node", ca, "extendedKeyUsage=serverAuth\n"
        ),
        weak_server=_weak(folder),
    )
