"""SqlPatientRepository behaviour, on SQLite and on PostgreSQL (``database_url`` fixture)."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
from rpiq.store import PatientRepository, SaveOutcome, SqlPatientRepository, open_repository
from rpiq.store.schema import clinical_fact, patient, patient_identifier

SCT = "SCT"


def code(value: str, meaning: str, scheme: str = SCT, version: str | None = None) -> Code:
    return Code(value, scheme, meaning, version)


def every_field_fact() -> ClinicalFact:
    """A fact with every field set, to a value that differs from every default."""
    return ClinicalFact(
        kind=FactKind.FAMILY_HISTORY,
        code=code("254837009", "Malignant neoplasm of breast", version="2024-09"),
        status=FactStatus.RESOLVED,
        value_code=code("LA33-6", "Yes", scheme="LN"),
        quantity=Quantity(12.75, code("mm", "millimeter", scheme="UCUM", version="2.1")),
        text="Grand-mère: cancer du sein à 52 ans",
        started="1973",
        ended="197311",
        recorded="20240229235959.123456+0100",
        laterality=code("7771000", "Left"),
        body_site=code("76752008", "Breast structure"),
        severity=code("24484000", "Severe"),
        relative=code("MGRMTH", "maternal grandmother", scheme="v3-RoleCode"),
        category=code("problem-list-item", "Problem List Item", scheme="condition-category"),
        source="FamilyMemberHistory/fmh-1",
    )


def rich_patient(source: str | None = "fhir:Patient/rich") -> Patient:
    facts = [every_field_fact(), ClinicalFact(FactKind.ALLERGY, code("91936005", "Penicillin"))]
    # Stored order must survive, even when it is not sorted by anything.
    facts += [
        ClinicalFact(FactKind.VITAL_SIGN, code(f"{n}", f"observation {n}", scheme="LN"),
                     quantity=Quantity(n / 3, code("kg", "kilogram", scheme="UCUM")),
                     recorded=f"2020{n % 12 + 1:02d}")
        for n in (17, 3, 11, 5, 2)
    ]  # fmt: skip
    return Patient(
        identifiers=(
            PatientIdentifier("MRN-001", "Hôpital Saint-Éloi"),
            PatientIdentifier("98765"),
        ),
        name=PersonName("Yamada^Tarou", "山田^太郎", "やまだ^たろう"),
        birth_date="19731105",
        sex="F",
        other_attributes=(("EthnicGroup", "Ærø"), ("PatientComments", "line one\nline two")),
        facts=tuple(facts),
        deceased="2024",
        source=source,
    )


def simple_patient(
    *identifiers: tuple[str, str], source: str | None = None, name: str = "Doe^Jane"
) -> Patient:
    return Patient(
        identifiers=tuple(PatientIdentifier(pid, issuer) for pid, issuer in identifiers),
        name=PersonName(name),
        facts=(ClinicalFact(FactKind.PROBLEM, code("38341003", "Hypertension")),),
        source=source,
    )


def exactly(patients: list[Patient]) -> list[dict[str, Any]]:
    """Field-by-field form: Code equality ignores meanings, this does not."""
    return [dataclasses.asdict(one) for one in patients]


def row_count(repository: SqlPatientRepository, table: sa.Table) -> int:
    with repository.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# -- round trip and lookup ---------------------------------------------------------------


def test_the_sql_repository_is_a_patient_repository(repository: SqlPatientRepository) -> None:
    as_protocol: PatientRepository = repository  # checked by mypy over the tests
    assert as_protocol.count_patients() == 0
    assert as_protocol.find_patients("nobody", None) == []


def test_rich_patient_round_trips_field_by_field(repository: SqlPatientRepository) -> None:
    stored = rich_patient()
    assert repository.save_patients([stored]) == [SaveOutcome.ADDED]
    assert exactly(repository.find_patients("MRN-001", "Hôpital Saint-Éloi")) == exactly([stored])
    assert exactly(repository.find_patients("98765", "")) == exactly([stored])


def test_patient_without_optional_data_round_trips(repository: SqlPatientRepository) -> None:
    bare = Patient(identifiers=(PatientIdentifier("bare"),))
    repository.save_patients([bare])
    assert exactly(repository.find_patients("bare", None)) == exactly([bare])


def test_issuer_none_matches_any_issuer_and_empty_matches_only_none(
    repository: SqlPatientRepository,
) -> None:
    with_issuer = simple_patient(("P1", "HOSP"), name="With^Issuer")
    without_issuer = simple_patient(("P1", ""), name="Without^Issuer")
    other_issuer = simple_patient(("P1", "CLINIC"), name="Other^Issuer")
    repository.save_patients([with_issuer, without_issuer, other_issuer])
    assert repository.find_patients("P1", "HOSP") == [with_issuer]
    assert repository.find_patients("P1", "") == [without_issuer]
    assert repository.find_patients("P1", "CLINIC") == [other_issuer]
    assert exactly(repository.find_patients("P1", None)) == exactly(
        [with_issuer, without_issuer, other_issuer]
    )
    assert repository.find_patients("P1", "ELSEWHERE") == []
    assert repository.find_patients("P2", None) == []


def test_lookup_is_exact_and_case_sensitive(repository: SqlPatientRepository) -> None:
    stored = simple_patient(("abc", "Hosp"))
    repository.save_patients([stored])
    assert repository.find_patients("abc", "Hosp") == [stored]
    for PatientID, IssuerOfPatientID in [
        ("ABC", None), ("abc", "hosp"), ("abc", "HOSP"), ("abc ", None), ("ab", None),
        ("abc", "Hosp "), ("%", None), ("ab_", None),
    ]:  # fmt: skip
        assert repository.find_patients(PatientID, IssuerOfPatientID) == []


def test_patient_with_several_identifiers_is_found_under_each(
    repository: SqlPatientRepository,
) -> None:
    stored = simple_patient(("A1", "SITE-A"), ("B2", "SITE-B"), ("C3", ""))
    repository.save_patients([stored])
    for PatientID, IssuerOfPatientID in [("A1", "SITE-A"), ("B2", "SITE-B"), ("C3", ""),
                                         ("A1", None), ("C3", None)]:  # fmt: skip
        found = repository.find_patients(PatientID, IssuerOfPatientID)
        assert exactly(found) == exactly([stored])
    assert repository.find_patients("A1", "SITE-B") == []


def test_one_patient_under_one_id_with_two_issuers_is_found_once(
    repository: SqlPatientRepository,
) -> None:
    stored = simple_patient(("SAME", "SITE-A"), ("SAME", "SITE-B"))
    repository.save_patients([stored])
    assert repository.find_patients("SAME", None) == [stored]


def test_two_patients_sharing_an_id_under_different_issuers(
    repository: SqlPatientRepository,
) -> None:
    first = simple_patient(("4711", "SITE-A"), name="First^Patient", source="a")
    second = simple_patient(("4711", "SITE-B"), name="Second^Patient", source="b")
    repository.save_patients([first, second])
    assert repository.find_patients("4711", "SITE-A") == [first]
    assert repository.find_patients("4711", "SITE-B") == [second]
    found = repository.find_patients("4711", None)
    assert sorted(one.source or "" for one in found) == ["a", "b"]
    assert repository.count_patients() == 2


def test_find_takes_a_fixed_number_of_queries(repository: SqlPatientRepository) -> None:
    many_facts = dataclasses.replace(
        rich_patient(),
        facts=tuple(
            ClinicalFact(FactKind.PROBLEM, code(str(n), f"problem {n}")) for n in range(60)
        ),
    )
    repository.save_patients([many_facts])
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]).lstrip().split()[0].upper())

    sa.event.listen(repository.engine, "before_cursor_execute", record)
    try:
        found = repository.find_patients("MRN-001", None)
    finally:
        sa.event.remove(repository.engine, "before_cursor_execute", record)
    assert len(found[0].facts) == 60
    assert statements.count("SELECT") == 3


# -- saving ------------------------------------------------------------------------------


def test_saving_identical_content_again_changes_nothing(repository: SqlPatientRepository) -> None:
    stored = rich_patient()
    assert repository.save_patients([stored]) == [SaveOutcome.ADDED]
    counts = [
        row_count(repository, table) for table in (patient, patient_identifier, clinical_fact)
    ]
    assert repository.save_patients([rich_patient()]) == [SaveOutcome.UNCHANGED]
    assert repository.save_patients([rich_patient()]) == [SaveOutcome.UNCHANGED]
    assert [
        row_count(repository, t) for t in (patient, patient_identifier, clinical_fact)
    ] == counts
    assert counts == [1, 2, 7]


def test_changed_code_meaning_is_an_update(repository: SqlPatientRepository) -> None:
    stored = simple_patient(("M1", ""), source="m")
    repository.save_patients([stored])
    renamed = dataclasses.replace(
        stored, facts=(ClinicalFact(FactKind.PROBLEM, code("38341003", "High blood pressure")),)
    )
    assert repository.save_patients([renamed]) == [SaveOutcome.UPDATED]
    assert repository.find_patients("M1", "")[0].facts[0].code.meaning == "High blood pressure"


def test_same_source_replaces_the_record(repository: SqlPatientRepository) -> None:
    repository.save_patients([rich_patient(source="fhir:Patient/1")])
    replacement = simple_patient(("NEW-ID", "SITE-A"), source="fhir:Patient/1")
    assert repository.save_patients([replacement]) == [SaveOutcome.UPDATED]
    assert repository.find_patients("MRN-001", None) == []
    assert repository.find_patients("98765", None) == []
    assert exactly(repository.find_patients("NEW-ID", "SITE-A")) == exactly([replacement])
    assert repository.count_patients() == 1
    assert row_count(repository, clinical_fact) == 1
    assert row_count(repository, patient_identifier) == 1


def test_without_source_the_same_identifier_set_replaces_the_record(
    repository: SqlPatientRepository,
) -> None:
    repository.save_patients([simple_patient(("X1", "A"), ("X2", "B"), name="Old^Name")])
    reordered = simple_patient(("X2", "B"), ("X1", "A"), name="New^Name")
    assert repository.save_patients([reordered]) == [SaveOutcome.UPDATED]
    assert repository.find_patients("X1", "A") == [reordered]
    subset = simple_patient(("X1", "A"), name="Subset^Only")
    assert repository.save_patients([subset]) == [SaveOutcome.ADDED]
    assert repository.count_patients() == 2


def test_sourceless_patient_never_replaces_a_sourced_record(
    repository: SqlPatientRepository,
) -> None:
    sourced = simple_patient(("S1", "A"), source="fhir:Patient/s1")
    repository.save_patients([sourced])
    sourceless = simple_patient(("S1", "A"), name="From^Dicom")
    assert repository.save_patients([sourceless]) == [SaveOutcome.ADDED]
    assert exactly(repository.find_patients("S1", "A")) == exactly([sourced, sourceless])


def test_one_batch_reports_each_outcome(repository: SqlPatientRepository) -> None:
    kept = simple_patient(("K", ""), source="kept")
    changed = simple_patient(("C", ""), source="changed")
    repository.save_patients([kept, changed])
    batch = [
        simple_patient(("N", ""), source="new"),
        kept,
        dataclasses.replace(changed, sex="M"),
    ]
    assert repository.save_patients(batch) == [
        SaveOutcome.ADDED,
        SaveOutcome.UNCHANGED,
        SaveOutcome.UPDATED,
    ]
    assert repository.find_patients("C", "")[0].sex == "M"
    assert repository.count_patients() == 3
    assert repository.save_patients([]) == []


def test_a_failing_batch_writes_nothing(repository: SqlPatientRepository) -> None:
    original = simple_patient(("ORIG", "A"), source="fhir:Patient/orig")
    repository.save_patients([original])
    batch = [
        dataclasses.replace(original, name=PersonName("Changed^Name")),
        simple_patient(("DUP-1", "A"), source="fhir:Patient/dup-secret"),
        simple_patient(("DUP-2", "A"), source="fhir:Patient/dup-secret"),
    ]
    with pytest.raises(StoreError) as raised:
        repository.save_patients(batch)
    message = str(raised.value)
    for patient_data in ("dup-secret", "DUP-1", "DUP-2", "Changed"):
        assert patient_data not in message
    assert exactly(repository.find_patients("ORIG", "A")) == exactly([original])
    assert repository.find_patients("DUP-1", None) == []
    assert repository.count_patients() == 1
    assert row_count(repository, patient_identifier) == 1
    # The repository is still usable after the rollback.
    assert repository.save_patients(batch[:2]) == [SaveOutcome.UPDATED, SaveOutcome.ADDED]


def test_a_batch_with_one_identifier_set_twice_without_source_is_refused(
    repository: SqlPatientRepository,
) -> None:
    batch = [
        simple_patient(("T", ""), name="One^Twin"),
        simple_patient(("T", ""), name="Other^Twin"),
    ]
    with pytest.raises(StoreError):
        repository.save_patients(batch)
    assert repository.count_patients() == 0


def test_readers_in_threads_see_whole_records_while_a_writer_replaces_them(
    repository: SqlPatientRepository,
) -> None:
    versions = [
        dataclasses.replace(rich_patient(), birth_date=f"19{50 + n}",
                            facts=rich_patient().facts[: 1 + n % 7])
        for n in range(12)
    ]  # fmt: skip
    repository.save_patients([versions[0]])
    expected = {repr(exactly([one])) for one in versions}
    done = threading.Event()
    failures: list[str] = []

    def read() -> None:
        while not done.is_set():
            try:
                found = repository.find_patients("MRN-001", "Hôpital Saint-Éloi")
            except StoreError as error:
                failures.append(str(error))
                continue
            if len(found) != 1 or repr(exactly(found)) not in expected:
                failures.append(f"{len(found)} records")

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    try:
        for version in versions[1:]:
            assert repository.save_patients([version]) == [SaveOutcome.UPDATED]
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert failures == []
    assert exactly(repository.find_patients("98765", None)) == exactly([versions[-1]])


# -- failures ----------------------------------------------------------------------------


@contextmanager
def database_gone(database_url: str, request: pytest.FixtureRequest) -> Iterator[None]:
    """Make the database behind ``database_url`` disappear while a repository uses it."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        path.mkdir()  # a directory where the database file was: it cannot be opened
    else:
        server = request.getfixturevalue("postgres_server")
        server.drop_database(database_url.rsplit("/", 1)[1])
    yield


def test_store_error_when_the_database_is_gone(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    repository = open_repository(database_url)
    repository.save_patients([simple_patient(("G", ""))])
    repository.close()  # drop pooled connections (SQLite keeps reading an unlinked file)
    with database_gone(database_url, request):
        with pytest.raises(StoreError, match="finding patients failed"):
            repository.find_patients("G", None)
        with pytest.raises(StoreError, match="saving patients failed"):
            repository.save_patients([simple_patient(("H", ""))])
        with pytest.raises(StoreError, match="counting patients failed"):
            repository.count_patients()
    repository.close()


def test_open_repository_on_an_unreachable_database_raises_store_error(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path / 'missing-dir' / 'rpiq.db'}"
    else:
        with socket_closed_port() as port:
            unreachable = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    with pytest.raises(StoreError, match="schema upgrade failed"):
        open_repository(unreachable)


@contextmanager
def socket_closed_port() -> Iterator[int]:
    """A loopback port nobody listens on (bound, never listening, while in use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])
