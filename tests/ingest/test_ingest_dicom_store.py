"""``DicomStoreIndexer``: the C-STORE side of the DICOM import, called directly (the
end-to-end path through a server and DCMTK ``storescu`` is ``test_accept_store.py``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pydicom
from pydicom.data import get_charset_files, get_testdata_file
from pydicom.uid import generate_uid

from ingest.dicom_documents import sr_document
from rpiq.domain import FactKind, PersonName
from rpiq.ingest.demo import load_demo
from rpiq.ingest.dicom_store import DicomStoreIndexer
from rpiq.net.hooks import PeerInfo
from rpiq.store import SqlPatientRepository, open_repository

PEER = PeerInfo("assoc-1", "127.0.0.1", 50000, "MODALITY", "RPIQ")


def instance(name: str) -> pydicom.Dataset:
    found = get_testdata_file(name)
    assert found is not None
    return pydicom.dcmread(str(found))


def test_an_image_is_indexed_and_again_changes_nothing(repository: SqlPatientRepository) -> None:
    indexer = DicomStoreIndexer(repository)
    outcome = indexer.store(PEER, instance("CT_small.dcm"))
    assert (outcome.status, outcome.error_comment) == (0x0000, None)
    (patient,) = repository.find_patients("1CT1", "")
    assert patient.name == PersonName("CompressedSamples^CT1")
    assert indexer.store(PEER, instance("CT_small.dcm")).status == 0x0000
    assert repository.count_patients() == 1


def test_an_instance_without_patient_id_cannot_be_understood(
    repository: SqlPatientRepository,
) -> None:
    (path,) = get_charset_files("chrSQEncoding.dcm")
    outcome = DicomStoreIndexer(repository).store(PEER, pydicom.dcmread(path))
    assert (outcome.status, outcome.error_comment) == (0xC000, "no Patient ID (0010,0020)")
    assert repository.count_patients() == 0


def test_a_later_instance_updates_the_demographics_it_gives(
    repository: SqlPatientRepository,
) -> None:
    indexer = DicomStoreIndexer(repository)
    assert indexer.store(PEER, instance("CT_small.dcm")).status == 0x0000
    other = instance("CT_small.dcm")
    other.PatientSex = "F"  # each C-STORE is a run of its own: the newer value wins
    assert indexer.store(PEER, other).status == 0x0000
    (patient,) = repository.find_patients("1CT1", "")
    assert patient.sex == "F"


def test_an_sr_document_gives_facts_and_a_closed_database_is_out_of_resources(
    repository: SqlPatientRepository, tmp_path: Path
) -> None:
    assert load_demo(repository).ok
    (cardiac,) = repository.find_patients("RPI-CARDIAC-001", None)
    target = open_repository(f"sqlite:///{tmp_path / 'store.db'}")
    indexer = DicomStoreIndexer(target)
    document = sr_document(cardiac, "3802", generate_uid())
    assert indexer.store(PEER, document).status == 0x0000
    (stored,) = target.find_patients("RPI-CARDIAC-001", "RPIQ-DEMO")
    assert stored.facts_of(FactKind.PROBLEM)
    target.close()
    (tmp_path / "store.db").unlink()
    (tmp_path / "store.db").mkdir()  # the file is gone and cannot come back
    outcome = indexer.store(PEER, document)
    assert outcome.status == 0xA700
    assert outcome.error_comment == "database unavailable"


def test_concurrent_stores_of_one_new_patient_make_one_record(
    repository: SqlPatientRepository,
) -> None:
    indexer = DicomStoreIndexer(repository)
    images = [instance("MR_small.dcm") for _ in range(8)]
    for image in images:
        image.SOPInstanceUID = generate_uid()
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda image: indexer.store(PEER, image), images))
    assert {outcome.status for outcome in outcomes} == {0x0000}
    PatientID = str(images[0].PatientID)
    assert len(repository.find_patients(PatientID, None)) == 1
