"""The query service's revision cache on SQLite and PostgreSQL: after a write through any path
(FHIR import with updates, deletes and merges, DICOM import, C-STORE indexing, ``rpiq synth``,
saves, units of work, batches) the next query answers the new content, byte for byte what a
service without any cache answers; and two services on their own engines sharing one database
never answer a record the other changed from a stale tree."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pydicom
import pytest
from pydicom.data import get_testdata_file

from ingest.fhir_json import SNOMED, concept, patient_resource
from rpiq.domain import Patient
from rpiq.encode.dataset import EXPLICIT_VR_LITTLE_ENDIAN
from rpiq.encode.direct import encode_response
from rpiq.ingest.dicom_files import import_dicom
from rpiq.ingest.dicom_store import DicomStoreIndexer
from rpiq.ingest.importer import import_documents
from rpiq.ingest.synth_output import synth_chunk, write_database
from rpiq.net.hooks import PeerInfo
from rpiq.service.query import QueryService
from rpiq.service.status import GENERAL
from rpiq.store import SqlPatientRepository, open_repository
from rpiq.store.repository import PatientWrites

from .conftest import HYPERTENSION, MIGRAINE, make_patient, make_request, never, problem

JSON = dict[str, Any]
QUERY_TIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
PEER = PeerInfo("assoc-1", "127.0.0.1", 50000, "MODALITY", "RPIQ")


def fixed_clock() -> datetime:
    return QUERY_TIME


def cached(repository: SqlPatientRepository) -> QueryService:
    return QueryService(repository, 4, clock=fixed_clock)


def answer(service: QueryService, PatientID: str, IssuerOfPatientID: str | None) -> bytes | None:
    """The Pending identifier's bytes (Explicit VR LE), ``None`` for no match."""
    request = make_request(PatientID)
    if IssuerOfPatientID is not None:
        request.IssuerOfPatientID = IssuerOfPatientID
    responses = list(service.find(GENERAL.uid, request, never))
    if [one.status for one in responses] == [0x0000]:
        return None
    assert [one.status for one in responses] == [0xFF00, 0x0000]
    identifier = responses[0].identifier
    assert identifier is not None
    return encode_response(identifier, EXPLICIT_VR_LITTLE_ENDIAN)


class Watched:
    """A caching service and, for each check, a service without any cache on the same
    repository: the cached answer must be the uncached one, byte for byte."""

    def __init__(self, repository: SqlPatientRepository, PatientID: str, issuer: str | None):
        self.repository = repository
        self.service = cached(repository)
        self.key = (PatientID, issuer)

    def check(self) -> bytes | None:
        fresh = QueryService(self.repository, 4, clock=fixed_clock, root_cache_size=0)
        expected = answer(fresh, *self.key)
        assert answer(self.service, *self.key) == expected
        assert answer(self.service, *self.key) == expected  # and again, from the cache
        return expected


# -- FHIR import ---------------------------------------------------------------------------


def condition(condition_id: str, code: str, patient: str = "Patient/p1") -> JSON:
    return {
        "resourceType": "Condition",
        "id": condition_id,
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "code": concept(SNOMED, code, f"condition {code}"),
        "subject": {"reference": patient},
        "onsetDateTime": "2020-01-02",
    }


def person(patient_id: str, mrn: str, **fields: Any) -> JSON:
    identifier = [{"system": "urn:mrn", "value": mrn}]
    return patient_resource(id=patient_id, identifier=identifier, **fields)


