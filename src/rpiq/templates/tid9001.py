"""TID 9001 Gynecological History (PS3.16-2024c; digest §2.3.1).

Facts of kind gynecological or obstetric whose code *is* a row's concept (e.g. LOINC 11996-6
Gravida) fill that row with the latest value; LOINC 42798-9 (Age at menarche) and 42802-9
(Age at menopause) fill rows 4 and 14. NUM rows take the template's EV units; when the latest
value's unit is not the row's quantity (``a`` for ages; ``1`` or ``{#}`` for counts), the row
is left out.

- Row 3 (Last menstrual period, DATE) takes the date value, which the importer stores as the
  fact's ``started``, and is omitted unless the day is known.
- Rows 15/16 and 17/18 (ages at hysterectomy and at removal of each ovary): a fact with the
  row's concept, else the age computed from the patient's birth date and the date of a
  hysterectomy / oophorectomy procedure (both dates to the day, completed years); row 16 Extent
  is "Complete" for a total hysterectomy (SCT 116140006). An oophorectomy without a side says
  nothing about which ovary and fills neither row.
- Row 19 Breast feeding history (DCID 230) with row 20 Average breast feeding period (weeks);
  row 21 Pregnancy observable (DCID 6096); row 22 Menstrual Cycle Phase (DCID 6163): facts
  with the row's concept and a value in the row's group.

Not filled: row 2 (role of the reporter; no fact carries it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, FactKind
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cids import CID_230, CID_6096, CID_6163
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import (
    CONTAINS,
    HAS_CONCEPT_MOD,
    HAS_PROPERTIES,
    code_item,
    date_item,
    num_item,
    row,
)
from rpiq.templates._values import age_in_years, format_ds, full_date, latest
from rpiq.templates._valueset import ContextGroup
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "9001"
GYNECOLOGICAL_KINDS = (FactKind.GYNECOLOGICAL, FactKind.OBSTETRIC)
_AGE_UNITS = frozenset({src.UCUM_YEAR})
_COUNT_UNITS = frozenset({src.UCUM_UNITY, src.UCUM_COUNT})
_WEEK_UNITS = frozenset({src.UCUM_WEEK})
_PREGNANCY_STATUS_CONCEPTS = frozenset({dcm.PREGNANCY_OBSERVABLE, src.LN_PREGNANCY_STATUS})

HYSTERECTOMY_EXTENT: dict[Code, Code | None] = {
    src.SCT_HYSTERECTOMY: None,
    src.SCT_TOTAL_HYSTERECTOMY: dcm.COMPLETE,
}
"""Hysterectomy procedures -> row 16 Extent (None: the code does not say)."""

OVARIES_REMOVED: dict[Code, tuple[Code, ...] | None] = {
    src.SCT_OOPHORECTOMY: None,  # which ovary: from the fact's laterality
    src.SCT_BILATERAL_SALPINGO_OOPHORECTOMY: (src.SCT_LEFT, src.SCT_RIGHT),
}
"""Oophorectomy procedures -> the sides whose ovary they remove (None: the fact's side)."""


@dataclass(frozen=True)
class NumRow:
    """A TID 9001 NUM row: concept name, EV units, and the source units that mean the same."""

    row: int
    concept: Code
    units: Code
    source_units: frozenset[Code]
    aliases: frozenset[Code] = frozenset()

    def matches(self, code: Code) -> bool:
        """Whether a fact with ``code`` reports this row's concept."""
        return code == self.concept or code in self.aliases


def _age_row(number: int, concept: Code, *aliases: Code) -> NumRow:
    return NumRow(number, concept, dcm.YEAR, _AGE_UNITS, frozenset(aliases))


def _count_row(number: int, concept: Code) -> NumRow:
    return NumRow(number, concept, dcm.NO_UNITS, _COUNT_UNITS)


NUM_ROWS: tuple[NumRow, ...] = (
    _age_row(4, dcm.AGE_WHEN_FIRST_MENSTRUAL_PERIOD_OCCURRED, src.LN_AGE_AT_MENARCHE),
    _age_row(5, dcm.AGE_AT_FIRST_FULL_TERM_PREGNANCY),
    _count_row(6, dcm.PARA),
    _count_row(7, dcm.TERM),
    _count_row(8, dcm.PRETERM),
    _count_row(9, dcm.LIVE_BIRTHS),
    _count_row(10, dcm.LBW_OR_IUGR),
    _count_row(11, dcm.GRAVIDA),
    _count_row(12, dcm.ABORTA),
    _count_row(13, dcm.ECTOPIC_PREGNANCIES),
    _age_row(14, dcm.AGE_AT_MENOPAUSE, src.LN_AGE_AT_MENOPAUSE),
)
HYSTERECTOMY_ROW = _age_row(15, dcm.AGE_WHEN_HYSTERECTOMY_PERFORMED)
LEFT_OVARY_ROW = _age_row(17, dcm.AGE_WHEN_LEFT_OVARY_REMOVED)
RIGHT_OVARY_ROW = _age_row(18, dcm.AGE_WHEN_RIGHT_OVARY_REMOVED)


def latest_value(spec: NumRow, facts: Iterable[ClinicalFact]) -> str | None:
    """The DS text of the latest value reported for ``spec``, if it is in the row's units."""
    chosen = latest(fact for fact in facts if spec.matches(fact.code) and fact.quantity)
    if chosen is None or chosen.quantity is None:
        return None
    if chosen.quantity.unit not in spec.source_units:
        return None
    return format_ds(chosen.quantity.value)


def _coded(
    facts: Iterable[ClinicalFact], concepts: frozenset[Code], group: ContextGroup
) -> Code | None:
    chosen = latest(
        fact
        for fact in facts
        if fact.code in concepts and fact.value_code is not None and fact.value_code in group
    )
    return group.canonical(chosen.value_code) if chosen and chosen.value_code else None


@dataclass(frozen=True)
class Tid9001(ContainerTemplate[ClinicalFact]):
    """TID 9001 Gynecological History, from gynecological / obstetric facts and, for the ages
    at surgery, procedures and the patient's birth date."""

    PatientBirthDate: str | None = None

    TEMPLATE_ID = TEMPLATE_ID

    @property
    def concept_name(self) -> Code:
        return dcm.GYNECOLOGICAL_HISTORY  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        every = tuple(entries)
        facts = tuple(fact for fact in every if fact.kind in GYNECOLOGICAL_KINDS)
        procedures = tuple(fact for fact in every if fact.kind is FactKind.PROCEDURE)
        found = [self._last_menstrual_period(facts)]  # row 3
        found.extend(self._num(spec, latest_value(spec, facts)) for spec in NUM_ROWS)  # 4-14
        found.append(self._hysterectomy(facts, procedures))  # rows 15, 16
        found.extend(self._ovaries(facts, procedures))  # rows 17, 18
        found.append(self._breast_feeding(facts))  # rows 19, 20
        found.append(
            self._code(21, dcm.PREGNANCY_OBSERVABLE, facts, _PREGNANCY_STATUS_CONCEPTS, CID_6096)
        )
        found.append(
            self._code(
                22,
                dcm.MENSTRUAL_CYCLE_PHASE,
                facts,
                frozenset({dcm.MENSTRUAL_CYCLE_PHASE}),
                CID_6163,
            )
        )
        return tuple(item for item in found if item is not None)

    def _last_menstrual_period(self, facts: tuple[ClinicalFact, ...]) -> ContentItem | None:
        dated = [f for f in facts if f.code == dcm.LAST_MENSTRUAL_PERIOD and full_date(f.started)]
        chosen = latest(dated)
        value = full_date(chosen.started) if chosen is not None else None
        if value is None:
            return None
        return date_item(CONTAINS, dcm.LAST_MENSTRUAL_PERIOD, value, row=row(TEMPLATE_ID, 3))

    def _num(
        self, spec: NumRow, value: str | None, children: tuple[ContentItem, ...] = ()
    ) -> ContentItem | None:
        if value is None:
            return None
        return num_item(
            CONTAINS,
            spec.concept,
            value,
            spec.units,
            row=row(TEMPLATE_ID, spec.row),
            children=children,
        )

    def _surgery_age(self, procedure: ClinicalFact) -> str | None:
        age = age_in_years(self.PatientBirthDate, procedure.started)
        return str(age) if age is not None else None

    def _hysterectomy(
        self, facts: tuple[ClinicalFact, ...], procedures: tuple[ClinicalFact, ...]
    ) -> ContentItem | None:
        stated = latest_value(HYSTERECTOMY_ROW, facts)
        if stated is not None:
            return self._num(HYSTERECTOMY_ROW, stated)
        done = [p for p in procedures if p.code in HYSTERECTOMY_EXTENT and self._surgery_age(p)]
        if not done:
            return None
        first = min(done, key=lambda fact: fact.started or "")
        extent = HYSTERECTOMY_EXTENT[first.code]
        children = (
            (code_item(HAS_CONCEPT_MOD, dcm.EXTENT, extent, row=row(TEMPLATE_ID, 16)),)
            if extent is not None
            else ()
        )
        return self._num(HYSTERECTOMY_ROW, self._surgery_age(first), children)

    def _ovaries(
        self, facts: tuple[ClinicalFact, ...], procedures: tuple[ClinicalFact, ...]
    ) -> list[ContentItem | None]:
        found: list[ContentItem | None] = []
        for spec, side in ((LEFT_OVARY_ROW, src.SCT_LEFT), (RIGHT_OVARY_ROW, src.SCT_RIGHT)):
            stated = latest_value(spec, facts)
            if stated is None:
                removed = sorted(
                    (p for p in procedures if side in _ovary_sides(p) and self._surgery_age(p)),
                    key=lambda fact: fact.started or "",
                )
                stated = self._surgery_age(removed[0]) if removed else None
            found.append(self._num(spec, stated))
        return found

    def _breast_feeding(self, facts: tuple[ClinicalFact, ...]) -> ContentItem | None:
        history = _coded(facts, frozenset({dcm.BREAST_FEEDING_HISTORY}), CID_230)
        if history is None:
            return None
        period_row = NumRow(20, dcm.AVERAGE_BREAST_FEEDING_PERIOD, dcm.WEEK, _WEEK_UNITS)
        period = latest_value(period_row, facts)
        children = (
            (
                num_item(
                    HAS_PROPERTIES,
                    dcm.AVERAGE_BREAST_FEEDING_PERIOD,
                    period,
                    dcm.WEEK,
                    row=row(TEMPLATE_ID, 20),
                ),
            )
            if period is not None
            else ()
        )
        return code_item(
            CONTAINS,
            dcm.BREAST_FEEDING_HISTORY,
            history,
            row=row(TEMPLATE_ID, 19),
            children=children,
        )

    def _code(
        self,
        number: int,
        concept: Code,
        facts: tuple[ClinicalFact, ...],
        sources: frozenset[Code],
        group: ContextGroup,
    ) -> ContentItem | None:
        value = _coded(facts, sources, group)
        if value is None:
            return None
        return code_item(CONTAINS, concept, value, row=row(TEMPLATE_ID, number))


def _ovary_sides(procedure: ClinicalFact) -> tuple[Code, ...]:
    if procedure.code not in OVARIES_REMOVED:
        return ()
    sides = OVARIES_REMOVED[procedure.code]
    if sides is not None:
        return sides
    if procedure.laterality == src.SCT_BILATERAL:
        return (src.SCT_LEFT, src.SCT_RIGHT)
    return (procedure.laterality,) if procedure.laterality is not None else ()
