"""TLS on an accepted connection: the server-side handshake and the client's certificate subject.

The handshake runs on the connection's own coroutine (``StreamWriter.start_tls``), bounded by
the ACSE timeout, so a failure is ours to report (:meth:`AuditSink.tls_failed`) instead of
asyncio's default exception handler's.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Final

_SHORT_NAMES: Final = {
    "commonName": "CN",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "streetAddress": "STREET",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "domainComponent": "DC",
    "userId": "UID",
}
"""RFC 4514 section 3 attribute type names; other types are written by their OID."""
_OIDS: Final = {
    "emailAddress": "1.2.840.113549.1.9.1",
    "serialNumber": "2.5.4.5",
    "title": "2.5.4.12",
    "givenName": "2.5.4.42",
    "surname": "2.5.4.4",
    "initials": "2.5.4.43",
    "pseudonym": "2.5.4.65",
    "generationQualifier": "2.5.4.44",
    "dnQualifier": "2.5.4.46",
    "businessCategory": "2.5.4.15",
    "postalCode": "2.5.4.17",
}
_SPECIAL: Final = frozenset(',+"\\<>;')


def _escape(value: str) -> str:
    """RFC 4514 section 2.4 escaping of an attribute value."""
    out = []
    for index, char in enumerate(value):
        if (
            char in _SPECIAL
            or (index == 0 and char in "# ")
            or (index == len(value) - 1 and char == " ")
        ):
            out.append("\\" + char)
        elif char == "\x00":
            out.append("\\00")
        else:
            out.append(char)
    return "".join(out)


def rfc4514_subject(subject: tuple[tuple[tuple[str, str], ...], ...]) -> str:
    """``ssl.SSLSocket.getpeercert()["subject"]`` as an RFC 4514 string (last RDN first)."""
    rdns = []
    for rdn in reversed(subject):
        parts = [
            f"{_SHORT_NAMES.get(name) or _OIDS.get(name, name)}={_escape(value)}"
            for name, value in rdn
        ]
        rdns.append("+".join(parts))
    return ",".join(rdns)


def peer_subject(writer: asyncio.StreamWriter) -> str | None:
    """The verified client certificate's subject, or ``None`` without one."""
    ssl_object = writer.get_extra_info("ssl_object")
    if not isinstance(ssl_object, ssl.SSLObject):
        return None
    certificate = ssl_object.getpeercert()
    if not certificate:
        return None
    subject = certificate.get("subject")
    return rfc4514_subject(subject) if subject else None  # type: ignore[arg-type]


async def handshake(writer: asyncio.StreamWriter, context: ssl.SSLContext, timeout: float) -> None:
    """Upgrade the accepted connection to TLS; raises on failure or timeout."""
    await writer.start_tls(context, ssl_handshake_timeout=timeout)
