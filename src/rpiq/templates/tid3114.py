"""TID 3114 Patient Assessment with the TID 300 Measurement rows it names for vital signs
(PS3.16-2024c; digest §2.5.1, §2.5.6).

Row 1's value is (121165, DCM, "Patient Assessment Performed"), not "Observation of Vital
Signs": with the latter, rows 2-9 are MC (IF) and all eight would be required, pulse strength
included, which sources rarely have; a NUM without a value would need a Numeric Value
Qualifier, which the content tree does not carry. With "Patient Assessment Performed" the
measurement rows are optional, so only measured values are emitted.

Each measurement row holds the latest value (``_values.latest``) of the LOINC observations
mapped to it, with the template's concept name and units, converted when the source unit is
another unit of the same quantity (a temperature in [degF] becomes Cel); the row's Observation
DateTime is that value's time. Row 9 (Pain Score) keeps the source's unit: its $Units is a
Defined Term ("range 1:10") and a 0-10 numeric rating scale is not that range.

A row's latest value in a unit that does not convert to the row's (a heart rate in Hz) cannot be
that row's NUM; it becomes row 15, a free-text patient assessment (TEXT, concept from BCID 3441,
a Baseline group: the observation's own LOINC concept; text "<value> <unit>"). An older value
never stands in for the latest.

TID 3114 is extensible: every other vital sign or body measurement (height, weight, BMI, head
circumference ...) is added after the table's rows as a TID 300 measurement with the source's
LOINC concept and UCUM unit (labelled ``TID 3114 extension: measurement``), latest value per
concept. HDL and LDL cholesterol are not among them: TID 3802 rows 23/24 hold them.

Not filled (no fact carries them): row 8 (pulse strength) and rows 10-14.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rpiq.domain import ClinicalFact, Code, FactKind
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._cardiac_maps import LIPID_SOURCES
from rpiq.templates._items import (
    CONTAINS,
    HAS_PROPERTIES,
    code_item,
    extension,
    num_item,
    row,
    text_item,
)
from rpiq.templates._values import format_ds, latest, observed_at
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "3114"
MEASUREMENT_TEMPLATE_ID = "300"
VITAL_KINDS = (FactKind.VITAL_SIGN, FactKind.MEASUREMENT)
SCORE = Code("{score}", "UCUM", "score")


def _same(value: float) -> float:
    return value


def _fahrenheit_to_celsius(value: float) -> float:
    return round((value - 32) * 5 / 9, 2)


@dataclass(frozen=True)
class VitalSignRow:
    """One TID 3114 row that includes TID 300: $Measurement, $Units, what maps to them, and
    how each accepted source unit converts to $Units."""

    row: int
    measurement: Code
    units: Code
    sources: frozenset[Code]
    conversions: Mapping[Code, Callable[[float], float]] = field(default_factory=dict)


def _vital(
    number: int, measurement: Code, units: Code, sources: tuple[Code, ...], *same: Code
) -> VitalSignRow:
    return VitalSignRow(number, measurement, units, frozenset(sources), dict.fromkeys(same, _same))


VITAL_SIGN_ROWS: tuple[VitalSignRow, ...] = (
    _vital(2, dcm.SYSTOLIC_BLOOD_PRESSURE, dcm.MILLIMETERS_HG,
           (src.LN_SYSTOLIC_BLOOD_PRESSURE,), src.UCUM_MM_HG),
    _vital(3, dcm.DIASTOLIC_BLOOD_PRESSURE, dcm.MILLIMETERS_HG,
           (src.LN_DIASTOLIC_BLOOD_PRESSURE,), src.UCUM_MM_HG),
    _vital(4, dcm.HEART_RATE, dcm.BEATS_PER_MINUTE, (src.LN_HEART_RATE,),
           src.UCUM_PER_MINUTE, src.UCUM_BEATS_PER_MINUTE, src.UCUM_HEART_BEATS_PER_MINUTE),
    VitalSignRow(5, dcm.BODY_TEMPERATURE, dcm.DEGREES_CELSIUS,
                 frozenset({src.LN_BODY_TEMPERATURE}),
                 {src.UCUM_CELSIUS: _same, src.UCUM_FAHRENHEIT: _fahrenheit_to_celsius}),
    _vital(6, dcm.ARTERIAL_OXYGEN_SATURATION, dcm.PERCENT,
           (src.LN_OXYGEN_SATURATION_ARTERIAL, src.LN_OXYGEN_SATURATION_PULSE_OXIMETRY),
           src.UCUM_PERCENT),
    _vital(7, dcm.RESPIRATION_RATE, dcm.BREATHS_PER_MINUTE, (src.LN_RESPIRATORY_RATE,),
           src.UCUM_PER_MINUTE, src.UCUM_BREATHS_PER_MINUTE),
    _vital(9, dcm.PAIN_SCORE, SCORE, (src.LN_PAIN_SEVERITY_0_10,), SCORE),
)  # fmt: skip
"""Rows 2-7 and 9 in table order."""


class Tid300:
    """TID 300 Measurement, row 1 only (NUM with $Measurement and $Units)."""

    def build(self, spec: VitalSignRow, chosen: ClinicalFact) -> ContentItem | None:
        """The row's measurement from ``chosen``, or ``None`` when its unit does not convert."""
        quantity = chosen.quantity
        if quantity is None or quantity.unit not in spec.conversions:
            return None
        value = format_ds(spec.conversions[quantity.unit](quantity.value))
        if value is None:
            return None
        return num_item(
            HAS_PROPERTIES,  # relationship of the including TID 3114 row
            spec.measurement,
            value,
            spec.units,
            row=f"{row(TEMPLATE_ID, spec.row)} > {row(MEASUREMENT_TEMPLATE_ID, 1)}",
            observation_datetime=observed_at(chosen),
        )

    def build_as_text(self, chosen: ClinicalFact) -> ContentItem | None:
        """Row 15: a measurement no row can take, as free text with its own concept."""
        quantity = chosen.quantity
        value = format_ds(quantity.value) if quantity is not None else None
        if quantity is None or value is None:
            return None
        return text_item(
            HAS_PROPERTIES, chosen.code, f"{value} {quantity.unit.value}", row=row(TEMPLATE_ID, 15)
        )

    def build_as_is(self, chosen: ClinicalFact) -> ContentItem | None:
        """An added measurement: the fact's own concept and unit (TID 3114 is extensible)."""
        quantity = chosen.quantity
        value = format_ds(quantity.value) if quantity is not None else None
        if quantity is None or value is None:
            return None
        return num_item(
            HAS_PROPERTIES,
            chosen.code,
            value,
            quantity.unit,
            row=f"{extension(TEMPLATE_ID, 'measurement')} > {row(MEASUREMENT_TEMPLATE_ID, 1)}",
            observation_datetime=observed_at(chosen),
        )


