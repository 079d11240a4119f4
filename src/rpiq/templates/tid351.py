"""TID 351 Previous Reports, row 13 of TID 9007 (PS3.16-2024c; digest §2.5.5).

Row 2 is a COMPOSITE: a reference to a stored report by SOP Class and SOP Instance UID. A fact
of kind previous-report names the report's title as its code and carries the reference as its
``source`` in the form ``sop:<SOP Class UID>/<SOP Instance UID>`` (:func:`referenced_sop`);
one row-2 item per such fact, the title as the item's concept name (the table allows the root
concept name of an SR document there). A previous-report fact without a reference cannot be a
COMPOSITE; TID 9007 lists it instead (see ``tid9007``). No importer creates previous-report
facts today, so the row is reachable but unfilled for imported patients.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rpiq.domain import ClinicalFact, FactKind
from rpiq.templates import _codes as dcm
from rpiq.templates._items import CONTAINS, composite_item, container_item, row
from rpiq.templates.content import CompositeReference, ContentItem

TEMPLATE_ID = "351"
_UID = r"[0-9]+(?:\.[0-9]+)*"
_SOP_SOURCE = re.compile(rf"^sop:({_UID})/({_UID})$")
UID_MAX_CHARS = 64


def referenced_sop(fact: ClinicalFact) -> CompositeReference | None:
    """The stored instance a previous-report fact refers to, when its source names one."""
    found = _SOP_SOURCE.match(fact.source or "")
    if found is None or max(len(found.group(1)), len(found.group(2))) > UID_MAX_CHARS:
        return None
    return CompositeReference(found.group(1), found.group(2))


class Tid351:
    """The previous reports of a patient, or ``None`` when no fact references one."""

    def build(self, facts: Iterable[ClinicalFact]) -> ContentItem | None:
        reports = tuple(
            composite_item(CONTAINS, fact.code, reference, row=row(TEMPLATE_ID, 2))
            for fact in facts
            if fact.kind is FactKind.PREVIOUS_REPORT
            and (reference := referenced_sop(fact)) is not None
        )
        if not reports:
            return None
        return container_item(
            dcm.PREVIOUS_REPORTS, reports, row=row(TEMPLATE_ID, 1), template_id=TEMPLATE_ID
        )
