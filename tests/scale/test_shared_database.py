"""Several rpiq servers on one PostgreSQL database (scale-out to more machines).

Two servers, each with its own repository (own connection pool, as on two machines), on two
ports, over one database of the suite's PostgreSQL cluster. A patient imported through either
repository is answered by both servers, and neither answers it before the import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

from rpiq.config import ServerSettings
from rpiq.ingest.demo import DEMO_ISSUER, demo_bundles
from rpiq.ingest.importer import import_documents
from rpiq.net.client import RpiClient
from rpiq.net.engine import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository, open_repository

if TYPE_CHECKING:
    from conftest import PostgresServer

pytestmark = pytest.mark.postgres

LOOKUPS = 4
BREAST, CARDIAC = "RPI-BREAST-001", "RPI-CARDIAC-001"
BUNDLES = {BREAST: "demo:rpiq-demo-breast-001", CARDIAC: "demo:rpiq-demo-cardiac-001"}
SUCCESS = 0x0000


@pytest.fixture
def shared_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def two_servers(shared_url: str) -> Iterator[list[tuple[SqlPatientRepository, int]]]:
    """Two (repository, port) pairs: two servers on one database."""
    with ExitStack() as stack:
        pairs = []
        for _ in range(2):
            repository = open_repository(shared_url, pool_size=LOOKUPS)
            stack.callback(repository.close)
            server = RpiServer(
                ServerSettings(host="127.0.0.1", port=0, db_url=shared_url),
                QueryService(repository, LOOKUPS),
            )
            server.start()
            stack.callback(server.stop, 2.0)
            pairs.append((repository, server.address[1]))
        yield pairs


def _import(repository: SqlPatientRepository, PatientID: str) -> None:
    bundles = [pair for pair in demo_bundles() if pair[0] == BUNDLES[PatientID]]
    assert len(bundles) == 1
    assert import_documents(bundles, repository).ok


def _answered(port: int, PatientID: str) -> bool:
    result = RpiClient(timeout=20.0).query(
        "127.0.0.1", port, PatientID, IssuerOfPatientID=DEMO_ISSUER, sop="general", template="9007"
    )
    assert result.status == SUCCESS, result.description
    if result.identifier is None:
        return False
    assert result.identifier.PatientID == PatientID
    return True


def test_a_patient_imported_through_either_server_is_answered_by_both(
    two_servers: list[tuple[SqlPatientRepository, int]],
) -> None:
    (first_repository, first_port), (second_repository, second_port) = two_servers
    assert first_port != second_port
    for PatientID in (BREAST, CARDIAC):
        assert not _answered(first_port, PatientID)
        assert not _answered(second_port, PatientID)
    _import(first_repository, BREAST)
    _import(second_repository, CARDIAC)
    for PatientID in (BREAST, CARDIAC):
        assert _answered(first_port, PatientID)
        assert _answered(second_port, PatientID)
