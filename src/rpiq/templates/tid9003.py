"""TID 9003 Previous Procedure (PS3.16-2024c; digest §2.3.3).

Its entries are :class:`PreviousProcedure` values the including template derives from procedure
facts (:func:`previous_procedures` merges repeated occurrences of one procedure). One row-2 item
per entry whose code $ProcedureList admits, with:

- row 3 Procedure Modifier, each modifier $ProcedureModifier admits (TID 9000: DCID 6058);
- row 6 Laterality when $LateralityValue admits the side;
- row 7 Procedure DateTime (the most recent occurrence's start). Row 8 Estimated Timeframe
  (XOR row 7) would need the answer's "now" to pick a CID 6164 interval; a builder is a pure
  function of the facts, so an undated procedure gets neither row;
- row 9 Number of occurrences when the procedure was done more than once.

Not filled (no fact carries them): rows 4 (role of the reporter), 5 ($NumConceptName), 10-11
(complications), 12 (result) and 13 (TID 4207 pathology results: no pathology facts exist; the
row is reachable from TID 9000 and TID 9007 when they do).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code
from rpiq.templates import _codes as dcm
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import (
    CONTAINS,
    HAS_CONCEPT_MOD,
    HAS_PROPERTIES,
    code_item,
    datetime_item,
    num_item,
    row,
)
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "9003"


@dataclass(frozen=True)
class PreviousProcedure:
    """One row-2 entry: the procedure, its side and modifiers, latest start, how often done."""

    code: Code
    laterality: Code | None = None
    modifiers: tuple[Code, ...] = ()
    started: str | None = None
    occurrences: int = 1


def procedure_entry(fact: ClinicalFact) -> PreviousProcedure:
    """A procedure fact as a row-2 entry, unchanged."""
    return PreviousProcedure(fact.code, fact.laterality, (), fact.started)


def _later(first: str | None, second: str | None) -> str | None:
    if first is None or second is None:
        return first or second
    return max(first, second, key=lambda when: (when[:14], len(when)))


def merge_procedures(entries: Iterable[PreviousProcedure]) -> tuple[PreviousProcedure, ...]:
    """One entry per (code, laterality, modifiers), in first-seen order: occurrences added up,
    the latest start kept (dates compared as DICOM DT prefixes)."""
    merged: dict[tuple[Code, Code | None, tuple[Code, ...]], PreviousProcedure] = {}
    for entry in entries:
        key = (entry.code, entry.laterality, entry.modifiers)
        seen = merged.get(key)
        if seen is None:
            merged[key] = entry
            continue
        merged[key] = PreviousProcedure(
            entry.code,
            entry.laterality,
            entry.modifiers,
            _later(seen.started, entry.started),
            seen.occurrences + entry.occurrences,
        )
    return tuple(merged.values())


def previous_procedures(facts: Iterable[ClinicalFact]) -> tuple[PreviousProcedure, ...]:
    """The procedure facts as merged row-2 entries (no mapping: TID 9007)."""
    return merge_procedures(map(procedure_entry, facts))


@dataclass(frozen=True)
class Tid9003(ContainerTemplate[PreviousProcedure]):
    """TID 9003 with its parameters $ProcedureList, $ProcedureModifier and $LateralityValue."""

    ProcedureList: ValueSet = ANY_CODE
    LateralityValue: ValueSet = ANY_CODE
    ProcedureModifier: ValueSet = ANY_CODE

    TEMPLATE_ID = TEMPLATE_ID

    @property
    def concept_name(self) -> Code:
        return dcm.RELEVANT_PREVIOUS_PROCEDURES  # row 1

    def children(self, entries: Iterable[PreviousProcedure]) -> tuple[ContentItem, ...]:
        return tuple(item for item in map(self._row2, entries) if item is not None)

    def _row2(self, entry: PreviousProcedure) -> ContentItem | None:
        procedure = self.ProcedureList.canonical(entry.code)
        if procedure is None:
            return None
        return code_item(
            CONTAINS,
            dcm.PREVIOUS_PROCEDURE,
            procedure,
            row=row(TEMPLATE_ID, 2),
            children=self._properties(entry),
        )

    def _properties(self, entry: PreviousProcedure) -> tuple[ContentItem, ...]:
        found = [
            code_item(HAS_CONCEPT_MOD, dcm.PROCEDURE_MODIFIER, modifier, row=row(TEMPLATE_ID, 3))
            for modifier in (self.ProcedureModifier.canonical(m) for m in entry.modifiers)
            if modifier is not None
        ]
        side = self.LateralityValue.canonical(entry.laterality) if entry.laterality else None
        if side is not None:
            found.append(code_item(HAS_PROPERTIES, dcm.LATERALITY, side, row=row(TEMPLATE_ID, 6)))
        if entry.started is not None:
            found.append(
                datetime_item(
                    HAS_PROPERTIES,
                    dcm.PROCEDURE_DATETIME,
                    entry.started,
                    row=row(TEMPLATE_ID, 7),
                )
            )
        if entry.occurrences > 1:
            found.append(
                num_item(
                    HAS_PROPERTIES,
                    dcm.NUMBER_OF_OCCURRENCES,
                    str(entry.occurrences),
                    dcm.NO_UNITS,
                    row=row(TEMPLATE_ID, 9),
                )
            )
        return tuple(found)
