"""TID 9001 Gynecological History (PS3.16-2024c; digest §2.3.1).

Facts of kind gynecological or obstetric whose code *is* a row's concept (e.g. LOINC 11996-6
Gravida) fill that row with the latest value; LOINC 42798-9 (Age at menarche) and 42802-9
(Age at menopause) fill rows 4 and 14. NUM rows take the template's EV units; when the latest
value's unit is not the row's quantity (``a`` for ages; ``1`` or ``{#}`` for counts), the row
is left out.
Row 3 (Last menstrual period, DATE) takes the date value, which the importer stores as the
fact's ``started``, and is omitted unless the day is known. Row 21 takes a pregnancy status
whose value is in DCID 6096. Rows 2, 16, 19, 20 and 22 are not emitted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, FactKind
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cids import CID_6096
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import CONTAINS, code_item, date_item, num_item, row
from rpiq.templates._values import format_ds, full_date, latest
from rpiq.templates.content import ContentItem

GYNECOLOGICAL_KINDS = (FactKind.GYNECOLOGICAL, FactKind.OBSTETRIC)
_AGE_UNITS = frozenset({src.UCUM_YEAR})
_COUNT_UNITS = frozenset({src.UCUM_UNITY, src.UCUM_COUNT})
_PREGNANCY_STATUS_CONCEPTS = frozenset({dcm.PREGNANCY_OBSERVABLE, src.LN_PREGNANCY_STATUS})


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


NUM_ROWS: tuple[NumRow, ...] = (
    NumRow(
        4,
        dcm.AGE_WHEN_FIRST_MENSTRUAL_PERIOD_OCCURRED,
        dcm.YEAR,
        _AGE_UNITS,
        frozenset({src.LN_AGE_AT_MENARCHE}),
    ),
    NumRow(5, dcm.AGE_AT_FIRST_FULL_TERM_PREGNANCY, dcm.YEAR, _AGE_UNITS),
    NumRow(6, dcm.PARA, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(7, dcm.TERM, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(8, dcm.PRETERM, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(9, dcm.LIVE_BIRTHS, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(10, dcm.LBW_OR_IUGR, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(11, dcm.GRAVIDA, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(12, dcm.ABORTA, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(13, dcm.ECTOPIC_PREGNANCIES, dcm.NO_UNITS, _COUNT_UNITS),
    NumRow(14, dcm.AGE_AT_MENOPAUSE, dcm.YEAR, _AGE_UNITS, frozenset({src.LN_AGE_AT_MENOPAUSE})),
    NumRow(15, dcm.AGE_WHEN_HYSTERECTOMY_PERFORMED, dcm.YEAR, _AGE_UNITS),
    NumRow(17, dcm.AGE_WHEN_LEFT_OVARY_REMOVED, dcm.YEAR, _AGE_UNITS),
    NumRow(18, dcm.AGE_WHEN_RIGHT_OVARY_REMOVED, dcm.YEAR, _AGE_UNITS),
)


class Tid9001(ContainerTemplate[ClinicalFact]):
    """TID 9001 Gynecological History, from gynecological and obstetric facts."""

    TEMPLATE_ID = "9001"

    @property
    def concept_name(self) -> Code:
        return dcm.GYNECOLOGICAL_HISTORY  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        facts = tuple(fact for fact in entries if fact.kind in GYNECOLOGICAL_KINDS)
        found = [self._last_menstrual_period(facts)]  # row 3
        found.extend(self._num(spec, facts) for spec in NUM_ROWS)  # rows 4-15, 17, 18
        found.append(self._pregnancy(facts))  # row 21
        return tuple(item for item in found if item is not None)

    def _last_menstrual_period(self, facts: tuple[ClinicalFact, ...]) -> ContentItem | None:
        dated = [
            fact
            for fact in facts
            if fact.code == dcm.LAST_MENSTRUAL_PERIOD and full_date(fact.started) is not None
        ]
        chosen = latest(dated)
        value = full_date(chosen.started) if chosen is not None else None
        if value is None:
            return None
        return date_item(CONTAINS, dcm.LAST_MENSTRUAL_PERIOD, value, row=row(self.TEMPLATE_ID, 3))

    def _num(self, spec: NumRow, facts: tuple[ClinicalFact, ...]) -> ContentItem | None:
        chosen = latest(
            fact for fact in facts if spec.matches(fact.code) and fact.quantity is not None
        )
        if chosen is None or chosen.quantity is None:
            return None
        value = format_ds(chosen.quantity.value)
        if value is None or chosen.quantity.unit not in spec.source_units:
            return None
        return num_item(
            CONTAINS, spec.concept, value, spec.units, row=row(self.TEMPLATE_ID, spec.row)
        )

    def _pregnancy(self, facts: tuple[ClinicalFact, ...]) -> ContentItem | None:
        chosen = latest(
            fact
            for fact in facts
            if fact.code in _PREGNANCY_STATUS_CONCEPTS
            and fact.value_code is not None
            and fact.value_code in CID_6096
        )
        status = CID_6096.canonical(chosen.value_code) if chosen and chosen.value_code else None
        if status is None:
            return None
        return code_item(CONTAINS, dcm.PREGNANCY_OBSERVABLE, status, row=row(self.TEMPLATE_ID, 21))
