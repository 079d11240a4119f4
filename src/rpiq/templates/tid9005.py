"""TID 9005 Risk Factor (PS3.16-2024c; digest §2.3.5).

Its entries are :class:`RiskFactor` values that the including template derives from facts
(risk factors, allergies, smoking status, family history: see ``docs/templates.md``). One
row-2 item per distinct entry whose value $RiskList admits, with row 3 (Risk Factor modifier, EV
"Family history of") when the entry carries it, and row 9 (Family Member with Risk Factor,
INFERRED FROM) when $FamilyList admits the relative. Rows 4-8 and 10-12 are not emitted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import Code
from rpiq.templates import _codes as dcm
from rpiq.templates._cids import CID_7451
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import CONTAINS, HAS_CONCEPT_MOD, INFERRED_FROM, code_item, row
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem


@dataclass(frozen=True)
class RiskFactor:
    """One risk factor: its coded value, optionally "Family history of", and the relatives."""

    value: Code
    family_history: bool = False
    family_members: tuple[Code, ...] = ()


def merge_risk_factors(entries: Iterable[RiskFactor]) -> tuple[RiskFactor, ...]:
    """One entry per (value, family history), relatives joined, in first-seen order."""
    merged: dict[tuple[Code, bool], list[Code]] = {}
    for entry in entries:
        members = merged.setdefault((entry.value, entry.family_history), [])
        members.extend(member for member in entry.family_members if member not in members)
    return tuple(
        RiskFactor(value, family_history, tuple(members))
        for (value, family_history), members in merged.items()
    )


@dataclass(frozen=True)
class Tid9005(ContainerTemplate[RiskFactor]):
    """TID 9005 with its parameters $RiskList and $FamilyList."""

    RiskList: ValueSet = ANY_CODE
    FamilyList: ValueSet = CID_7451

    TEMPLATE_ID = "9005"

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
                    row=row(self.TEMPLATE_ID, 3),
                )
            )
        for relative in entry.family_members:
            member = self.FamilyList.canonical(relative)
            if member is not None:
                children.append(
                    code_item(
                        INFERRED_FROM,
                        dcm.FAMILY_MEMBER_WITH_RISK_FACTOR,
                        member,
                        row=row(self.TEMPLATE_ID, 9),
                    )
                )
        return code_item(
            CONTAINS,
            dcm.RISK_FACTOR,
            value,
            row=row(self.TEMPLATE_ID, 2),
            children=tuple(children),
        )
