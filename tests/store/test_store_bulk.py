"""Bulk writes (SQLite and PostgreSQL): batches of units of work in one transaction, the
prefetched lookups staying true to what the batch wrote, rollback, dry runs; the tuple rows
and the faster content hash match the schema and the documented hashed form."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest

from rpiq.config import ImportSettings
from rpiq.domain import ClinicalFact, Code, FactKind, Patient, PatientIdentifier
from rpiq.ingest.demo import demo_bundles
from rpiq.ingest.fhir_bundle import parse_bundle
from rpiq.ingest.synth import synth_patient
from rpiq.ingest.synth_output import synth_record
from rpiq.store import SqlPatientRepository
from rpiq.store import rows as convert
from rpiq.store.repository import PatientWrites, Planner, SaveOutcome
from rpiq.store.schema import clinical_fact, patient_identifier


def record(source: str, PatientID: str, *codes: str) -> Patient:
    facts = tuple(
        ClinicalFact(
            FactKind.PROBLEM, Code(code, "SCT", f"meaning {code}"), source=f"Condition/{code}"
        )
        for code in codes
    )
    return Patient((PatientIdentifier(PatientID, "BULK"),), facts=facts, source=source)


def save(*patients: Patient) -> Planner:
    def plan(stored: Mapping[str, Patient]) -> PatientWrites:
        del stored
        return PatientWrites(tuple(patients))

    return plan


def test_a_batch_commits_its_units_together(repository: SqlPatientRepository) -> None:
    with repository.batch() as batch:
        batch.prefetch([PatientIdentifier("B-1", "BULK")], ["s:1", "s:2"])
        first = batch.update_patients(["s:1"], save(record("s:1", "B-1", "1")))
        second = batch.update_patients(["s:2"], save(record("s:2", "B-2", "2")))
        assert repository.count_patients() == 0  # not committed yet
    assert (first.saved, second.saved) == ((SaveOutcome.ADDED,), (SaveOutcome.ADDED,))
    assert repository.count_patients() == 2
    (stored,) = repository.find_patients("B-2", "BULK")
    assert stored == record("s:2", "B-2", "2")


def test_lookups_in_a_batch_see_its_own_writes(repository: SqlPatientRepository) -> None:
    repository.save_patients([record("s:1", "B-1", "1")])
    identifier = PatientIdentifier("B-9", "BULK")
    with repository.batch() as batch:
        batch.prefetch([identifier], ["s:1", "s:9"])
        assert batch.find_identifier_owners([identifier]) == {}
        batch.update_patients(["s:9"], save(record("s:9", "B-9", "9")))
        assert batch.find_identifier_owners([identifier]) == {identifier: ["s:9"]}
        seen: list[Patient] = []

        def replace_it(stored: Mapping[str, Patient]) -> PatientWrites:
            seen.extend(stored.values())
            return PatientWrites((record("s:9", "B-9", "9", "10"),), ("s:1",))

        result = batch.update_patients(["s:9", "s:1"], replace_it)
        assert sorted(one.source or "" for one in seen) == ["s:1", "s:9"]
        assert result.saved == (SaveOutcome.UPDATED,)
        assert result.deleted == ("s:1",)
        assert batch.find_fact_owners(["Condition/10", "Condition/1"]) == {"Condition/10": ["s:9"]}
        again = batch.update_patients(["s:1"], save(record("s:1", "B-1", "1")))
        assert again.saved == (SaveOutcome.ADDED,)
    assert repository.count_patients() == 2
    (stored,) = repository.find_patients("B-9", "BULK")
    assert [fact.code.value for fact in stored.facts] == ["9", "10"]


def test_a_refused_plan_writes_nothing_the_others_commit(
    repository: SqlPatientRepository,
) -> None:
    def refuse(stored: Mapping[str, Patient]) -> PatientWrites:
        raise LookupError("refused")

    with repository.batch() as batch:
        batch.update_patients(["s:1"], save(record("s:1", "B-1", "1")))
        with pytest.raises(LookupError):
            batch.update_patients(["s:2"], refuse)
        batch.update_patients(["s:3"], save(record("s:3", "B-3", "3")))
    assert repository.count_patients() == 2
    assert repository.find_patients("B-2", "BULK") == []


def test_a_batch_that_raises_is_rolled_back_whole(repository: SqlPatientRepository) -> None:
    def write_then_fail() -> None:
        with repository.batch() as batch:
            batch.update_patients(["s:1"], save(record("s:1", "B-1", "1")))
            batch.flush()
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        write_then_fail()
    assert repository.count_patients() == 0


def test_a_dry_run_batch_decides_and_writes_nothing(repository: SqlPatientRepository) -> None:
    repository.save_patients([record("s:1", "B-1", "1")])
    with repository.batch(dry_run=True) as batch:
        batch.prefetch([], ["s:1", "s:2"])
        changed = batch.update_patients(["s:1"], save(record("s:1", "B-1", "1", "2")), dry_run=True)
        added = batch.update_patients(["s:2"], save(record("s:2", "B-2")), dry_run=True)
        with pytest.raises(ValueError, match="dry_run"):
            batch.update_patients(["s:2"], save(record("s:2", "B-2")))
    assert (changed.saved, added.saved) == ((SaveOutcome.UPDATED,), (SaveOutcome.ADDED,))
    assert repository.count_patients() == 1
    (stored,) = repository.find_patients("B-1", "BULK")
    assert len(stored.facts) == 1


def test_save_patients_in_a_batch_matches_the_repository(
    repository: SqlPatientRepository,
) -> None:
    patients = [synth_record(synth_patient(8, index)) for index in range(12)]
    with repository.batch() as batch:
        assert batch.save_patients(patients) == [SaveOutcome.ADDED] * 12
    assert repository.save_patients(patients) == [SaveOutcome.UNCHANGED] * 12
    for one in patients[:3]:
        assert repository.find_patients(one.identifiers[0].PatientID, None) == [one]


def asdict_hash(patient: Patient) -> str:
    """The documented hashed form, computed the slow way (dataclasses.asdict)."""
    document = dataclasses.asdict(patient)
    for identifier in document["identifiers"]:
        for name in ("UniversalEntityID", "UniversalEntityIDType"):
            if not identifier[name]:
                del identifier[name]
    return convert._digest(document)


def test_content_hash_is_the_asdict_form() -> None:
    patients = [synth_record(synth_patient(6, index)) for index in range(40)]
    for _, document in demo_bundles():
        patients.extend(parse_bundle(document, "demo", ImportSettings()))
    qualified = PatientIdentifier("Q-1", "BULK", "1.2.3", "ISO")
    patients.append(dataclasses.replace(patients[0], identifiers=(qualified,)))
    for one in patients:
        assert convert.content_hash(one) == asdict_hash(one)


def test_tuple_rows_cover_the_schema_and_round_trip() -> None:
    assert sorted(convert.FACT_COLUMNS) == sorted(column.name for column in clinical_fact.c)
    assert sorted(convert.IDENTIFIER_COLUMNS) == sorted(c.name for c in patient_identifier.c)
    patients = [synth_record(synth_patient(6, index)) for index in range(40)]
    facts = [fact for one in patients for fact in one.facts]
    assert any(fact.quantity is not None for fact in facts)
    for fact in facts:
        assert convert.fact_from(convert.fact_row(7, 0, fact)) == fact