def _latest_by_code(facts: Iterable[ClinicalFact]) -> dict[Code, ClinicalFact]:
    groups: dict[Code, list[ClinicalFact]] = {}
    for fact in facts:
        groups.setdefault(fact.code, []).append(fact)
    return {code: chosen for code, group in groups.items() if (chosen := latest(group))}


class Tid3114:
    """TID 3114 Patient Assessment; ``None`` when no measurement can be emitted."""

    def build(self, facts: Iterable[ClinicalFact]) -> ContentItem | None:
        vitals = [
            fact
            for fact in facts
            if fact.kind in VITAL_KINDS
            and fact.quantity is not None
            and fact.code not in LIPID_SOURCES
        ]
        rows: list[ContentItem | None] = []
        unconverted: list[ClinicalFact] = []
        for spec in VITAL_SIGN_ROWS:  # rows 2-7, 9
            chosen = latest(fact for fact in vitals if fact.code in spec.sources)
            item = Tid300().build(spec, chosen) if chosen is not None else None
            rows.append(item)
            unconverted.extend(() if item is not None or chosen is None else (chosen,))
        rows.extend(map(Tid300().build_as_text, unconverted))  # row 15
        mapped = frozenset().union(*(spec.sources for spec in VITAL_SIGN_ROWS))
        others = _latest_by_code(fact for fact in vitals if fact.code not in mapped)
        rows.extend(map(Tid300().build_as_is, others.values()))  # extension
        found = tuple(item for item in rows if item is not None)
        if not found:
            return None
        return code_item(
            CONTAINS,  # row 1, relationship of the including row (TID 9007 r3, TID 9000 r3)
            dcm.PATIENT_STATUS_OR_EVENT,
            dcm.PATIENT_ASSESSMENT_PERFORMED,
            row=row(TEMPLATE_ID, 1),
            children=found,
        )
