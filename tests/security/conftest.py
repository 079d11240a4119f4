"""Fixtures for the security suite: a PKI made with ``openssl`` and a TLS peer thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from security.pki import Pki, make_pki
from security.support import TlsListener


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """CA, server, clients, a rogue CA and a weak certificate (made once per session)."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def listeners() -> Iterator[list[TlsListener]]:
    """Listeners a test starts are stopped after it."""
    started: list[TlsListener] = []
    yield started
    for listener in started:
        listener.stop()