def transaction(*resources: JSON, deletes: tuple[str, ...] = ()) -> JSON:
    entries: list[JSON] = [
        {
            "fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for r in resources
    ]
    entries += [{"request": {"method": "DELETE", "url": url}} for url in deletes]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def load(repository: SqlPatientRepository, *documents: JSON) -> None:
    named = [(f"doc-{n}.json", document) for n, document in enumerate(documents, start=1)]
    assert import_documents(named, repository).refused == ()


def test_fhir_updates_deletes_and_merges_are_answered_at_once(
    repository: SqlPatientRepository,
) -> None:
    load(repository, transaction(person("p1", "MRN-1"), condition("c1", "111111")))
    watched = Watched(repository, "MRN-1", None)
    first = watched.check()
    assert first is not None
    assert b"111111" in first
    load(repository, transaction(condition("c2", "222222")))  # one more Condition
    second = watched.check()
    assert second is not None
    assert b"222222" in second
    assert b"111111" in second
    load(repository, transaction(deletes=("Condition/c1",)))
    third = watched.check()
    assert third is not None
    assert b"111111" not in third
    load(repository, transaction(person("p2", "MRN-2"), condition("c3", "333333", "Patient/p2")))
    survivor = Watched(repository, "MRN-2", None)
    assert survivor.check() is not None
    merged = {**person("p1", "MRN-1"), "link": [{"other": {"reference": "Patient/p2"}}]}
    merged["link"][0]["type"] = "replaced-by"
    load(repository, transaction(merged))
    after_merge = survivor.check()
    assert after_merge is not None
    assert b"222222" in after_merge
    assert b"333333" in after_merge
    merged_by_old_id = watched.check()  # MRN-1 now names the survivor
    assert merged_by_old_id is not None
    assert b"333333" in merged_by_old_id
    load(repository, transaction(deletes=("Patient/p2",)))
    assert watched.check() is None
    assert survivor.check() is None


# -- DICOM import and C-STORE ----------------------------------------------------------------


def ct_small(**attributes: str) -> pydicom.Dataset:
    found = get_testdata_file("CT_small.dcm")
    assert found is not None
    dataset = pydicom.dcmread(str(found))
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    return dataset


def test_dicom_file_imports_are_answered_at_once(
    repository: SqlPatientRepository, tmp_path: Any
) -> None:
    path = tmp_path / "ct.dcm"
    ct_small().save_as(path)
    assert import_dicom([path], repository).added == 1
    watched = Watched(repository, "1CT1", "")
    before = watched.check()
    ct_small(PatientSex="F", PatientBirthDate="19700101").save_as(path)
    assert import_dicom([path], repository).updated == 1
    after = watched.check()
    assert after is not None
    assert after != before
    assert b"19700101" in after


def test_c_store_indexing_is_answered_at_once(repository: SqlPatientRepository) -> None:
    indexer = DicomStoreIndexer(repository)
    assert indexer.store(PEER, ct_small()).status == 0x0000
    watched = Watched(repository, "1CT1", "")
    before = watched.check()
    assert indexer.store(PEER, ct_small(PatientBirthDate="19700101")).status == 0x0000
    after = watched.check()
    assert after is not None
    assert after != before
    assert b"19700101" in after


# -- rpiq synth, saves, units of work, batches ------------------------------------------


def test_synth_writes_are_answered_at_once(repository: SqlPatientRepository) -> None:
    records, _ = synth_chunk(7, 0, 3)
    identifier = records[2].identifiers[0]
    watched = Watched(repository, identifier.PatientID, identifier.IssuerOfPatientID)
    assert watched.check() is None  # a miss is never remembered as "no such patient"
    write_database(repository, 7, 3)
    assert watched.check() is not None


def rev(*facts: Any, sex: str = "F") -> Patient:
    return make_patient(("REV-1", "RPIQ-REV"), sex=sex, facts=facts, source="test:rev")


@pytest.mark.parametrize("path", ["save", "update", "batch"])
def test_saves_units_of_work_and_batches_are_answered_at_once(
    repository: SqlPatientRepository, path: str
) -> None:
    repository.save_patients([rev(problem(HYPERTENSION))])
    watched = Watched(repository, "REV-1", "RPIQ-REV")
    before = watched.check()
    changed = rev(problem(HYPERTENSION), problem(MIGRAINE))
    if path == "save":
        repository.save_patients([changed])
    elif path == "update":
        repository.update_patients(["test:rev"], lambda stored: PatientWrites((changed,)))
    else:
        with repository.batch() as batch:
            batch.prefetch(changed.identifiers, ["test:rev"])
            batch.update_patients(["test:rev"], lambda stored: PatientWrites((changed,)))
    after = watched.check()
    assert after is not None
    assert after != before
    assert MIGRAINE.value.encode() in after


# -- two servers, one database ----------------------------------------------------------------


@pytest.fixture
def second(database_url: str, repository: SqlPatientRepository) -> Iterator[SqlPatientRepository]:
    """A second repository with its own engine and pool on the same database."""
    other = open_repository(database_url)
    try:
        yield other
    finally:
        other.close()


def test_two_servers_never_answer_what_the_other_changed_from_a_stale_tree(
    repository: SqlPatientRepository, second: SqlPatientRepository
) -> None:
    repository.save_patients([rev(problem(HYPERTENSION))])
    one, two = Watched(repository, "REV-1", "RPIQ-REV"), Watched(second, "REV-1", "RPIQ-REV")
    assert one.check() == two.check() is not None
    second.save_patients([rev(problem(HYPERTENSION), problem(MIGRAINE))])
    changed = two.check()
    assert changed is not None
    assert MIGRAINE.value.encode() in changed
    assert one.check() == changed
    repository.save_patients([rev(problem(HYPERTENSION), problem(MIGRAINE), sex="M")])
    again = one.check()
    assert again != changed
    assert two.check() == again
    # back to content an earlier revision had: a new record, answered as such by both
    second.save_patients([rev(problem(HYPERTENSION))])
    assert one.check() == two.check() != again
