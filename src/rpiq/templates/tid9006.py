"""TID 9006 Obstetric History (PS3.16-2024c; digest §2.3.6).

Row 2 (DATE, 1-n): one item per gynecological/obstetric fact whose code is in DCID 12003
"OB-GYN Date" (EDD, LMP, ovulation date ...) and whose date value (stored by the importer as
``started``) has a known day. Row 3 (Gestational Age, days): the latest value in ``d`` or
``wk`` (converted to days), with the Observation DateTime the row requires (the fact's
effective time); without one it is omitted. Row 4 (Comment, 1-n): the source's note (the
fact's text) of each fact that rows 2 and 3 use.
"""

from __future__ import annotations

from collections.abc import Iterable

from rpiq.domain import ClinicalFact, Code, FactKind
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cids import CID_12003
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._items import CONTAINS, date_item, num_item, row, text_item
from rpiq.templates._values import format_ds, full_date, latest
from rpiq.templates.content import ContentItem

OBSTETRIC_KINDS = (FactKind.GYNECOLOGICAL, FactKind.OBSTETRIC)
DAYS_PER_UNIT: dict[Code, int] = {src.UCUM_DAY: 1, src.UCUM_WEEK: 7}


class Tid9006(ContainerTemplate[ClinicalFact]):
    """TID 9006 Obstetric History, from gynecological and obstetric facts."""

    TEMPLATE_ID = "9006"

    @property
    def concept_name(self) -> Code:
        return dcm.OBSTETRIC_HISTORY  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        facts = tuple(fact for fact in entries if fact.kind in OBSTETRIC_KINDS)
        dated = tuple(fact for fact in facts if self._date(fact) is not None)
        dates = tuple(item for item in map(self._date, dated) if item is not None)  # row 2
        chosen = self._gestational_fact(facts)
        age = self._gestational_age(chosen) if chosen is not None else None  # row 3
        used = dated + ((chosen,) if age is not None and chosen is not None else ())
        comments = tuple(  # row 4
            text_item(CONTAINS, dcm.COMMENT, fact.text, row=row(self.TEMPLATE_ID, 4))
            for fact in used
            if fact.text
        )
        return dates + ((age,) if age is not None else ()) + comments

    def _date(self, fact: ClinicalFact) -> ContentItem | None:
        concept = CID_12003.canonical(fact.code)
        value = full_date(fact.started)
        if concept is None or value is None:
            return None
        return date_item(CONTAINS, concept, value, row=row(self.TEMPLATE_ID, 2))

    def _gestational_fact(self, facts: tuple[ClinicalFact, ...]) -> ClinicalFact | None:
        return latest(
            fact
            for fact in facts
            if fact.code == dcm.GESTATIONAL_AGE
            and fact.quantity is not None
            and fact.started is not None
        )

    def _gestational_age(self, chosen: ClinicalFact) -> ContentItem | None:
        if chosen.quantity is None or chosen.quantity.unit not in DAYS_PER_UNIT:
            return None
        value = format_ds(chosen.quantity.value * DAYS_PER_UNIT[chosen.quantity.unit])
        if value is None:
            return None
        return num_item(
            CONTAINS,
            dcm.GESTATIONAL_AGE,
            value,
            dcm.DAY,
            row=row(self.TEMPLATE_ID, 3),
            observation_datetime=chosen.started,
        )
