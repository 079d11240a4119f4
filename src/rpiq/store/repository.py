"""The storage interface every other layer uses; ``rpiq.store.sql`` implements it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from rpiq.domain import Patient


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
