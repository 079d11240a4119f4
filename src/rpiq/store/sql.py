"""The SQL implementation of :class:`rpiq.store.repository.ImportRepository` (and so of
:class:`~rpiq.store.repository.PatientRepository`).

Reading a patient takes at most three indexed queries in one snapshot (patients matching the
identifier, then all their identifiers, then all their facts), whatever the number of facts;
its revision (key and content hash) takes one (``rpiq.store.sql_read``). Rows are never
updated in place, which is what makes (key, content hash) a revision: a write path that
changed a stored row without replacing the record would let readers answer stale content.

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

A **batch** (:meth:`SqlPatientRepository.batch`, :class:`SqlBatch`) runs many units of work
in one transaction, for bulk imports: the records and identifier owners the units will need
are read up front with one query per few hundred keys (:meth:`SqlBatch.prefetch`), each unit
is decided against them, and the writes are buffered and sent as a few ``executemany``
statements. A unit that raises in its plan writes nothing, as before; a lookup that the
prefetched state cannot answer (a key written earlier in the batch, a sourceless record, a
DELETE) first sends the buffered writes, then asks the database.

Every database failure surfaces as :class:`~rpiq.errors.StoreError` whose message quotes no
patient data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from rpiq.domain import Patient, PatientIdentifier
from rpiq.errors import StoreError
from rpiq.store import rows as convert
from rpiq.store import sql_read
from rpiq.store.engine import SQLITE_BEGIN_OPTION, describe_database_error
from rpiq.store.repository import (
    PatientRevision,
    Planner,
    SaveOutcome,
    UpdateResult,
)
from rpiq.store.schema import clinical_fact, patient, patient_identifier

if TYPE_CHECKING:
    from rpiq.store.sql_batch import SqlBatch

_IN_CHUNK = 500
"""Values per ``IN (...)`` list, well inside every driver's parameter limit."""

_Stored = tuple[int, str]
"""(patient_key, content_hash) of a stored record."""
_Pair = tuple[str, str]
"""(PatientID, IssuerOfPatientID)."""


@dataclass(frozen=True)
class _Record:
    """A stored record read whole: its key and hash, and the record."""

    stored: _Stored
    patient: Patient


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

    @contextmanager
    def batch(self, *, dry_run: bool = False) -> Iterator[SqlBatch]:
        """Many units of work in one transaction (module docstring): committed when the block
        ends normally, rolled back whole when it raises (``StoreError`` for database
        failures). ``dry_run``: a read-only transaction; nothing is written."""
        transaction = self._reading() if dry_run else self._writing()
        with _store_errors("writing a batch"), transaction as connection:
            from rpiq.store.sql_batch import SqlBatch  # noqa: PLC0415 - it builds on this module

            batch = SqlBatch(self, connection, write=not dry_run)
            yield batch
            batch.flush()

    # -- PatientRepository -------------------------------------------------------------

    def find_patients(self, PatientID: str, IssuerOfPatientID: str | None) -> list[Patient]:
        return [one for _, one in self.find_revisioned_patients(PatientID, IssuerOfPatientID)]

    def find_revisions(
        self, PatientID: str, IssuerOfPatientID: str | None
    ) -> list[PatientRevision]:
        """One statement on the ``patient`` row (``rpiq.store.sql_read``); on PostgreSQL in
        autocommit, which saves the ``BEGIN`` and ``ROLLBACK`` round trips."""
        with _store_errors("finding patients"), self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            return sql_read.find_revisions(connection, PatientID, IssuerOfPatientID)

    def find_revisioned_patients(
        self, PatientID: str, IssuerOfPatientID: str | None
    ) -> list[tuple[PatientRevision, Patient]]:
        with _store_errors("finding patients"), self._reading() as connection:
            return sql_read.load_patients(connection, PatientID, IssuerOfPatientID)

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
        with _store_errors("finding fact owners"), self._reading() as connection:
            return _fact_owners(connection, fact_sources)

    def find_identifier_owners(
        self, identifiers: Sequence[PatientIdentifier]
    ) -> dict[PatientIdentifier, list[str]]:
        pairs = sorted({(one.PatientID, one.IssuerOfPatientID) for one in identifiers})
        with _store_errors("finding identifier owners"), self._reading() as connection:
            found = _identifier_owners(connection, pairs)
        return {PatientIdentifier(*pair): sorted(sources) for pair, sources in found.items()}

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
        connection: sa.Connection, table: sa.Table, columns: Sequence[str], keys: list[int]
    ) -> dict[int, list[Sequence[Any]]]:
        """Rows of a child table (``columns`` in order, ``patient_key`` first) for the given
        patients, grouped by patient, in stored order."""
        grouped: dict[int, list[Sequence[Any]]] = defaultdict(list)
        selected = [table.c[name] for name in columns]
        for chunk in _chunks(keys):
            result = connection.execute(
                sa.select(*selected)
                .where(table.c.patient_key.in_(chunk))
                .order_by(table.c.patient_key, table.c.ordinal)
            )
            for row in result:
                grouped[row[0]].append(row)
        return grouped

    @staticmethod
    def _assemble(
        row: sa.RowMapping,
        identifiers: dict[int, list[Sequence[Any]]],
        facts: dict[int, list[Sequence[Any]]],
    ) -> Patient:
        key = row["patient_key"]
        try:
            return convert.patient_from_values(row, identifiers.get(key, []), facts.get(key, []))
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
        records = cls._records(connection, sources, lock=lock)
        return {source: record.patient for source, record in records.items()}

    @classmethod
    def _records(
        cls, connection: sa.Connection, sources: Sequence[str], *, lock: bool
    ) -> dict[str, _Record]:
        """:meth:`_by_sources` with each record's key and content hash."""
        patient_rows: list[sa.RowMapping] = []
        for chunk in _chunks(sources):
            query = sa.select(patient).where(patient.c.source.in_(chunk))
            if lock:
                query = query.with_for_update()
            patient_rows.extend(connection.execute(query).mappings().all())
        if not patient_rows:
            return {}
        keys = [row["patient_key"] for row in patient_rows]
        identifiers = cls._children(
            connection, patient_identifier, convert.IDENTIFIER_COLUMNS, keys
        )
        facts = cls._children(connection, clinical_fact, convert.FACT_COLUMNS, keys)
        return {
            row["source"]: _Record(
                (row["patient_key"], row["content_hash"]),
                cls._assemble(row, identifiers, facts),
            )
            for row in patient_rows
        }

    @classmethod
    def _save(
        cls, connection: sa.Connection, patients: Sequence[Patient], *, write: bool
    ) -> list[SaveOutcome]:
        """Save the patients (replace by source, else by sourceless identifier set); with
        ``write=False`` only decide the outcomes."""
        if not patients:
            return []
        rows = [convert.patient_row(one) for one in patients]
        decision = _decide(rows, cls._stored_records(connection, rows))
        if write:
            for chunk in _chunks(decision.replaced):
                connection.execute(sa.delete(patient).where(patient.c.patient_key.in_(chunk)))
            if decision.written:
                written = decision.written
                cls._insert(connection, [patients[i] for i in written], [rows[i] for i in written])
        return decision.outcomes

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
        identifier_rows: list[tuple[Any, ...]] = []
        fact_rows: list[tuple[Any, ...]] = []
        for key, one in zip(keys, patients, strict=True):
            identifier_rows.extend(convert.identifier_values(key, one))
            fact_rows.extend(convert.fact_value_rows(key, one))
        _bulk_insert(connection, patient_identifier, convert.IDENTIFIER_COLUMNS, identifier_rows)
        _bulk_insert(connection, clinical_fact, convert.FACT_COLUMNS, fact_rows)


