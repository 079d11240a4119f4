"""TID 9005 Risk Factor (PS3.16-2024c; digest §2.3.5).

Its entries are :class:`RiskFactor` values that the including template derives from facts
(risk factors, allergies, smoking status, family history, breast cancer history: see
``docs/clinical-mapping.md``). One row-2 item per distinct entry whose value $RiskList admits,
with, in table order:

- row 3 Risk Factor modifier, EV "Family history of", when the entry is a relative's condition;
- row 8 Comment: the sources' notes (an allergy's reaction and criticality, a relative's age at
  onset as the source wrote it), joined with "; ";
- row 9 Family Member with Risk Factor (INFERRED FROM) for each relative $FamilyList admits,
  with row 10 Age at Occurrence (years) and row 12 Side of Family (DCID 6097) when known.

Not filled (no fact carries them): rows 4 (gestational age of a premature delivery: "History of
- premature delivery" is never derived), 5 (role of the reporter), 6 (the patient's age at
occurrence), 7 (duration) and 11 (the relative's menopausal phase).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, Quantity
from rpiq.templates import _codes as dcm
from rpiq.templates._cids import CID_6097, CID_7451
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import (
    CONTAINS,
    HAS_CONCEPT_MOD,
    HAS_PROPERTIES,
    INFERRED_FROM,
    code_item,
    num_item,
    row,
    text_item,
)
from rpiq.templates._values import format_ds
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "9005"
_YEARS = "a"


@dataclass(frozen=True)
class FamilyMember:
    """A relative with the risk factor: who, at what age (years) it occurred, which side."""

    relative: Code
    age_at_occurrence: Quantity | None = None
    side_of_family: Code | None = None


@dataclass(frozen=True)
class RiskFactor:
    """One risk factor: its coded value, optionally "Family history of", relatives, notes."""

    value: Code
    family_history: bool = False
    family_members: tuple[FamilyMember, ...] = ()
    comments: tuple[str, ...] = ()


def family_member(fact: ClinicalFact) -> tuple[FamilyMember, ...]:
    """The relative a fact names, with the age at onset (a quantity in years) and the side of
    the family (a CID 6097 value the importer keeps as the fact's category) when known."""
    if fact.relative is None:
        return ()
    quantity = fact.quantity
    age = quantity if quantity is not None and quantity.unit.value == _YEARS else None
    side = fact.category if fact.category is not None and fact.category in CID_6097 else None
    return (FamilyMember(fact.relative, age, side),)


def merge_risk_factors(entries: Iterable[RiskFactor]) -> tuple[RiskFactor, ...]:
    """One entry per (value, family history) in first-seen order: relatives (one per relative
    code, the first seen) and comments (each once) joined."""
    merged: dict[tuple[Code, bool], tuple[list[FamilyMember], list[str]]] = {}
    for entry in entries:
        members, comments = merged.setdefault((entry.value, entry.family_history), ([], []))
        known = {member.relative for member in members}
        members.extend(m for m in entry.family_members if m.relative not in known)
        comments.extend(c for c in entry.comments if c not in comments)
    return tuple(
        RiskFactor(value, family_history, tuple(members), tuple(comments))
        for (value, family_history), (members, comments) in merged.items()
    )


@dataclass(frozen=True)
class Tid9005(ContainerTemplate[RiskFactor]):
    """TID 9005 with its parameters $RiskList and $FamilyList."""

    RiskList: ValueSet = ANY_CODE
    FamilyList: ValueSet = CID_7451

    TEMPLATE_ID = TEMPLATE_ID

    @property
    def concept_name(self) -> Code:
        return dcm.RELEVANT_RISK_FACTORS  # row 1

    def children(self, entries: Iterable[RiskFactor]) -> tuple[ContentItem, ...]:
        rows = (self._row2(entry) for entry in merge_risk_factors(entries))
        return tuple(item for item in rows if item is not None)

    def _row2(self, entry: RiskFactor) -> ContentItem | None:
        value = self.RiskList.canonical(entry.value)
        if value is None:
            return None
        children: list[ContentItem] = []
        if entry.family_history:
            children.append(
                code_item(
                    HAS_CONCEPT_MOD,
                    dcm.RISK_FACTOR_MODIFIER,
                    dcm.FAMILY_HISTORY_OF,
                    row=row(TEMPLATE_ID, 3),
                )
            )
        if entry.comments:
            children.append(
                text_item(
                    HAS_PROPERTIES, dcm.COMMENT, "; ".join(entry.comments), row=row(TEMPLATE_ID, 8)
                )
            )
        children.extend(item for item in map(self._row9, entry.family_members) if item is not None)
        return code_item(
            CONTAINS, dcm.RISK_FACTOR, value, row=row(TEMPLATE_ID, 2), children=tuple(children)
        )

    def _row9(self, member: FamilyMember) -> ContentItem | None:
        relative = self.FamilyList.canonical(member.relative)
        if relative is None:
            return None
        children: list[ContentItem] = []
        age = member.age_at_occurrence
        years = format_ds(age.value) if age is not None and age.unit.value == _YEARS else None
        if years is not None:
            children.append(
                num_item(
                    HAS_PROPERTIES, dcm.AGE_AT_OCCURRENCE, years, dcm.YEAR, row=row(TEMPLATE_ID, 10)
                )
            )
        side = CID_6097.canonical(member.side_of_family) if member.side_of_family else None
        if side is not None:
            children.append(
                code_item(HAS_CONCEPT_MOD, dcm.SIDE_OF_FAMILY, side, row=row(TEMPLATE_ID, 12))
            )
        return code_item(
            INFERRED_FROM,
            dcm.FAMILY_MEMBER_WITH_RISK_FACTOR,
            relative,
            row=row(TEMPLATE_ID, 9),
            children=tuple(children),
        )
