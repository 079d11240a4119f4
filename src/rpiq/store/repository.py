"""The storage interface every other layer uses; ``rpiq.store.sql`` implements it.

:class:`PatientRepository` is what the query service needs (lookup) plus whole-record saves.
:class:`ImportRepository` adds what incremental imports need (revision 0002): finding the
records that hold a resource's facts, and read-modify-write units of work that save and delete
records in one transaction (an update bundle carrying one changed Condition, a DELETE entry, a
Patient.link merge).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from rpiq.domain import Patient, PatientIdentifier


class SaveOutcome(StrEnum):
    """What saving one patient record did."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class PatientRepository(Protocol):
    """Patients by identifier, saved in all-or-nothing batches."""

    def find_patients(self, PatientID: str, IssuerOfPatientID: str | None) -> list[Patient]:
        """Every stored patient having an identifier with exactly this Patient ID
        (case-sensitive; the caller has already removed insignificant trailing spaces) and,
        unless ``IssuerOfPatientID`` is ``None``, exactly this issuer (``""`` matches only
        identifiers without an issuer). An indexed point query; raises ``StoreError``."""
        ...

    def save_patients(self, patients: Sequence[Patient]) -> list[SaveOutcome]:
        """Save the patients in one transaction: all of them or none (raises ``StoreError``).

        A patient whose ``source`` is already stored replaces that record; without a source,
        a stored patient with the same identifier set is replaced. Saving identical content
        again changes nothing and reports ``UNCHANGED``.

        (SQL implementation: the identifier-set rule only considers stored records without a
        source, so a sourceless record never overwrites one owned by a source. Which record
        each patient replaces is decided against the database as it was before the batch, so
        a batch naming the same new source, or the same sourceless identifier set, twice is
        refused whole by a unique constraint.)"""
        ...

    def count_patients(self) -> int:
        """How many patient records are stored."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True)
class PatientWrites:
    """What one unit of work writes: records to save (each replaces the stored record with
    its ``source``, exactly as :meth:`PatientRepository.save_patients` does) and stored
    records to delete, by ``source``. A source may not be both saved and deleted."""

    save: tuple[Patient, ...] = ()
    delete: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdateResult:
    """What a unit of work did: one outcome per saved record, in order, and the sources of
    the records actually deleted (a source that was not stored is not listed)."""

    saved: tuple[SaveOutcome, ...] = ()
    deleted: tuple[str, ...] = ()


Planner = Callable[[Mapping[str, Patient]], PatientWrites]
"""``plan(stored)``: given the stored records read by source, what to write. It may raise
(e.g. ``ImportRefused``): the unit of work is then rolled back and the error propagates."""


@dataclass(frozen=True)
class PatientRevision:
    """One stored record's content, named without reading it: its surrogate key and its
    content hash (SHA-256 over every field, identifiers and facts included).

    Stored records are never changed in place: every write that changes a record deletes it
    and inserts the new content (a new key, and a new hash), and identical content is not
    rewritten. So an equal revision means an equal record, on every server sharing the
    database, and anything derived from a record may be cached under its revision."""

    patient_key: int
    content_hash: str


@runtime_checkable
class RevisionedRepository(PatientRepository, Protocol):
    """A :class:`PatientRepository` that can name a record's revision before loading it, so
    that a reader can reuse what it derived from an unchanged record."""

    def find_revisions(
        self, PatientID: str, IssuerOfPatientID: str | None
    ) -> list[PatientRevision]:
        """The revisions of the records :meth:`find_patients` would return, in the same
        order: one indexed statement, no identifier or fact rows read. Raises
        ``StoreError``."""
        ...

    def find_revisioned_patients(
        self, PatientID: str, IssuerOfPatientID: str | None
    ) -> list[tuple[PatientRevision, Patient]]:
        """:meth:`find_patients` with each record's revision (read in the same snapshot)."""
        ...


class ImportRepository(PatientRepository, Protocol):
    """A :class:`PatientRepository` that importers can update incrementally."""

    def find_fact_owners(self, fact_sources: Sequence[str]) -> dict[str, list[str]]:
        """For each of ``fact_sources`` (e.g. ``Condition/123``) held by stored facts, the
        sources of the records holding them (sorted; records without a source are left out).
        Sources held by no fact are absent from the result. Raises ``StoreError``."""
        ...

    def find_identifier_owners(
        self, identifiers: Sequence[PatientIdentifier]
    ) -> dict[PatientIdentifier, list[str]]:
        """For each of ``identifiers`` held by stored records (exactly that Patient ID and
        issuer), the sources of those records (sorted; records without a source are left
        out). One indexed query per few hundred identifiers. Raises ``StoreError``."""
        ...

    def update_patients(
        self, sources: Sequence[str], plan: Planner, *, dry_run: bool = False
    ) -> UpdateResult:
        """One read-modify-write transaction: read the stored records whose ``source`` is in
        ``sources`` (locked against concurrent writers where the database can), call
        ``plan(stored)`` with them (by source; absent sources are simply missing) and write
        what it returns: all of it or nothing. Outcomes are decided as ``save_patients``
        decides them (identical content is ``UNCHANGED`` and not rewritten).

        ``dry_run``: the same reads and decisions in a read-only transaction; nothing is
        written, and the result says what would have been. Raises ``StoreError``; whatever
        ``plan`` raises propagates after the rollback."""
        ...
