"""Patient revisions (``find_revisions``, ``find_revisioned_patients``) on SQLite and
PostgreSQL: a revision names exactly what ``find_patients`` loads, and every kind of write
that changes a record changes its revision (identical content keeps it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
    Quantity,
)
from rpiq.errors import StoreError
from rpiq.store import SqlPatientRepository
from rpiq.store.repository import PatientRevision, PatientWrites, RevisionedRepository
from rpiq.store.rows import content_hash

ISSUER = "RPIQ-REV"
HYPERTENSION = Code("38341003", "SCT", "Hypertension")
ASTHMA = Code("195967001", "SCT", "Asthma")


def fact(code: Code, **fields: object) -> ClinicalFact:
    return ClinicalFact(kind=FactKind.PROBLEM, code=code, status=FactStatus.ACTIVE, **fields)  # type: ignore[arg-type]


def record(*facts: ClinicalFact, source: str | None = "test:rev", sex: str = "F") -> Patient:
    return Patient(
        (PatientIdentifier("REV-1", ISSUER),),
        PersonName("Rev^Rita"),
        "19700101",
        sex,
        facts=facts,
        source=source,
    )


def full_record() -> Patient:
    """Every field filled, qualifiers and optional codes included."""
    unit = Code("mm[Hg]", "UCUM", "mmHg", "1.4")
    return Patient(
        (
            PatientIdentifier("REV-1", ISSUER, "1.2.3.4", "ISO"),
            PatientIdentifier("REV-1-B", "OTHER"),
        ),
        PersonName("Rev^Rita^^Dr"),
        "19700101",
        "F",
        other_attributes=(("EthnicGroup", "Nordic"), ("PatientComments", "née Ünal")),
        facts=(
            fact(HYPERTENSION, started="2001", recorded="20010203", source="Condition/1"),
            ClinicalFact(
                kind=FactKind.VITAL_SIGN,
                code=Code("8480-6", "LN", "Systolic blood pressure", "2.77"),
                quantity=Quantity(128.5, unit),
                text="seated",
                started="20200304101112",
                laterality=Code("7771000", "SCT", "Left"),
                body_site=Code("368209003", "SCT", "Right arm"),
                severity=Code("255604002", "SCT", "Mild"),
                category=Code("vital-signs", "HL7", "Vital Signs"),
                value_code=Code("75540009", "SCT", "High"),
                source="Observation/2",
            ),
            ClinicalFact(
                kind=FactKind.FAMILY_HISTORY,
                code=ASTHMA,
                relative=Code("72705000", "SCT", "Mother"),
                ended="2019",
            ),
        ),
        deceased="20240101",
        source="test:rev",
    )


def revisions(repository: SqlPatientRepository) -> list[PatientRevision]:
    return repository.find_revisions("REV-1", ISSUER)


def test_a_revision_names_exactly_the_loaded_record(repository: SqlPatientRepository) -> None:
    assert isinstance(repository, RevisionedRepository)
    saved = full_record()
    repository.save_patients([saved])
    ((revision, loaded),) = repository.find_revisioned_patients("REV-1", ISSUER)
    assert revisions(repository) == [revision]
    assert content_hash(loaded) == revision.content_hash == content_hash(saved)
    assert repr(loaded) == repr(saved)  # every field, Code Meanings included
    assert repository.find_patients("REV-1", ISSUER) == [loaded]


def test_revisions_match_as_find_patients_matches(repository: SqlPatientRepository) -> None:
    first = record(source="test:a")
    second = Patient((PatientIdentifier("REV-1", "ELSEWHERE"),), source="test:b")
    third = Patient((PatientIdentifier("REV-1", ""),), source="test:c")
    repository.save_patients([first, second, third])
    for issuer in (None, ISSUER, "ELSEWHERE", "", "NOWHERE"):
        found = repository.find_revisioned_patients("REV-1", issuer)
        assert [one for _, one in found] == repository.find_patients("REV-1", issuer)
        assert [revision for revision, _ in found] == repository.find_revisions("REV-1", issuer)
    assert len(repository.find_revisions("REV-1", None)) == 3
    assert repository.find_revisions("REV-1", "") == [repository.find_revisions("REV-1", "")[0]]
    assert repository.find_revisions("rev-1", None) == []


Write = Callable[[SqlPatientRepository, Patient], None]


def by_save(repository: SqlPatientRepository, changed: Patient) -> None:
    repository.save_patients([changed])


def by_update(repository: SqlPatientRepository, changed: Patient) -> None:
    repository.update_patients(["test:rev"], lambda stored: PatientWrites((changed,)))


def by_batch(repository: SqlPatientRepository, changed: Patient) -> None:
    with repository.batch() as batch:
        batch.prefetch(changed.identifiers, ["test:rev"])
        batch.update_patients(["test:rev"], lambda stored: PatientWrites((changed,)))


def by_batch_save(repository: SqlPatientRepository, changed: Patient) -> None:
    with repository.batch() as batch:
        batch.save_patients([changed])


WRITES = {"save": by_save, "update": by_update, "batch": by_batch, "batch-save": by_batch_save}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_of_changed_content_changes_the_revision(
    repository: SqlPatientRepository, write: Write
) -> None:
    repository.save_patients([record(fact(HYPERTENSION))])
    (before,) = revisions(repository)
    write(repository, record(fact(HYPERTENSION)))  # identical content: not rewritten
    assert revisions(repository) == [before]
    write(repository, record(fact(HYPERTENSION), fact(ASTHMA)))
    (after,) = revisions(repository)
    assert after != before
    ((loaded_revision, loaded),) = repository.find_revisioned_patients("REV-1", ISSUER)
    assert loaded_revision == after
    assert {one.code for one in loaded.facts} == {HYPERTENSION, ASTHMA}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_changed_code_meaning_alone_changes_the_revision(
    repository: SqlPatientRepository, write: Write
) -> None:
    """Code equality ignores the meaning; the revision must not (the answer shows it)."""
    repository.save_patients([record(fact(HYPERTENSION))])
    (before,) = revisions(repository)
    write(repository, record(fact(Code("38341003", "SCT", "Hypertensive disorder"))))
    (after,) = revisions(repository)
    assert after != before
    (loaded,) = repository.find_patients("REV-1", ISSUER)
    assert loaded.facts[0].code.meaning == "Hypertensive disorder"


def test_a_sourceless_record_replaced_by_its_identifiers_changes_revision(
    repository: SqlPatientRepository,
) -> None:
    repository.save_patients([record(source=None)])
    (before,) = revisions(repository)
    repository.save_patients([record(source=None, sex="M")])
    (after,) = revisions(repository)
    assert after != before
    assert repository.find_patients("REV-1", ISSUER)[0].sex == "M"


def test_deletes_leave_no_revision(repository: SqlPatientRepository) -> None:
    repository.save_patients([record()])
    repository.update_patients(["test:rev"], lambda stored: PatientWrites(delete=("test:rev",)))
    assert revisions(repository) == []
    repository.save_patients([record()])
    with repository.batch() as batch:
        batch.prefetch([], ["test:rev"])
        batch.update_patients(["test:rev"], lambda stored: PatientWrites(delete=("test:rev",)))
    assert revisions(repository) == []


def test_a_batch_answers_what_is_committed(repository: SqlPatientRepository) -> None:
    repository.save_patients([record()])
    (before,) = revisions(repository)
    with repository.batch() as batch:
        batch.save_patients([record(fact(ASTHMA))])
        batch.flush()
        assert batch.find_revisions("REV-1", ISSUER) == [before]
        assert [r for r, _ in batch.find_revisioned_patients("REV-1", ISSUER)] == [before]
    assert revisions(repository) != [before]


def test_an_invalid_stored_record_is_a_store_error_naming_no_value(
    repository: SqlPatientRepository,
) -> None:
    repository.save_patients([record(fact(HYPERTENSION))])
    with repository.engine.begin() as connection:
        connection.execute(sa.text("UPDATE clinical_fact SET kind = 'SECRET-VALUE'"))
    assert len(revisions(repository)) == 1  # the revision does not read the facts
    with pytest.raises(StoreError) as raised:
        repository.find_revisioned_patients("REV-1", ISSUER)
    assert "SECRET" not in str(raised.value)
    assert "is not valid (ValueError)" in str(raised.value)


def test_a_connection_back_from_a_revision_lookup_is_transactional_again(
    repository: SqlPatientRepository,
) -> None:
    """The lookup runs in autocommit on PostgreSQL; the pooled connection it used must not
    stay so: a batch that fails after sending writes still leaves nothing behind."""
    repository.save_patients([record()])
    (before,) = revisions(repository)
    with pytest.raises(RuntimeError), repository.batch() as batch:  # noqa: PT012
        batch.save_patients([record(fact(ASTHMA)), Patient((PatientIdentifier("NEW", ""),))])
        batch.flush()
        assert repository.find_revisions("NEW", "") == []  # not committed yet
        raise RuntimeError("abandon the batch")
    assert revisions(repository) == [before]
    assert repository.find_revisions("NEW", "") == []
    assert repository.count_patients() == 1
