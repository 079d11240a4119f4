"""TLS contexts for DICOM over TLS: PS3.15 B.13, the *Modified BCP 195 RFC 8996, 9325 TLS
Secure Transport Connection Profile* (B.9 and B.10 are retired; B.13 is BCP 195 as it stands).

What the profile asks and what these contexts do:

- TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1): ``minimum_version = TLSv1_2``;
  TLS 1.3 is preferred whenever both ends offer it (OpenSSL's negotiation does that).
- TLS 1.2 cipher suites: only the profile's ECDHE suites (:data:`TLS12_CIPHER_SUITES`, in the
  profile's order of preference, server order enforced). OpenSSL implements no Camellia-GCM
  suites, so the four ``*_CAMELLIA_*_GCM_*`` suites of the list are not offered. The DHE
  fallback suites are not offered either: the profile forbids DHE where the key length cannot
  be set explicitly, and ECDHE covers every client the profile allows.
- TLS 1.3 cipher suites: OpenSSL's defaults (``TLS_AES_256_GCM_SHA384``,
  ``TLS_CHACHA20_POLY1305_SHA256``, ``TLS_AES_128_GCM_SHA256``). Python's ``ssl`` module cannot
  enable the two CCM suites the profile also lists for servers.
- Keys of 2048+ bits (RSA) and 256+ bits (ECC), SHA-256 or stronger signatures: OpenSSL security
  level 2 (``@SECLEVEL=2``) refuses weaker certificates and SHA-1 signatures in the handshake.
- No TLS compression, no renegotiation.
- Mutual authentication: a server whose :class:`~rpiq.config.TlsSettings` has ``ca_file``
  *requires* a client certificate issued by those CAs (``CERT_REQUIRED``); without ``ca_file``
  it asks for none.

Host name checking (a decision, documented in the conformance statement):

- The **server** does not match the client certificate against the client's address or host
  name: a DICOM peer is identified by its certificate, not its IP. Access rules may bind a
  calling AE title to a certificate subject (:func:`peer_subject` gives it, in RFC 4514 form)
  and/or to a peer address.
- The **client** verifies the server certificate against ``ca_file`` (or the system trust store
  when no ``ca_file`` is given: never no verification) *and* checks that it names the host the
  client connected to (subjectAltName DNS or IP entry), as RFC 9325 asks. ``check_hostname=False``
  exists for sites whose node certificates name no host; the chain is still verified.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from rpiq.config import TlsSettings
from rpiq.errors import ConfigError

PROFILE = "Modified BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.13)"

TLS12_CIPHER_SUITES = (
    # (IANA name, OpenSSL name), in PS3.15 B.13's order of preference
    ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM"),
    ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", "ECDHE-ECDSA-AES256-CCM8"),
    ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
    ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8"),
)
"""The TLS 1.2 suites offered: the profile's preferred list less the Camellia-GCM suites."""

TLS13_CIPHER_SUITES = (
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_GCM_SHA256",
)
"""The TLS 1.3 suites OpenSSL enables (Python cannot change them)."""

SECURITY_LEVEL = 2
CIPHER_STRING = ":".join(name for _, name in TLS12_CIPHER_SUITES) + f":@SECLEVEL={SECURITY_LEVEL}"

# RFC 4514 short names of the attribute types OpenSSL reports by their long names
_SHORT_NAMES = {
    "commonName": "CN",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}
_RFC4514_SPECIAL = ',+"\\<>;='


def server_context(settings: TlsSettings) -> ssl.SSLContext:
    """The context of a TLS listener: the certificate and key of ``settings`` and, with
    ``ca_file``, client certificates required and verified against it."""
    if settings.cert_file is None or settings.key_file is None:
        raise ConfigError("a TLS listener needs a certificate and its key (--tls-cert, --tls-key)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _apply_profile(context)
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    _load_chain(context, settings.cert_file, settings.key_file)
    if settings.ca_file is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        _load_ca(context, settings.ca_file)
    else:
        context.verify_mode = ssl.CERT_NONE
    return context


def client_context(settings: TlsSettings, *, check_hostname: bool = True) -> ssl.SSLContext:
    """The context of a TLS client: the server certificate verified against ``ca_file`` (else
    the system trust store) and, by default, matched against the host name; the client
    certificate and key of ``settings``, if any, offered for mutual authentication."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _apply_profile(context)
    if settings.ca_file is not None:
        _load_ca(context, settings.ca_file)
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if settings.cert_file is not None and settings.key_file is not None:
        _load_chain(context, settings.cert_file, settings.key_file)
    context.check_hostname = check_hostname
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def peer_subject(connection: ssl.SSLSocket | ssl.SSLObject) -> str | None:
    """The RFC 4514 subject of the peer's *verified* certificate (``CN=modality-1,O=Hospital``),
    or ``None`` when the peer sent none or it was not verified."""
    certificate = connection.getpeercert()
    if not certificate:
        return None
    subject = certificate.get("subject", ())
    return rfc4514(subject)  # type: ignore[arg-type]


def rfc4514(subject: tuple[tuple[tuple[str, str], ...], ...]) -> str:
    """A subject as :meth:`ssl.SSLSocket.getpeercert` gives it, as an RFC 4514 string (most
    specific RDN first, ``+`` between the attributes of a multi-valued RDN)."""
    rdns = [
        "+".join(f"{_SHORT_NAMES.get(kind, kind)}={_escape(value)}" for kind, value in rdn)
        for rdn in reversed(subject)
    ]
    return ",".join(rdns)


def _escape(value: str) -> str:
    escaped = "".join(f"\\{char}" if char in _RFC4514_SPECIAL else char for char in value)
    if escaped.startswith((" ", "#")):
        escaped = "\\" + escaped
    if escaped.endswith(" ") and not escaped.endswith("\\ "):
        escaped = escaped[:-1] + "\\ "
    return escaped


def _apply_profile(context: ssl.SSLContext) -> None:
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(CIPHER_STRING)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION


def _load_chain(context: ssl.SSLContext, cert_file: Path, key_file: Path) -> None:
    try:
        context.load_cert_chain(certfile=cert_file, keyfile=key_file)
    except FileNotFoundError as exc:
        raise ConfigError(f"TLS certificate or key not found: {exc.filename}") from exc
    except ssl.SSLError as exc:
        raise ConfigError(
            f"TLS certificate {cert_file} / key {key_file} unusable "
            f"(PS3.15 B.13 needs RSA 2048+ or ECC 256+ bits, SHA-256+): {exc.reason or exc}"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"TLS certificate {cert_file} / key {key_file}: {exc}") from exc


def _load_ca(context: ssl.SSLContext, ca_file: Path) -> None:
    try:
        context.load_verify_locations(cafile=ca_file)
    except FileNotFoundError as exc:
        raise ConfigError(f"TLS CA file not found: {ca_file}") from exc
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"TLS CA file {ca_file} unusable: {exc}") from exc
