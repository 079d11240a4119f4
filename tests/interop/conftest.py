"""Fixtures for the interop tests: one ``rpiq serve`` per session, and the peers it talks to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from interop.peers import Endpoint, require_dcmjs_dimse, require_odil
from interop.server import demo_server


@pytest.fixture(scope="session")
def rpiq_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """``rpiq serve`` over the demo patients on a free loopback port, stopped with SIGTERM."""
    with demo_server(tmp_path_factory.mktemp("rpiq-serve")) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def odil_available() -> None:
    require_odil()


@pytest.fixture(scope="session")
def dcmjs_dimse_available() -> None:
    require_dcmjs_dimse()
