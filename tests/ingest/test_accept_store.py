"""C-STORE into a real server, end to end: DCMTK ``storescu`` sends pydicom's test files and
an RPI SR document to an :class:`~rpiq.net.engine.RpiServer` whose ``store=`` is a
:class:`DicomStoreIndexer`; an RPI query for the patient then answers with the indexed facts."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_charset_files, get_testdata_file
from pydicom.uid import generate_uid

from ingest.conftest import MoreRepositories
from ingest.dicom_documents import save, sr_document
from interop.peers import PEER_TIMEOUT_S, dcmtk_tool, peer_env
from rpiq.config import ServerSettings
from rpiq.domain import Code, FactKind, PersonName
from rpiq.encode.content_tree import decode_tree
from rpiq.ingest.demo import load_demo
from rpiq.ingest.dicom_store import DicomStoreIndexer
from rpiq.net.client import RpiClient
from rpiq.net.engine import RpiServer
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository
from rpiq.templates import _codes as dcm
from rpiq.templates.content import ContentItem


@pytest.fixture
def target(more_repositories: MoreRepositories) -> SqlPatientRepository:
    """An empty database, on the suite's backend, for the storing server."""
    return more_repositories()


@pytest.fixture
def store_server(target: SqlPatientRepository) -> Iterator[tuple[str, int]]:
    server = RpiServer(
        ServerSettings(host="127.0.0.1", port=0, accept_store=True),
        QueryService(target, 8),
        store=DicomStoreIndexer(target),
    )
    server.start()
    try:
        yield server.address
    finally:
        server.stop(grace=2.0)


def storescu(address: tuple[str, int], *files: Path) -> subprocess.CompletedProcess[str]:
    host, port = address
    return subprocess.run(
        [str(dcmtk_tool("storescu")), "-v", "--no-halt", "-aec", "RPIQ", "-aet", "MODALITY",
         host, str(port),
         *map(str, files)],
        capture_output=True, text=True, env=peer_env(), timeout=PEER_TIMEOUT_S, check=False,
    )  # fmt: skip


def pydicom_file(name: str) -> Path:
    found = get_testdata_file(name)
    assert found is not None
    return Path(str(found))


def test_storescu_images_and_an_sr_document_then_a_query_returns_the_facts(
    store_server: tuple[str, int],
    target: SqlPatientRepository,
    repository: SqlPatientRepository,
    tmp_path: Path,
) -> None:
    assert load_demo(repository).ok
    (breast,) = repository.find_patients("RPI-BREAST-001", None)
    document = save(sr_document(breast, "9007", generate_uid()), tmp_path / "breast-sr.dcm")
    (japanese,) = get_charset_files("chrH31.dcm")
    sent = storescu(store_server, pydicom_file("CT_small.dcm"), Path(japanese), document)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    (ct,) = target.find_patients("1CT1", "")
    assert ct.name == PersonName("CompressedSamples^CT1")
    (h31,) = target.find_patients("H31EXAMPLE", "")
    assert h31.name == PersonName("Yamada^Tarou", "山田^太郎", "やまだ^たろう")
    (stored,) = target.find_patients("RPI-BREAST-001", "RPIQ-DEMO")
    assert stored.facts_of(FactKind.PROBLEM)
    host, port = store_server
    result = RpiClient(timeout=10.0).query(
        host, port, "RPI-BREAST-001", IssuerOfPatientID="RPIQ-DEMO"
    )
    assert result.matched, result
    assert result.identifier is not None
    answered = decode_tree(result.identifier).root
    problems = _problem_codes(answered)
    assert problems == {fact.code for fact in breast.facts_of(FactKind.PROBLEM)}
    assert problems == {fact.code for fact in stored.facts_of(FactKind.PROBLEM)}


def _problem_codes(root: ContentItem) -> set[Code | None]:
    return {
        item.code_value
        for _, item in root.walk()
        if item.concept_name == dcm.INDICATED_PROBLEM and item.code_value is not None
    }


def test_storescu_of_an_instance_without_patient_id_is_refused_and_the_rest_stored(
    store_server: tuple[str, int], target: SqlPatientRepository, tmp_path: Path
) -> None:
    no_id = pydicom.dcmread(pydicom_file("MR_small.dcm"))
    del no_id.PatientID
    path = tmp_path / "no-id.dcm"
    no_id.save_as(path)
    sent = storescu(store_server, path, pydicom_file("CT_small.dcm"))
    output = sent.stdout + sent.stderr
    assert sent.returncode == 0, output  # --no-halt: storescu goes on and exits 0
    assert output.count("Received Store Response") == 2, output
    assert "Received Store Response (Error: CannotUnderstand)" in output
    assert "Received Store Response (Success)" in output
    (ct,) = target.find_patients("1CT1", "")
    assert ct.source == "dicom:/1CT1"
    assert target.count_patients() == 1
