"""The SQL implementation of :class:`rpiq.store.repository.ImportRepository` (and so of
:class:`~rpiq.store.repository.PatientRepository`).

Reading a patient takes at most three indexed queries in one snapshot (patients matching the
identifier, then all their identifiers, then all their facts), whatever the number of facts.

Saving looks up, for the whole batch and *before writing anything*, which stored record each
patient replaces (by ``source``, else by identifier set among sourceless records), then deletes
the replaced records and inserts the new ones in one transaction. A replaced record gets a new
surrogate key. Because lookups see the database as it was before the batch, a batch naming the
same new ``source`` (or, without sources, the same identifier set) twice violates a unique
constraint and is refused whole.

A unit of work (:meth:`SqlPatientRepository.update_patients`) reads the records it names by
source in its write transaction (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` excludes other writers), lets the caller's plan decide, then saves and deletes as
above. A dry run takes the same path in a read-only transaction and skips every write.

Every database failure surfaces as :class:`~rpiq.errors.StoreError` whose message quotes no
patient data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from rpiq.domain import Patient, PatientIdentifier
from rpiq.errors import StoreError
from rpiq.store import rows as convert
from rpiq.store.engine import SQLITE_BEGIN_OPTION, describe_database_error
from rpiq.store.repository import Planner, SaveOutcome, UpdateResult
from rpiq.store.schema import clinical_fact, patient, patient_identifier

_IN_CHUNK = 500
"""Values per ``IN (...)`` list, well inside every driver's parameter limit."""

_Stored = tuple[int, str]
"""(patient_key, content_hash) of a stored record."""


@contextmanager
def _store_errors(action: str) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:
        raise StoreError(f"{action} failed: {describe_database_error(error)}") from None


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


