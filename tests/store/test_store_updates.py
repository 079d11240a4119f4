"""The ImportRepository additions (revision 0002), on SQLite and PostgreSQL: units of work,
dry runs, fact and identifier owners, Issuer of Patient ID Qualifiers, and the upgrade of a
0001 database."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest
import sqlalchemy as sa
from alembic import command

from rpiq.domain import ClinicalFact, Code, FactKind, Patient, PatientIdentifier
from rpiq.store import ImportRepository, SaveOutcome, SqlPatientRepository, open_repository
from rpiq.store.migrate import alembic_config, head_revision, schema_revision
from rpiq.store.repository import PatientWrites, UpdateResult
from rpiq.store.schema import clinical_fact, patient, patient_identifier


def record(source: str, PatientID: str, *fact_sources: str, **identifier: str) -> Patient:
    return Patient(
        identifiers=(PatientIdentifier(PatientID, "HOSP", **identifier),),
        facts=tuple(
            ClinicalFact(FactKind.PROBLEM, Code(str(n), "SCT", f"problem {n}"), source=fact)
            for n, fact in enumerate(fact_sources)
        ),
        source=source,
    )


def counts(repository: SqlPatientRepository) -> list[int]:
    with repository.engine.connect() as connection:
        return [
            int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for table in (patient, patient_identifier, clinical_fact)
        ]


def test_the_sql_repository_is_an_import_repository(repository: SqlPatientRepository) -> None:
    as_protocol: ImportRepository = repository  # checked by mypy over the tests
    assert as_protocol.find_fact_owners(["Condition/x"]) == {}


def test_a_unit_of_work_reads_by_source_then_saves_and_deletes(
    repository: SqlPatientRepository,
) -> None:
    repository.save_patients([record("a", "A", "Condition/1"), record("b", "B", "Condition/2")])
    seen: list[Mapping[str, Patient]] = []

    def merge(stored: Mapping[str, Patient]) -> PatientWrites:
        seen.append(stored)
        survivor = stored["a"]
        merged = dataclasses.replace(
            survivor,
            identifiers=survivor.identifiers + stored["b"].identifiers,
            facts=survivor.facts + stored["b"].facts,
        )
        return PatientWrites(save=(merged, record("c", "C")), delete=("b", "nobody"))

    result = repository.update_patients(["a", "b", "nobody"], merge)
    assert result == UpdateResult((SaveOutcome.UPDATED, SaveOutcome.ADDED), ("b",))
    assert sorted(seen[0]) == ["a", "b"]
    (merged,) = repository.find_patients("B", "HOSP")
    assert merged.source == "a"
    assert [fact.source for fact in merged.facts] == ["Condition/1", "Condition/2"]
    assert counts(repository) == [2, 3, 2]
    unchanged = repository.update_patients(["a"], lambda stored: PatientWrites((stored["a"],)))
    assert unchanged.saved == (SaveOutcome.UNCHANGED,)


def test_a_failing_plan_rolls_the_unit_back(repository: SqlPatientRepository) -> None:
    repository.save_patients([record("a", "A", "Condition/1")])
    before = counts(repository)

    class Refused(Exception):
        pass

    def plan(stored: Mapping[str, Patient]) -> PatientWrites:
        raise Refused(str(sorted(stored)))

    with pytest.raises(Refused, match="'a'"):
        repository.update_patients(["a"], plan)
    assert counts(repository) == before
    with pytest.raises(ValueError, match="both save and delete"):
        repository.update_patients(["a"], lambda stored: PatientWrites((record("a", "A"),), ("a",)))
    assert repository.find_patients("A", None) == [record("a", "A", "Condition/1")]


def test_a_dry_run_decides_the_same_and_writes_nothing(repository: SqlPatientRepository) -> None:
    repository.save_patients([record("a", "A", "Condition/1"), record("b", "B")])
    before = counts(repository)

    def plan(stored: Mapping[str, Patient]) -> PatientWrites:
        changed = dataclasses.replace(stored["a"], sex="F")
        return PatientWrites((changed, record("new", "N"), stored["b"]), ("nobody",))

    result = repository.update_patients(["a", "b"], plan, dry_run=True)
    assert result == UpdateResult(
        (SaveOutcome.UPDATED, SaveOutcome.ADDED, SaveOutcome.UNCHANGED), deleted=()
    )
    assert counts(repository) == before
    assert repository.find_patients("A", None)[0].sex is None
    deleting = repository.update_patients([], lambda _: PatientWrites((), ("b",)), dry_run=True)
    assert deleting.deleted == ("b",)
    assert repository.count_patients() == 2


def test_fact_owners_and_identifier_owners(repository: SqlPatientRepository) -> None:
    repository.save_patients(
        [
            record("a", "A", "Condition/1", "Condition/2"),
            record("b", "B", "Condition/2"),
            dataclasses.replace(record("x", "A", "Condition/1"), source=None),
        ]
    )
    assert repository.find_fact_owners(["Condition/1", "Condition/2", "Condition/3"]) == {
        "Condition/1": ["a"],
        "Condition/2": ["a", "b"],
    }
    assert repository.find_identifier_owners(
        [PatientIdentifier("A", "HOSP"), PatientIdentifier("B", "HOSP"), PatientIdentifier("A")]
    ) == {PatientIdentifier("A", "HOSP"): ["a"], PatientIdentifier("B", "HOSP"): ["b"]}
    many = [PatientIdentifier(f"N{n}", "HOSP") for n in range(1200)]  # several IN chunks
    assert repository.find_identifier_owners([*many, PatientIdentifier("B", "HOSP")]) == {
        PatientIdentifier("B", "HOSP"): ["b"]
    }


def test_issuer_qualifiers_round_trip_and_changing_them_is_an_update(
    repository: SqlPatientRepository,
) -> None:
    qualified = record("q", "Q", UniversalEntityID="1.2.840.10008", UniversalEntityIDType="ISO")
    repository.save_patients([qualified])
    (found,) = repository.find_patients("Q", "HOSP")
    assert dataclasses.asdict(found) == dataclasses.asdict(qualified)
    assert repository.save_patients([record("q", "Q")]) == [SaveOutcome.UPDATED]
    assert repository.find_patients("Q", "HOSP")[0].identifiers[0].UniversalEntityID == ""


def test_a_0001_database_upgrades_and_keeps_its_records_unchanged(database_url: str) -> None:
    """Rows written at revision 0001 read back after 0002, and their content hashes still
    match (a record without qualifiers saves as UNCHANGED)."""
    repository = open_repository(database_url)
    try:
        repository.save_patients([record("a", "A", "Condition/1")])
        with repository.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0001")
        assert schema_revision(repository.engine) == "0001"
        columns = {
            c["name"] for c in sa.inspect(repository.engine).get_columns("patient_identifier")
        }
        assert "universal_entity_id" not in columns
    finally:
        repository.close()
    upgraded = open_repository(database_url)
    try:
        assert schema_revision(upgraded.engine) == head_revision() == "0002"
        assert upgraded.find_patients("A", "HOSP") == [record("a", "A", "Condition/1")]
        assert upgraded.save_patients([record("a", "A", "Condition/1")]) == [SaveOutcome.UNCHANGED]
        indexes = sa.inspect(upgraded.engine).get_indexes("clinical_fact")
        assert ["source"] in [index["column_names"] for index in indexes]
    finally:
        upgraded.close()
