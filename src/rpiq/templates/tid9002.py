"""TID 9002 Medication, Substance, Environmental Exposure (PS3.16-2024c; digest §2.3.2).

One row-2 item per fact whose code the $CodeValue value set admits (after any mapping the
including template applied). Under it, in table order:

- row 3 Classification: the drug class ``classify`` gives ($Classification is not set by TID
  9007 or TID 9000, so any code; ``_drug_classes`` lists the classes used);
- rows 7/8 DateTime Started / Ended: the fact's start and end;
- row 10 Ongoing (DCID 230): active is Yes; completed or stopped is No; otherwise left out;
- row 11 Brand Name: the brand an RxNorm branded drug names in brackets;
- row 12 (concept from DCID 6092): a quantity per unit of time (UCUM ``.../d``, ``/h`` ...);
- rows 13/14 (concepts from DCID 6093/6094, values DCID 6090/6091): a coded value that is a
  relative amount or a relative frequency. Rows 12-14 take the concept that fits the
  container: medication "Dosage", "Relative dose amount", "Relative dose frequency"; substance
  "Volume of use", "Relative amount of use", "Relative frequency of use"; environmental
  exposure "Rate of exposure", "Relative amount of exposure", "Relative frequency of exposure"
  (the pairs the table's note asks for).

Not filled (no fact carries them): rows 4 (role of the reporter), 5/6 (ages started/ended),
9 (duration) and 15-17 (route, site, laterality). A dosage instruction kept as text is not a
quantity and is not turned into one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, FactStatus
from rpiq.templates import _codes as dcm
from rpiq.templates._cids import CID_6090, CID_6091
from rpiq.templates._container import ContainerTemplate
from rpiq.templates._drug_classes import brand_name, classification
from rpiq.templates._items import (
    CONTAINS,
    HAS_CONCEPT_MOD,
    HAS_PROPERTIES,
    code_item,
    datetime_item,
    num_item,
    row,
    text_item,
)
from rpiq.templates._values import format_ds
from rpiq.templates._valueset import ANY_CODE, ValueSet
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "9002"
PER_TIME_UNITS = ("/s", "/min", "/h", "/d", "/wk", "/mo", "/a")

ONGOING_BY_STATUS: dict[FactStatus, Code] = {
    FactStatus.ACTIVE: dcm.YES,
    FactStatus.COMPLETED: dcm.NO,
    FactStatus.STOPPED: dcm.NO,
}


@dataclass(frozen=True)
class UsageConcepts:
    """The concept names of rows 12, 13 and 14 for one kind of container."""

    quantity: Code
    amount: Code
    frequency: Code


MEDICATION_USAGE = UsageConcepts(dcm.DOSAGE, dcm.RELATIVE_DOSE_AMOUNT, dcm.RELATIVE_DOSE_FREQUENCY)
SUBSTANCE_USAGE = UsageConcepts(
    dcm.VOLUME_OF_USE, dcm.RELATIVE_AMOUNT_OF_USE, dcm.RELATIVE_FREQUENCY_OF_USE
)
EXPOSURE_USAGE = UsageConcepts(
    dcm.RATE_OF_EXPOSURE, dcm.RELATIVE_AMOUNT_OF_EXPOSURE, dcm.RELATIVE_FREQUENCY_OF_EXPOSURE
)


def _no_class(_: Code) -> Code | None:
    return None


@dataclass(frozen=True)
class Tid9002(ContainerTemplate[ClinicalFact]):
    """TID 9002 with its parameters: $ContainerConcept, $CodeConcept, $CodeValue, and how
    $Classification is found for a code."""

    ContainerConcept: Code
    CodeConcept: Code
    CodeValue: ValueSet = ANY_CODE
    Usage: UsageConcepts = MEDICATION_USAGE
    classify: Callable[[Code], Code | None] = _no_class

    TEMPLATE_ID = TEMPLATE_ID

    @property
    def concept_name(self) -> Code:
        return self.ContainerConcept  # row 1

    def children(self, entries: Iterable[ClinicalFact]) -> tuple[ContentItem, ...]:
        return tuple(item for item in map(self._row2, entries) if item is not None)

    def _row2(self, fact: ClinicalFact) -> ContentItem | None:
        value = self.CodeValue.canonical(fact.code)
        if value is None:
            return None
        properties = (
            *self._classification(fact),  # row 3
            *self._dates(fact),  # rows 7, 8
            *self._ongoing(fact),  # row 10
            *self._brand(fact),  # row 11
            *self._usage(fact),  # rows 12-14
        )
        return code_item(
            CONTAINS, self.CodeConcept, value, row=row(TEMPLATE_ID, 2), children=properties
        )

    def _classification(self, fact: ClinicalFact) -> tuple[ContentItem, ...]:
        found = self.classify(fact.code)
        if found is None:
            return ()
        return (code_item(HAS_CONCEPT_MOD, dcm.CLASSIFICATION, found, row=row(TEMPLATE_ID, 3)),)

    def _dates(self, fact: ClinicalFact) -> tuple[ContentItem, ...]:
        return tuple(
            datetime_item(HAS_PROPERTIES, concept, value, row=row(TEMPLATE_ID, number))
            for number, concept, value in (
                (7, dcm.DATETIME_STARTED, fact.started),
                (8, dcm.DATETIME_ENDED, fact.ended),
            )
            if value is not None
        )

    def _ongoing(self, fact: ClinicalFact) -> tuple[ContentItem, ...]:
        ongoing = ONGOING_BY_STATUS.get(fact.status)
        if ongoing is None:
            return ()
        return (code_item(HAS_PROPERTIES, dcm.ONGOING, ongoing, row=row(TEMPLATE_ID, 10)),)

    def _brand(self, fact: ClinicalFact) -> tuple[ContentItem, ...]:
        brand = brand_name(fact.code)
        if brand is None:
            return ()
        return (text_item(HAS_PROPERTIES, dcm.BRAND_NAME, brand, row=row(TEMPLATE_ID, 11)),)

    def _usage(self, fact: ClinicalFact) -> tuple[ContentItem, ...]:
        found: list[ContentItem] = []
        quantity = fact.quantity
        value = format_ds(quantity.value) if quantity is not None else None
        if quantity is not None and value is not None and is_per_time(quantity.unit):
            found.append(
                num_item(
                    HAS_PROPERTIES,
                    self.Usage.quantity,
                    value,
                    quantity.unit,
                    row=row(TEMPLATE_ID, 12),
                )
            )
        for number, concept, group in (
            (13, self.Usage.amount, CID_6090),
            (14, self.Usage.frequency, CID_6091),
        ):
            coded = group.canonical(fact.value_code) if fact.value_code else None
            if coded is not None:
                found.append(
                    code_item(HAS_PROPERTIES, concept, coded, row=row(TEMPLATE_ID, number))
                )
        return tuple(found)


def is_per_time(unit: Code) -> bool:
    """Whether a UCUM unit is a quantity per unit of time (row 12's requirement)."""
    return unit.scheme == "UCUM" and unit.value.endswith(PER_TIME_UNITS)


MEDICATION_HISTORY = Tid9002(
    dcm.HISTORY_OF_MEDICATION_USE, dcm.MEDICATION_TYPE, classify=classification
)
"""TID 9007 row 4 (and the TID 9002 root): medications, any code, classified by drug class."""

SUBSTANCE_USE_HISTORY = Tid9002(
    dcm.SUBSTANCE_USE_HISTORY, dcm.USED_SUBSTANCE_TYPE, Usage=SUBSTANCE_USAGE
)
"""TID 9007 row 5: substances; $CodeValue is BCID 6089 (Baseline), so any code."""

ENVIRONMENTAL_EXPOSURE_HISTORY = Tid9002(
    dcm.ENVIRONMENTAL_EXPOSURE_HISTORY, dcm.ENVIRONMENTAL_FACTOR, Usage=EXPOSURE_USAGE
)
"""TID 9007 row 6: environmental factors, any code."""