class SqlPatientRepository:
    """Patients in an SQLite or PostgreSQL database whose schema is at head.

    Safe to share between threads. Build it with :func:`rpiq.store.open_repository`, which
    also upgrades the schema.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    def __enter__(self) -> SqlPatientRepository:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[sa.Connection]:
        """A read-only transaction that sees one snapshot across its statements."""
        with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            with connection.begin():
                yield connection

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """A write transaction (on SQLite it takes the write lock at ``BEGIN``)."""
        with self._engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            with connection.begin():
                yield connection

    # -- PatientRepository -------------------------------------------------------------

    def find_patients(self, PatientID: str, IssuerOfPatientID: str | None) -> list[Patient]:
        matching = patient_identifier.c.patient_id == PatientID
        if IssuerOfPatientID is not None:
            matching &= patient_identifier.c.issuer_of_patient_id == IssuerOfPatientID
        keys = sa.select(patient_identifier.c.patient_key).where(matching)
        with _store_errors("finding patients"), self._reading() as connection:
            patient_rows = (
                connection.execute(
                    sa.select(patient)
                    .where(patient.c.patient_key.in_(keys))
                    .order_by(patient.c.patient_key)
                )
                .mappings()
                .all()
            )
            if not patient_rows:
                return []
            found = [row["patient_key"] for row in patient_rows]
            identifiers = self._children(connection, patient_identifier, found)
            facts = self._children(connection, clinical_fact, found)
        return [self._assemble(row, identifiers, facts) for row in patient_rows]

    def save_patients(self, patients: Sequence[Patient]) -> list[SaveOutcome]:
        if not patients:
            return []
        with _store_errors("saving patients"), self._writing() as connection:
            return self._save(connection, patients, write=True)

    def count_patients(self) -> int:
        with _store_errors("counting patients"), self._reading() as connection:
            count = connection.execute(sa.select(sa.func.count()).select_from(patient)).scalar()
        return int(count or 0)

    def close(self) -> None:
        self._engine.dispose()

    # -- ImportRepository --------------------------------------------------------------

    def find_fact_owners(self, fact_sources: Sequence[str]) -> dict[str, list[str]]:
        owners: dict[str, set[str]] = defaultdict(set)
        with _store_errors("finding fact owners"), self._reading() as connection:
            for chunk in _chunks(sorted(set(fact_sources))):
                query = (
                    sa.select(clinical_fact.c.source, patient.c.source)
                    .join(patient, patient.c.patient_key == clinical_fact.c.patient_key)
                    .where(clinical_fact.c.source.in_(chunk), patient.c.source.is_not(None))
                    .distinct()
                )
                for fact_source, patient_source in connection.execute(query):
                    owners[fact_source].add(patient_source)
        return {fact_source: sorted(found) for fact_source, found in owners.items()}

    def find_identifier_owners(
        self, identifiers: Sequence[PatientIdentifier]
    ) -> dict[PatientIdentifier, list[str]]:
        pairs = sorted({(one.PatientID, one.IssuerOfPatientID) for one in identifiers})
        owners: dict[PatientIdentifier, set[str]] = defaultdict(set)
        key = sa.tuple_(patient_identifier.c.patient_id, patient_identifier.c.issuer_of_patient_id)
        with _store_errors("finding identifier owners"), self._reading() as connection:
            for chunk in _chunks(pairs):
                query = (
                    sa.select(
                        patient_identifier.c.patient_id,
                        patient_identifier.c.issuer_of_patient_id,
                        patient.c.source,
                    )
                    .join(patient, patient.c.patient_key == patient_identifier.c.patient_key)
                    .where(key.in_(chunk), patient.c.source.is_not(None))
                    .distinct()
                )
                for PatientID, IssuerOfPatientID, source in connection.execute(query):
                    owners[PatientIdentifier(PatientID, IssuerOfPatientID)].add(source)
        return {identifier: sorted(found) for identifier, found in owners.items()}

    def update_patients(
        self, sources: Sequence[str], plan: Planner, *, dry_run: bool = False
    ) -> UpdateResult:
        transaction = self._reading() if dry_run else self._writing()
        with _store_errors("updating patients"), transaction as connection:
            stored = self._by_sources(connection, sorted(set(sources)), lock=not dry_run)
            writes = plan(stored)
            saved_sources = {one.source for one in writes.save if one.source is not None}
            if saved_sources & set(writes.delete):
                raise ValueError("a unit of work may not both save and delete one source")
            outcomes = self._save(connection, writes.save, write=not dry_run)
            deleted = self._delete_sources(connection, writes.delete, write=not dry_run)
        return UpdateResult(tuple(outcomes), deleted)

    # -- helpers -----------------------------------------------------------------------

    @staticmethod
    def _children(
        connection: sa.Connection, table: sa.Table, keys: list[int]
    ) -> dict[int, list[sa.RowMapping]]:
        """Rows of a child table for the given patients, grouped by patient, in stored order."""
        grouped: dict[int, list[sa.RowMapping]] = defaultdict(list)
        for chunk in _chunks(keys):
            result = connection.execute(
                sa.select(table)
                .where(table.c.patient_key.in_(chunk))
                .order_by(table.c.patient_key, table.c.ordinal)
            )
            for row in result.mappings():
                grouped[row["patient_key"]].append(row)
        return grouped

    @staticmethod
    def _assemble(
        row: sa.RowMapping,
        identifiers: dict[int, list[sa.RowMapping]],
        facts: dict[int, list[sa.RowMapping]],
    ) -> Patient:
        key = row["patient_key"]
        try:
            return convert.patient_from(row, identifiers.get(key, []), facts.get(key, []))
        except (ValueError, TypeError, KeyError) as error:
            # The message may quote stored values: name the record by its key only.
            raise StoreError(
                f"stored patient record {key} is not valid ({type(error).__name__})"
            ) from None

    @classmethod
    def _by_sources(
        cls, connection: sa.Connection, sources: list[str], *, lock: bool
    ) -> dict[str, Patient]:
        """The stored records with these sources (rows locked ``FOR UPDATE`` on PostgreSQL
        when ``lock``; SQLite's ``BEGIN IMMEDIATE`` already excludes other writers)."""
        patient_rows: list[sa.RowMapping] = []
        for chunk in _chunks(sources):
            query = sa.select(patient).where(patient.c.source.in_(chunk))
            if lock:
                query = query.with_for_update()
            patient_rows.extend(connection.execute(query).mappings().all())
        if not patient_rows:
            return {}
        keys = [row["patient_key"] for row in patient_rows]
        identifiers = cls._children(connection, patient_identifier, keys)
        facts = cls._children(connection, clinical_fact, keys)
        return {row["source"]: cls._assemble(row, identifiers, facts) for row in patient_rows}

    @classmethod
    def _save(
        cls, connection: sa.Connection, patients: Sequence[Patient], *, write: bool
    ) -> list[SaveOutcome]:
        """Save the patients (replace by source, else by sourceless identifier set); with
        ``write=False`` only decide the outcomes."""
        if not patients:
            return []
        rows = [convert.patient_row(one) for one in patients]
        outcomes: list[SaveOutcome] = []
        replaced: list[int] = []
        written: list[int] = []
        for index, stored in enumerate(cls._stored_records(connection, rows)):
            if stored is None:
                outcomes.append(SaveOutcome.ADDED)
            elif stored[1] == rows[index]["content_hash"]:
                outcomes.append(SaveOutcome.UNCHANGED)
                continue
            else:
                outcomes.append(SaveOutcome.UPDATED)
                replaced.append(stored[0])
            written.append(index)
        if write:
            for chunk in _chunks(replaced):
                connection.execute(sa.delete(patient).where(patient.c.patient_key.in_(chunk)))
            if written:
                cls._insert(connection, [patients[i] for i in written], [rows[i] for i in written])
        return outcomes

    @staticmethod
    def _delete_sources(
        connection: sa.Connection, sources: Sequence[str], *, write: bool
    ) -> tuple[str, ...]:
        """Delete the records with these sources; the ones that were stored, in given order."""
        present: set[str] = set()
        for chunk in _chunks(sorted(set(sources))):
            query = sa.select(patient.c.source).where(patient.c.source.in_(chunk))
            present.update(connection.execute(query).scalars())
            if write:
                connection.execute(sa.delete(patient).where(patient.c.source.in_(chunk)))
        return tuple(dict.fromkeys(source for source in sources if source in present))

    @staticmethod
    def _stored_records(
        connection: sa.Connection, rows: Sequence[dict[str, Any]]
    ) -> list[_Stored | None]:
        """For each row, the stored record it replaces, as the database was before the batch."""
        sources = sorted({row["source"] for row in rows if row["source"] is not None})
        by_source: dict[str, _Stored] = {}
        for chunk in _chunks(sources):
            query = sa.select(patient.c.source, patient.c.patient_key, patient.c.content_hash)
            for source, key, digest in connection.execute(query.where(patient.c.source.in_(chunk))):
                by_source[source] = (key, digest)
        hashes = sorted({row["identifiers_hash"] for row in rows if row["source"] is None})
        by_identifiers: dict[str, _Stored] = {}
        for chunk in _chunks(hashes):
            query = sa.select(
                patient.c.identifiers_hash, patient.c.patient_key, patient.c.content_hash
            ).where(patient.c.source.is_(None), patient.c.identifiers_hash.in_(chunk))
            for digest_of_ids, key, digest in connection.execute(query):
                by_identifiers[digest_of_ids] = (key, digest)
        return [
            by_source.get(row["source"])
            if row["source"] is not None
            else by_identifiers.get(row["identifiers_hash"])
            for row in rows
        ]

    @staticmethod
    def _insert(
        connection: sa.Connection, patients: Sequence[Patient], rows: Sequence[dict[str, Any]]
    ) -> None:
        """Insert new records with their identifiers and facts (a few statements in all)."""
        inserted = connection.execute(
            sa.insert(patient).returning(patient.c.patient_key, sort_by_parameter_order=True),
            list(rows),
        )
        keys = list(inserted.scalars())
        identifier_rows: list[dict[str, Any]] = []
        fact_rows: list[dict[str, Any]] = []
        for key, one in zip(keys, patients, strict=True):
            identifier_rows.extend(convert.identifier_rows(key, one))
            fact_rows.extend(convert.fact_rows(key, one))
        connection.execute(sa.insert(patient_identifier), identifier_rows)
        if fact_rows:
            connection.execute(sa.insert(clinical_fact), fact_rows)