def _bulk_insert(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """One ``executemany`` of plain tuples, straight to the driver: SQLAlchemy's per-row
    parameter processing was most of the cost of large imports. The values are already in
    their database form (text, numbers, NULL)."""
    if not rows:
        return
    quote = connection.dialect.identifier_preparer.quote
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(map(quote, columns))
    markers = ", ".join([marker] * len(columns))
    # Only our schema's names are formatted in; every value is a bound parameter.
    statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({markers})"  # noqa: S608
    connection.exec_driver_sql(statement, rows)


@dataclass
class _Decision:
    """What saving rows does: an outcome each, the stored keys replaced, the rows written."""

    outcomes: list[SaveOutcome] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)
    written: list[int] = field(default_factory=list)


def _decide(rows: Sequence[dict[str, Any]], stored: Sequence[_Stored | None]) -> _Decision:
    decision = _Decision()
    for index, (row, found) in enumerate(zip(rows, stored, strict=True)):
        if found is None:
            decision.outcomes.append(SaveOutcome.ADDED)
        elif found[1] == row["content_hash"]:
            decision.outcomes.append(SaveOutcome.UNCHANGED)
            continue
        else:
            decision.outcomes.append(SaveOutcome.UPDATED)
            decision.replaced.append(found[0])
        decision.written.append(index)
    return decision


def _fact_owners(connection: sa.Connection, fact_sources: Sequence[str]) -> dict[str, list[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
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


def _identifier_owners(connection: sa.Connection, pairs: Sequence[_Pair]) -> dict[_Pair, set[str]]:
    """The sources of the records holding each (PatientID, issuer) pair; absent when none."""
    owners: dict[_Pair, set[str]] = defaultdict(set)
    key = sa.tuple_(patient_identifier.c.patient_id, patient_identifier.c.issuer_of_patient_id)
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
            owners[(PatientID, IssuerOfPatientID)].add(source)
    return dict(owners)


def _pairs(identifiers: Iterable[PatientIdentifier]) -> set[_Pair]:
    return {(one.PatientID, one.IssuerOfPatientID) for one in identifiers}
