"""The batch of :meth:`rpiq.store.sql.SqlPatientRepository.batch`: many units of work in one
transaction, with lookups read ahead and writes buffered (see :mod:`rpiq.store.sql`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from rpiq.domain import Patient, PatientIdentifier
from rpiq.store import rows as convert
from rpiq.store.repository import (
    PatientRevision,
    PatientWrites,
    Planner,
    SaveOutcome,
    UpdateResult,
)
from rpiq.store.schema import patient
from rpiq.store.sql import (
    SqlPatientRepository,
    _chunks,
    _decide,
    _fact_owners,
    _identifier_owners,
    _Pair,
    _pairs,
    _Record,
)


@dataclass
class _Pending:
    """Writes of a batch not yet sent: stored keys and sources to delete, records to insert."""

    keys: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    patients: list[Patient] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


class SqlBatch:
    """An :class:`~rpiq.store.repository.ImportRepository` whose units of work share one
    transaction (:meth:`SqlPatientRepository.batch`; module docstring).

    :meth:`prefetch` reads what the coming units name; afterwards a lookup is answered from
    that state unless it touches a key written in this batch (or the state was dropped by a
    delete of a record it had not read), in which case the buffered writes are sent and the
    database is asked."""

    def __init__(
        self, repository: SqlPatientRepository, connection: sa.Connection, *, write: bool
    ) -> None:
        self._repository = repository
        self._connection = connection
        self._write = write
        self._owners: dict[_Pair, set[str]] = {}
        self._records: dict[str, _Record | None] = {}
        self._dirty_pairs: set[_Pair] = set()
        self._dirty_sources: set[str] = set()
        self._pending = _Pending()

    # -- state ----------------------------------------------------------------------------

    def prefetch(self, identifiers: Iterable[PatientIdentifier], sources: Iterable[str]) -> None:
        """Read the owners of ``identifiers`` and the records with ``sources`` (and those of
        the owners found): one query per few hundred keys, whatever the number of units."""
        self.flush()
        pairs = sorted(_pairs(identifiers) - self._owners.keys())
        found = _identifier_owners(self._connection, pairs)
        for pair in pairs:
            self._owners[pair] = found.get(pair, set())
            self._dirty_pairs.discard(pair)
        wanted = set(sources).union(*found.values()) - self._records.keys()
        records = SqlPatientRepository._records(self._connection, sorted(wanted), lock=self._write)
        for source in wanted:
            self._records[source] = records.get(source)
            self._dirty_sources.discard(source)

    def flush(self) -> None:
        """Send the buffered writes (deletes first, then inserts in a few statements)."""
        pending, self._pending = self._pending, _Pending()
        for chunk in _chunks(pending.keys):
            self._connection.execute(sa.delete(patient).where(patient.c.patient_key.in_(chunk)))
        for chunk in _chunks(pending.sources):
            self._connection.execute(sa.delete(patient).where(patient.c.source.in_(chunk)))
        if pending.patients:
            SqlPatientRepository._insert(self._connection, pending.patients, pending.rows)

    def _known_records(self, sources: Sequence[str]) -> dict[str, _Record | None] | None:
        """The prefetched records of ``sources`` (``None`` values: not stored), or ``None``
        when any of them is not known cleanly."""
        if any(s not in self._records or s in self._dirty_sources for s in sources):
            return None
        return {source: self._records[source] for source in sources}

    def _read_records(self, sources: Sequence[str]) -> dict[str, _Record | None]:
        known = self._known_records(sources)
        if known is not None:
            return known
        self.flush()
        records = SqlPatientRepository._records(self._connection, sources, lock=self._write)
        return {source: records.get(source) for source in sources}

    def _mark_written(self, records: Iterable[Patient], deleted: Sequence[str]) -> None:
        if not self._write:
            return
        for record in records:
            self._dirty_pairs.update(_pairs(record.identifiers))
            if record.source is not None:
                self._dirty_sources.add(record.source)
        self._dirty_sources.update(deleted)

    # -- ImportRepository -----------------------------------------------------------------

    def find_patients(self, PatientID: str, IssuerOfPatientID: str | None) -> list[Patient]:
        """Outside the batch: what is committed (the batch's writes are not yet)."""
        return self._repository.find_patients(PatientID, IssuerOfPatientID)

    def find_revisions(
        self, PatientID: str, IssuerOfPatientID: str | None
    ) -> list[PatientRevision]:
        """Outside the batch, as :meth:`find_patients`."""
        return self._repository.find_revisions(PatientID, IssuerOfPatientID)

    def find_revisioned_patients(
        self, PatientID: str, IssuerOfPatientID: str | None
    ) -> list[tuple[PatientRevision, Patient]]:
        """Outside the batch, as :meth:`find_patients`."""
        return self._repository.find_revisioned_patients(PatientID, IssuerOfPatientID)

    def count_patients(self) -> int:
        return self._repository.count_patients()

    def close(self) -> None:
        """Nothing: the batch ends with its ``with`` block."""

    def save_patients(self, patients: Sequence[Patient]) -> list[SaveOutcome]:
        return list(self.update_patients((), lambda _: PatientWrites(tuple(patients))).saved)

    def find_fact_owners(self, fact_sources: Sequence[str]) -> dict[str, list[str]]:
        self.flush()
        return _fact_owners(self._connection, fact_sources)

    def find_identifier_owners(
        self, identifiers: Sequence[PatientIdentifier]
    ) -> dict[PatientIdentifier, list[str]]:
        pairs = sorted(_pairs(identifiers))
        if any(pair not in self._owners or pair in self._dirty_pairs for pair in pairs):
            self.flush()
            found = _identifier_owners(self._connection, pairs)
        else:
            found = {pair: self._owners[pair] for pair in pairs if self._owners[pair]}
        return {PatientIdentifier(*pair): sorted(sources) for pair, sources in found.items()}

    def update_patients(
        self, sources: Sequence[str], plan: Planner, *, dry_run: bool = False
    ) -> UpdateResult:
        """One unit of work inside the batch (``dry_run`` must match the batch's)."""
        if dry_run == self._write:
            raise ValueError("a unit of work in a batch must match the batch's dry_run")
        records = self._read_records(sorted(set(sources)))
        writes = plan({s: record.patient for s, record in records.items() if record is not None})
        saved_sources = {one.source for one in writes.save if one.source is not None}
        if saved_sources & set(writes.delete):
            raise ValueError("a unit of work may not both save and delete one source")
        outcomes = self._save(writes.save)
        deleted = self._delete(writes.delete)
        read = [record.patient for record in records.values() if record is not None]
        self._mark_written([*read, *writes.save], deleted)
        return UpdateResult(tuple(outcomes), deleted)

    def _save(self, patients: Sequence[Patient]) -> list[SaveOutcome]:
        if not patients:
            return []
        rows = [convert.patient_row(one) for one in patients]
        sources = [row["source"] for row in rows]
        known = None if None in sources else self._known_records(sources)
        if known is None:
            self.flush()
            stored = SqlPatientRepository._stored_records(self._connection, rows)
        else:
            stored = [None if (r := known[s]) is None else r.stored for s in sources]
        decision = _decide(rows, stored)
        if self._write:
            self._pending.keys.extend(decision.replaced)
            self._pending.patients.extend(patients[i] for i in decision.written)
            self._pending.rows.extend(rows[i] for i in decision.written)
        return decision.outcomes

    def _delete(self, sources: Sequence[str]) -> tuple[str, ...]:
        if not sources:
            return ()
        wanted = sorted(set(sources))
        known = self._known_records(wanted)
        if known is None:
            self.flush()
            present = set(SqlPatientRepository._records(self._connection, wanted, lock=False))
        else:
            present = {source for source, record in known.items() if record is not None}
        if self._write:
            self._pending.sources.extend(sorted(present))
            for source in present:
                record = self._records.get(source)
                if record is None:  # its identifiers are unknown: drop the prefetched owners
                    self._owners.clear()
        return tuple(dict.fromkeys(source for source in sources if source in present))
