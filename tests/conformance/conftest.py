"""Fixtures for the conformance tester: our own server over the demo patients, and a broken
SCP built on pynetdicom's stock RPI service class. Both are real servers on 127.0.0.1 port 0.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.broken_scp import BrokenScp
from rpiq.cli import conformance as conformance_cli
from rpiq.config import ServerSettings
from rpiq.ingest.demo import load_demo
from rpiq.net.server import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository, open_repository


@pytest.fixture(scope="module")
def demo_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlPatientRepository]:
    """A real SQLite database holding the demo patients."""
    path: Path = tmp_path_factory.mktemp("conformance") / "demo.db"
    repository = open_repository(f"sqlite:///{path}")
    load_demo(repository)
    try:
        yield repository
    finally:
        repository.close()


@pytest.fixture(scope="module")
def rpiq_server(demo_repository: SqlPatientRepository) -> Iterator[tuple[str, int]]:
    """Our own SCP over the demo patients."""
    server = RpiServer(ServerSettings(host="127.0.0.1", port=0), QueryService(demo_repository, 8))
    server.start()
    try:
        yield server.address
    finally:
        server.stop(grace=2.0)


@pytest.fixture(scope="module")
def broken_scp() -> Iterator[tuple[str, int]]:
    """pynetdicom's stock RPI SCP with a handler that always yields one identifier."""
    with BrokenScp() as scp:
        yield scp.address


def parse(*argv: str) -> argparse.Namespace:
    """``rpiq conformance ARGV`` parsed by the command's own ``register()``."""
    parser = argparse.ArgumentParser(prog="rpiq")
    conformance_cli.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["conformance", *argv])
