"""The lean per-query path: content trees kept by the query service (``RootCache``) and their
encodings reused by the direct encoder, without ever answering from a stale tree."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydicom.dataset import Dataset

from rpiq.domain import ClinicalFact, Code, FactKind, FactStatus, Patient, PatientIdentifier
from rpiq.encode import direct
from rpiq.encode.dataset import EXPLICIT_VR_LITTLE_ENDIAN, encode_identifier, identifier_dataset
from rpiq.encode.direct import encode_direct, encode_response
from rpiq.service.query import QueryService
from rpiq.service.responses import ResponseIdentifier
from rpiq.service.status import GENERAL
from rpiq.store import SqlPatientRepository, open_repository
from rpiq.templates.roots import RootCache, build_root, patient_digest

CLOCK = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
ASTHMA = Code("195967001", "SCT", "Asthma")


def patient(meaning: str = "Asthma", PatientID: str = "P-CACHE-1") -> Patient:
    return Patient(
        identifiers=(PatientIdentifier(PatientID, "ISSUER"),),
        birth_date="19700101",
        sex="F",
        facts=(
            ClinicalFact(FactKind.PROBLEM, Code("195967001", "SCT", meaning), FactStatus.ACTIVE),
        ),
        source=f"test:{PatientID}",
    )


def request(PatientID: str = "P-CACHE-1") -> Dataset:
    ds = Dataset()
    ds.PatientID = PatientID
    ds.IssuerOfPatientID = "ISSUER"
    ds.PatientName = ""
    ds.ValueType = ""
    ds.ConceptNameCodeSequence = []
    ds.ContentSequence = []
    return ds


def answer(service: QueryService, PatientID: str = "P-CACHE-1") -> ResponseIdentifier:
    responses = list(service.find(GENERAL.uid, request(PatientID), lambda: False))
    assert [r.status for r in responses] == [0xFF00, 0x0000]
    identifier = responses[0].identifier
    assert identifier is not None
    return identifier


@pytest.fixture
def one_patient(tmp_path: Path) -> Iterator[SqlPatientRepository]:
    """A real SQLite repository holding :func:`patient` (storage is not the subject here)."""
    opened = open_repository(f"sqlite:///{tmp_path / 'cache.db'}")
    opened.save_patients([patient()])
    try:
        yield opened
    finally:
        opened.close()


def test_a_repeated_query_reuses_the_tree_and_its_encoding(
    one_patient: SqlPatientRepository,
) -> None:
    service = QueryService(one_patient, 1, clock=lambda: CLOCK)
    first, second = answer(service), answer(service)
    assert first.root is second.root
    assert first.keys is not second.keys  # return keys are made per query
    for identifier in (first, second):
        reference = encode_identifier(identifier_dataset(identifier), EXPLICIT_VR_LITTLE_ENDIAN)
        assert encode_response(identifier, EXPLICIT_VR_LITTLE_ENDIAN) == reference
        assert encode_direct(identifier, EXPLICIT_VR_LITTLE_ENDIAN, reuse=False) == reference


def test_a_changed_patient_is_answered_from_a_new_tree(one_patient: SqlPatientRepository) -> None:
    service = QueryService(one_patient, 1, clock=lambda: CLOCK)
    before = answer(service)
    encode_response(before, EXPLICIT_VR_LITTLE_ENDIAN)
    # Only the Code Meaning changes: equal under Code equality, a different answer all the same.
    one_patient.save_patients([patient("Asthma (disorder)")])
    after = answer(service)
    assert after.root is not before.root
    data = encode_response(after, EXPLICIT_VR_LITTLE_ENDIAN)
    assert b"Asthma (disorder)" in data
    assert data == encode_identifier(identifier_dataset(after), EXPLICIT_VR_LITTLE_ENDIAN)


def test_root_cache_size_zero_builds_every_time(one_patient: SqlPatientRepository) -> None:
    service = QueryService(one_patient, 1, clock=lambda: CLOCK, root_cache_size=0)
    first, second = answer(service), answer(service)
    assert first.root is not second.root
    assert first.root == second.root


def test_root_cache_keeps_the_most_recent_trees_only() -> None:
    cache = RootCache(2)
    one, two, three = (patient(PatientID=f"P-{n}") for n in (1, 2, 3))
    tree_one = cache.build("9007", one)
    cache.build("9007", two)
    assert cache.build("9007", one) is tree_one  # a hit makes "one" the most recent
    cache.build("9007", three)  # evicts "two"
    assert len(cache) == 2
    assert cache.build("9007", one) is tree_one
    assert cache.build("9004", one) is not tree_one
    assert cache.build("9004", one) == build_root("9004", one)
    with pytest.raises(KeyError):
        cache.build("1234", one)
    with pytest.raises(ValueError, match="negative"):
        RootCache(-1)


def test_patient_digest_sees_every_field() -> None:
    base = patient()
    assert patient_digest(base) == patient_digest(patient())
    renamed = patient("Asthma (disorder)")
    assert renamed == base  # Code equality ignores the meaning ...
    assert patient_digest(renamed) != patient_digest(base)  # ... the digest does not
    assert patient_digest(replace(base, sex="M")) != patient_digest(base)


def test_encoded_trees_are_forgotten_with_their_trees() -> None:
    memo = direct._TREES  # the module's memo of encoded trees
    gc.collect()
    before = len(memo)
    root = build_root("9007", patient(PatientID="P-GONE"))
    identifier = ResponseIdentifier(Dataset(), root)
    encode_response(identifier, EXPLICIT_VR_LITTLE_ENDIAN)
    assert len(memo) == before + 1
    del identifier, root
    gc.collect()
    assert len(memo) == before
