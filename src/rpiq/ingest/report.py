"""What an import did: per source (file, bundle, NDJSON line or patient, DICOM patient) and in
total.

The summary line counts patient records added, updated, unchanged and deleted, and the sources
refused (a refused source loaded nothing: a file or bundle refused whole, one NDJSON line, or
one NDJSON patient whose record could not be written). A dry run says so on every line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rpiq.store.repository import SaveOutcome, UpdateResult


class ImportProgress(Protocol):
    """Hears how an import advances (the CLI draws a progress bar from it).

    ``start`` gives the files found and their total size in bytes (0: unknown, e.g. standard
    input); ``advance`` adds files finished, resources written (or checked) and bytes done
    (an NDJSON export's bytes are spread over its patients as they are written)."""

    def start(self, *, files: int, size: int) -> None: ...

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None: ...


class _NoProgress:
    """An :class:`ImportProgress` that ignores everything."""

    def start(self, *, files: int, size: int) -> None:
        pass

    def advance(self, *, files: int = 0, resources: int = 0, size: int = 0) -> None:
        pass


NO_PROGRESS: ImportProgress = _NoProgress()


@dataclass(frozen=True)
class SourceReport:
    """The outcome for one source.

    ``refused`` is the refusal message when nothing of the source was loaded. ``notes`` are
    things that did not stop it (a non-DICOM file ignored, an existing record kept, a DELETE
    of something not stored). ``skipped`` counts what was left out on purpose, by
    ``Type (reason)``.
    """

    location: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: str | None = None
    notes: tuple[str, ...] = ()
    skipped: tuple[tuple[str, int], ...] = ()
    deleted: int = 0

    @classmethod
    def from_outcomes(
        cls,
        location: str,
        outcomes: Sequence[SaveOutcome],
        skipped: tuple[tuple[str, int], ...] = (),
        notes: tuple[str, ...] = (),
    ) -> SourceReport:
        counts = Counter(outcomes)
        return cls(
            location,
            added=counts[SaveOutcome.ADDED],
            updated=counts[SaveOutcome.UPDATED],
            unchanged=counts[SaveOutcome.UNCHANGED],
            notes=notes,
            skipped=skipped,
        )

    @classmethod
    def from_result(
        cls,
        location: str,
        result: UpdateResult,
        skipped: tuple[tuple[str, int], ...] = (),
        notes: tuple[str, ...] = (),
    ) -> SourceReport:
        """The report of one unit of work (:meth:`ImportRepository.update_patients`)."""
        counts = Counter(result.saved)
        return cls(
            location,
            added=counts[SaveOutcome.ADDED],
            updated=counts[SaveOutcome.UPDATED],
            unchanged=counts[SaveOutcome.UNCHANGED],
            notes=notes,
            skipped=skipped,
            deleted=len(result.deleted),
        )

    def line(self, *, dry_run: bool = False) -> str:
        """One human-readable line."""
        if self.refused is not None:
            return f"refused    {self.refused}"
        if not self.added + self.updated + self.unchanged + self.deleted and self.notes:
            return f"note       {self.location}: {'; '.join(self.notes)}"
        verb = "checked" if dry_run else "loaded"
        status = (
            f"{verb:<10} {self.location}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.deleted:
            status += f", {self.deleted} deleted"
        return "; ".join([status, *self.notes])


@dataclass(frozen=True)
class ImportReport:
    """The outcome of one import run (``dry_run``: nothing was written)."""

    sources: tuple[SourceReport, ...]
    dry_run: bool = False

    @property
    def added(self) -> int:
        return sum(source.added for source in self.sources)

    @property
    def updated(self) -> int:
        return sum(source.updated for source in self.sources)

    @property
    def unchanged(self) -> int:
        return sum(source.unchanged for source in self.sources)

    @property
    def deleted(self) -> int:
        return sum(source.deleted for source in self.sources)

    @property
    def refused(self) -> tuple[str, ...]:
        """The refusal messages (each names its file and resource)."""
        return tuple(source.refused for source in self.sources if source.refused is not None)

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.refused

    @property
    def skipped(self) -> dict[str, int]:
        """Everything left out on purpose, summed over the sources, by ``Type (reason)``."""
        total: Counter[str] = Counter()
        for source in self.sources:
            total.update(dict(source.skipped))
        return dict(sorted(total.items()))

    def summary(self) -> str:
        """One line of totals."""
        line = (
            f"{len(self.sources)} sources: {self.added} patients added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted; {len(self.refused)} refused"
        )
        return f"{line} (dry run: nothing written)" if self.dry_run else line

    def lines(self) -> list[str]:
        """The whole report, one line per source, then skipped counts and the summary."""
        lines = [source.line(dry_run=self.dry_run) for source in self.sources]
        skipped = self.skipped
        if skipped:
            counts = ", ".join(f"{label} {count}" for label, count in skipped.items())
            lines.append(f"skipped    {counts}")
        lines.append(self.summary())
        return lines
