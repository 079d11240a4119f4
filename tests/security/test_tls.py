"""TLS contexts (PS3.15 B.13) tested with real handshakes against a real listener."""

from __future__ import annotations

import ssl
import warnings

import pytest

from rpiq.config import TlsSettings
from rpiq.errors import ConfigError
from rpiq.net.tls import TLS12_CIPHER_SUITES, client_context, rfc4514, server_context
from security.pki import CLIENT_SUBJECT, Pki
from security.support import TlsListener, round_trip, tls_connect

PROFILE_TLS12_NAMES = {name for _, name in TLS12_CIPHER_SUITES}


def _server(pki: Pki, *, mutual: bool) -> ssl.SSLContext:
    return server_context(TlsSettings(pki.server.cert, pki.server.key, pki.ca if mutual else None))


def _client(pki: Pki, *, cert: bool = True, ca: bool = True) -> ssl.SSLContext:
    identity = pki.client
    return client_context(
        TlsSettings(
            identity.cert if cert else None,
            identity.key if cert else None,
            pki.ca if ca else None,
        )
    )


def _legacy_client(pki: Pki, maximum: ssl.TLSVersion, ciphers: str) -> ssl.SSLContext:
    """A client outside the profile (old protocol or cipher), verifying the server."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(pki.ca)
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point here
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = maximum
    context.set_ciphers(ciphers)
    context.load_cert_chain(pki.client.cert, pki.client.key)
    return context


def test_profile_contexts_allow_tls12_and_later_only(pki: Pki) -> None:
    for context in (_server(pki, mutual=True), _client(pki)):
        assert context.minimum_version == ssl.TLSVersion.TLSv1_2
        assert context.options & ssl.OP_NO_COMPRESSION
        tls12 = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"}
        assert tls12 <= PROFILE_TLS12_NAMES
        assert "ECDHE-ECDSA-AES256-GCM-SHA384" in tls12


def test_mutual_tls_handshake_gives_the_client_subject(pki: Pki, listeners: list) -> None:
    listener = TlsListener(_server(pki, mutual=True))
    listeners.append(listener)
    assert round_trip(_client(pki), listener.port) == b"ping"
    handshake = listener.next_handshake()
    assert handshake.ok
    assert handshake.version == "TLSv1.3"
    assert handshake.subject == CLIENT_SUBJECT


def test_tls12_client_gets_a_profile_cipher(pki: Pki, listeners: list) -> None:
    listener = TlsListener(_server(pki, mutual=True))
    listeners.append(listener)
    client = _client(pki)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    assert round_trip(client, listener.port) == b"ping"
    handshake = listener.next_handshake()
    assert handshake.version == "TLSv1.2"
    assert handshake.cipher in PROFILE_TLS12_NAMES


@pytest.mark.parametrize(
    ("maximum", "ciphers"),
    [
        (ssl.TLSVersion.TLSv1_1, "DEFAULT:@SECLEVEL=0"),  # protocol deprecated by RFC 8996
        (ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"),  # CBC, SHA-1
    ],
)
def test_clients_outside_the_profile_are_refused(
    pki: Pki, listeners: list, maximum: ssl.TLSVersion, ciphers: str
) -> None:
    listener = TlsListener(_server(pki, mutual=False))
    listeners.append(listener)
    with pytest.raises((ssl.SSLError, OSError)):
        round_trip(_legacy_client(pki, maximum, ciphers), listener.port)
    assert not listener.next_handshake().ok


@pytest.mark.parametrize("who", ["no certificate", "rogue CA"])
def test_mutual_tls_refuses_unverified_clients(pki: Pki, listeners: list, who: str) -> None:
    listener = TlsListener(_server(pki, mutual=True))
    listeners.append(listener)
    if who == "no certificate":
        client = _client(pki, cert=False)
    else:
        client = client_context(TlsSettings(pki.rogue_client.cert, pki.rogue_client.key, pki.ca))
    with pytest.raises((ssl.SSLError, OSError)):  # TLS 1.3: the alert comes after the handshake
        round_trip(client, listener.port)
    handshake = listener.next_handshake()
    assert not handshake.ok
    assert "certificate" in (handshake.error or "").lower()


def test_server_without_ca_asks_for_no_client_certificate(pki: Pki, listeners: list) -> None:
    listener = TlsListener(_server(pki, mutual=False))
    listeners.append(listener)
    assert round_trip(_client(pki, cert=False), listener.port) == b"ping"
    handshake = listener.next_handshake()
    assert handshake.ok
    assert handshake.subject is None


def test_client_verifies_the_server_certificate(pki: Pki, listeners: list) -> None:
    listener = TlsListener(_server(pki, mutual=False))
    listeners.append(listener)
    rogue_trust = client_context(TlsSettings(ca_file=pki.rogue_ca))
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_connect(rogue_trust, listener.port)


def test_client_checks_the_host_name_unless_told_not_to(pki: Pki, listeners: list) -> None:
    unnamed = server_context(TlsSettings(pki.unnamed_server.cert, pki.unnamed_server.key))
    listener = TlsListener(unnamed)
    listeners.append(listener)
    with pytest.raises(ssl.SSLCertVerificationError, match=r"match|mismatch"):
        tls_connect(client_context(TlsSettings(ca_file=pki.ca)), listener.port, "127.0.0.1")
    lenient = client_context(TlsSettings(ca_file=pki.ca), check_hostname=False)
    assert round_trip(lenient, listener.port, "127.0.0.1") == b"ping"


def test_server_certificate_names_the_loopback_address(pki: Pki, listeners: list) -> None:
    listener = TlsListener(_server(pki, mutual=False))
    listeners.append(listener)
    client = client_context(TlsSettings(ca_file=pki.ca))
    assert round_trip(client, listener.port, "127.0.0.1") == b"ping"


def test_weak_keys_are_refused_when_loading(pki: Pki) -> None:
    with pytest.raises(ConfigError, match="2048"):
        server_context(TlsSettings(pki.weak_server.cert, pki.weak_server.key))


def test_missing_files_are_configuration_errors(pki: Pki, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="not found"):
        server_context(TlsSettings(tmp_path / "none.pem", tmp_path / "none.key"))
    with pytest.raises(ConfigError, match="CA file"):
        server_context(TlsSettings(pki.server.cert, pki.server.key, tmp_path / "none.pem"))
    with pytest.raises(ConfigError, match="certificate"):
        server_context(TlsSettings())


def test_rfc4514_subjects() -> None:
    subject = (
        (("countryName", "DE"),),
        (("organizationName", "Klinik, Nord"),),
        (("commonName", "node 1"), ("userId", "42")),
    )
    assert rfc4514(subject) == "CN=node 1+UID=42,O=Klinik\\, Nord,C=DE"
    assert rfc4514(((("commonName", " #lead"),),)) == "CN=\\ #lead"
