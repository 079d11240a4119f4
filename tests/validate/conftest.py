"""Fixtures for the validator tests: the server's own answers, through the real query service.

``answer()`` asks a :class:`QueryService` (SQLite or PostgreSQL behind it) like an SCU would,
then encodes the Pending identifier to bytes and decodes it again, so the validator sees what
a peer receives. ``live_server`` is an in-process :class:`RpiServer` on 127.0.0.1 port 0 (as in
``tests/net/conftest.py``), over an SQLite database holding the demo patients.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom.dataset import Dataset

from rpiq.config import ImportSettings, ServerSettings
from rpiq.domain import PatientIdentifier
from rpiq.encode.dataset import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    decode_identifier,
    encode_identifier,
    identifier_dataset,
)
from rpiq.ingest.demo import DEMO_PATIENTS, load_demo
from rpiq.ingest.fhir_bundle import parse_bundle
from rpiq.net.client import build_request
from rpiq.net.contexts import SOP_BY_NAME, SopName
from rpiq.net.server import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository, open_repository

# (SOP class, root template) for every pair PS3.4 Table Q.4-3 allows
QUERIES: list[tuple[SopName, str]] = [
    *(("general", tid) for tid in sorted(SOP_BY_NAME["general"].allowed_roots)),
    ("breast", "9000"),
    ("cardiac", "3802"),
]


def demo_patient(index: int) -> tuple[str, object, PatientIdentifier]:
    """The demo bundle ``index`` as (location, document, its Patient ID and issuer)."""
    bundle = DEMO_PATIENTS[index]()
    document = bundle.document()
    location = f"demo:{bundle.key}"
    (patient,) = parse_bundle(document, location, ImportSettings())
    return location, document, patient.identifiers[0]


def answer(service: QueryService, sop: SopName, template: str, key: PatientIdentifier) -> Dataset:
    """The Pending identifier the service gives for ``key``, as a peer decodes it."""
    request = build_request(key.PatientID, key.IssuerOfPatientID or None, sop, template)
    responses = list(service.find(SOP_BY_NAME[sop].uid, request, lambda: False))
    pending = [response for response in responses if response.identifier is not None]
    statuses = [hex(response.status) for response in responses]
    assert len(pending) == 1, f"{key} {sop} {template}: statuses {statuses}"
    identifier = pending[0].identifier
    assert identifier is not None
    data = encode_identifier(identifier_dataset(identifier), EXPLICIT_VR_LITTLE_ENDIAN)
    return decode_identifier(data, EXPLICIT_VR_LITTLE_ENDIAN)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlPatientRepository]:
    """An SQLite database with the demo loaded, shared by a test module."""
    path: Path = tmp_path_factory.mktemp("validate") / "demo.db"
    repository = open_repository(f"sqlite:///{path}")
    report = load_demo(repository)
    assert report.ok, report.refused
    try:
        yield repository
    finally:
        repository.close()


@pytest.fixture(scope="module")
def live_server(demo_database: SqlPatientRepository) -> Iterator[RpiServer]:
    """A running RPI SCP over the demo database (stopped after the module)."""
    server = RpiServer(ServerSettings(host="127.0.0.1", port=0), QueryService(demo_database, 4))
    server.start()
    try:
        yield server
    finally:
        server.stop(grace=2.0)
