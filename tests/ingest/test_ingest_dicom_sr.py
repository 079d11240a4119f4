"""SR documents whose content follows TID 9007, 9000 or 3802 -> facts (``rpiq import dicom``).

The round trip: demo patient (loaded through the FHIR importer) -> root template -> encoded
data set -> Comprehensive SR file -> ``import_dicom`` into another database -> the imported
patient builds the same content tree (free text, which gives no fact, aside; it is counted)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydicom.uid import generate_uid

from ingest.conftest import MoreRepositories
from ingest.dicom_documents import (
    ROOTS,
    free_text_items,
    response_identifier,
    save,
    sr_document,
    without_free_text,
)
from rpiq.domain import ClinicalFact, FactKind, Patient
from rpiq.ingest.demo import load_demo
from rpiq.ingest.dicom_files import import_dicom
from rpiq.store import SqlPatientRepository
from rpiq.templates import _codes as dcm
from rpiq.templates.content import ContentItem
from rpiq.templates.roots import build_root

DEMO_IDS = (
    "RPI-BREAST-001",
    "RPI-CARDIAC-001",
    "RPI-ALLERGY-001",
    "RPI-OB-001",
    "RPI-EMPTY-001",
    "RPI-INTL-001",
    "RPI-DUP-001",
)
TEXT_SKIP = "SR item (TEXT item not mapped)"


def demo_patients(repository: SqlPatientRepository) -> list[Patient]:
    assert load_demo(repository).ok
    found = [
        patient for PatientID in DEMO_IDS for patient in repository.find_patients(PatientID, None)
    ]
    assert len(found) == len(DEMO_IDS) + 1  # RPI-DUP-001 at two hospitals
    return found


def without_concern_noted(item: ContentItem) -> ContentItem:
    """TID 3829 row 2 (DateTime Concern Noted) is only in TID 3802's Problem List, which inside
    TID 9007 repeats row 8 and is not read (docs/dicom-mapping.md, "Losses")."""
    children = tuple(
        without_concern_noted(child)
        for child in item.children
        if child.concept_name != dcm.DATETIME_CONCERN_NOTED
    )
    return dataclasses.replace(item, children=children)


def the_one(repository: SqlPatientRepository, patient: Patient) -> Patient:
    identifier = patient.identifiers[0]
    (found,) = repository.find_patients(identifier.PatientID, identifier.IssuerOfPatientID)
    return found


@pytest.mark.parametrize("template_id", ROOTS)
def test_every_demo_patient_round_trips_through_an_sr_document(
    template_id: str,
    repository: SqlPatientRepository,
    more_repositories: MoreRepositories,
    tmp_path: Path,
) -> None:
    patients = demo_patients(repository)
    files = [
        save(sr_document(patient, template_id), tmp_path / f"{index}.dcm")
        for index, patient in enumerate(patients)
    ]
    target = more_repositories()
    report = import_dicom(files, target)
    assert report.ok, report.lines()
    assert report.added == len(patients)
    for patient, source in zip(patients, report.sources, strict=True):
        imported = the_one(target, patient)
        assert (imported.name, imported.birth_date, imported.sex) == (
            patient.name,
            patient.birth_date,
            patient.sex,
        )
        original, again = build_root(template_id, patient), build_root(template_id, imported)
        if template_id == "9007":
            original, again = without_concern_noted(original), without_concern_noted(again)
        assert without_free_text(again) == without_free_text(original), patient.identifiers
        if template_id != "9007":  # inside TID 9007, repeated sections are counted apart
            assert dict(source.skipped).get(TEXT_SKIP, 0) == free_text_items(original)
    assert import_dicom(files, target).unchanged == len(patients)


def _core(fact: ClinicalFact) -> tuple[object, ...]:
    return (fact.kind, fact.code, fact.status, fact.started, fact.ended)


def test_tid_9007_gives_back_the_problems_medications_and_procedures(
    repository: SqlPatientRepository, more_repositories: MoreRepositories, tmp_path: Path
) -> None:
    """The facts themselves, not only the tree: kind, code, status and dates as the FHIR
    import stored them (a problem's onset: its start, else when it was recorded)."""
    target = more_repositories()
    for index, patient in enumerate(demo_patients(repository)):
        path = save(sr_document(patient, "9007"), tmp_path / f"{index}.dcm")
        assert import_dicom([path], target).ok
        imported = the_one(target, patient)
        for kind in (FactKind.PROBLEM, FactKind.MEDICATION):
            expected = [
                _core(dataclasses.replace(fact, started=fact.started or fact.recorded))
                for fact in patient.facts_of(kind)
            ]
            assert [_core(fact) for fact in imported.facts_of(kind)] == expected
        procedures = {(f.code, f.laterality) for f in patient.facts_of(FactKind.PROCEDURE)}
        assert {(f.code, f.laterality) for f in imported.facts_of(FactKind.PROCEDURE)} == (
            procedures
        )
        assert all((fact.source or "").startswith("sr:") for fact in imported.facts), (
            "every fact names its document and item"
        )


def test_a_new_version_of_the_document_replaces_its_facts(
    repository: SqlPatientRepository, more_repositories: MoreRepositories, tmp_path: Path
) -> None:
    breast = next(
        p for p in demo_patients(repository) if p.identifiers[0].PatientID == "RPI-BREAST-001"
    )
    uid = generate_uid()
    target = more_repositories()
    first = save(sr_document(breast, "9007", uid), tmp_path / "v1.dcm")
    assert import_dicom([first], target).added == 1
    count = len(the_one(target, breast).facts)
    fewer = dataclasses.replace(breast, facts=breast.facts_of(FactKind.PROBLEM))
    second = save(sr_document(fewer, "9007", uid), tmp_path / "v2.dcm")
    report = import_dicom([second], target)
    assert (report.updated, report.added) == (1, 0)
    version_2 = the_one(target, breast).facts
    assert len(version_2) < count
    assert {fact.source.split("/")[0] for fact in version_2 if fact.source} == {f"sr:{uid}"}
    other = save(sr_document(fewer, "9007"), tmp_path / "other.dcm")  # another document
    assert import_dicom([other], target).updated == 1
    both = the_one(target, breast).facts
    assert both[: len(version_2)] == version_2
    assert len(both) == 2 * len(version_2)


def test_a_saved_response_identifier_is_read_like_a_document(
    repository: SqlPatientRepository, more_repositories: MoreRepositories, tmp_path: Path
) -> None:
    cardiac = next(
        p for p in demo_patients(repository) if p.identifiers[0].PatientID == "RPI-CARDIAC-001"
    )
    path = save(response_identifier(cardiac, "3802"), tmp_path / "response.dcm")
    target = more_repositories()
    report = import_dicom([path], target)
    assert report.ok, report.lines()
    assert report.added == 1
    imported = the_one(target, cardiac)
    assert imported.facts
    assert all((fact.source or "").startswith("rpi:3802/") for fact in imported.facts)
    assert import_dicom([path], target).unchanged == 1


def test_facts_from_dicom_join_a_record_of_another_source(
    repository: SqlPatientRepository, tmp_path: Path
) -> None:
    """The FHIR record holding the Patient ID gets the document's facts (one patient, one
    record, so a query still finds one match) and keeps its demographics."""
    breast = next(
        p for p in demo_patients(repository) if p.identifiers[0].PatientID == "RPI-BREAST-001"
    )
    renamed = dataclasses.replace(breast, name=None, facts=breast.facts_of(FactKind.PROBLEM))
    path = save(sr_document(renamed, "9007"), tmp_path / "doc.dcm")
    report = import_dicom([path], repository)
    assert report.ok, report.lines()
    assert report.updated == 1
    (source,) = report.sources
    assert source.notes[-1] == f"facts added to {breast.source}; its demographics kept"
    stored = the_one(repository, breast)
    assert stored.source == breast.source
    assert stored.name == breast.name
    assert stored.facts[: len(breast.facts)] == breast.facts
    added = stored.facts[len(breast.facts) :]
    assert {fact.code for fact in added if fact.kind is FactKind.PROBLEM} == {
        fact.code for fact in renamed.facts
    }
    assert all((fact.source or "").startswith("sr:") for fact in added)
    assert import_dicom([path], repository).unchanged == 1
