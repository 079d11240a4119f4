"""Helpers for the query service tests: domain patients (the demo identifiers) and requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom.dataset import Dataset

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
)
from rpiq.service.query import QueryService
from rpiq.store import SqlPatientRepository, open_repository

DEMO_ISSUER = "RPIQ-DEMO"
HYPERTENSION = Code("38341003", "SCT", "Hypertension")
MIGRAINE = Code("37796009", "SCT", "Migraine")


def make_patient(
    *identifiers: tuple[str, str],
    name: PersonName | None = None,
    birth_date: str | None = "19660412",
    sex: str | None = "M",
    other_attributes: tuple[tuple[str, str], ...] = (),
    facts: tuple[ClinicalFact, ...] = (),
    source: str | None = None,
) -> Patient:
    """A patient with ``(PatientID, IssuerOfPatientID)`` identifiers."""
    return Patient(
        identifiers=tuple(PatientIdentifier(pid, issuer) for pid, issuer in identifiers),
        name=name or PersonName("Test^Patient"),
        birth_date=birth_date,
        sex=sex,
        other_attributes=other_attributes,
        facts=facts,
        source=source,
    )


def problem(code: Code) -> ClinicalFact:
    return ClinicalFact(kind=FactKind.PROBLEM, code=code, status=FactStatus.ACTIVE)


def dup_patients() -> list[Patient]:
    """RPI-DUP-001 at HOSPITAL-A (male 1966) and at HOSPITAL-B (female 1979): two people."""
    return [
        make_patient(
            ("RPI-DUP-001", "HOSPITAL-A"),
            name=PersonName("Dup^Adam"),
            birth_date="19660101",
            sex="M",
            facts=(problem(HYPERTENSION),),
            source="test:dup-a",
        ),
        make_patient(
            ("RPI-DUP-001", "HOSPITAL-B"),
            name=PersonName("Dup^Berta"),
            birth_date="19790202",
            sex="F",
            facts=(problem(MIGRAINE),),
            source="test:dup-b",
        ),
    ]


def make_request(PatientID: str | None = "RPI-EMPTY-001", **keys: object) -> Dataset:
    """A request identifier: Patient ID (if given), zero-length return keys, then ``keys``."""
    ds = Dataset()
    ds.PatientName = ""
    if PatientID is not None:
        ds.PatientID = PatientID
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    ds.ObservationDateTime = ""
    ds.ValueType = ""
    ds.ConceptNameCodeSequence = []
    ds.ContentSequence = []
    for keyword, value in keys.items():
        setattr(ds, keyword, value)
    return ds


def template_item(TemplateIdentifier: str, MappingResource: str = "DCMR") -> Dataset:
    item = Dataset()
    item.MappingResource = MappingResource
    item.TemplateIdentifier = TemplateIdentifier
    return item


def never() -> bool:
    return False


@pytest.fixture
def sqlite_repository(tmp_path: Path) -> Iterator[SqlPatientRepository]:
    """A real SQLite repository, for tests whose subject is not storage (e.g. the SOP class
    and template matrix); storage-dependent tests use the two-database ``repository``."""
    opened = open_repository(f"sqlite:///{tmp_path / 'matrix.db'}")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def service(repository: SqlPatientRepository) -> QueryService:
    return QueryService(repository, max_concurrent_lookups=4)
