"""TID 3114 Patient Assessment with the TID 300 Measurement rows it names for vital signs
(PS3.16-2024c; digest §2.5.1, §2.5.6).

Row 1's value is (121165, DCM, "Patient Assessment Performed"), not "Observation of Vital
Signs": with the latter, rows 2-9 are MC (IF) and all eight would be required, pulse strength
and pain score included, which sources rarely have; a NUM without a value would need a
Numeric Value Qualifier, which the content tree does not carry. With "Patient Assessment
Performed" the measurement rows are optional, so only measured vitals are emitted.

Each measurement row holds the latest value (``_values.latest``) of the LOINC vital signs
mapped to it, with the template's concept name and EV units; when that latest value is in a
unit the row cannot take as it is, the row is left out (no older value is shown instead).
Rows 8-15 are not emitted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, FactKind
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._items import CONTAINS, HAS_PROPERTIES, code_item, num_item, row
from rpiq.templates._values import format_ds, latest, observed_at
from rpiq.templates.content import ContentItem

TEMPLATE_ID = "3114"
MEASUREMENT_TEMPLATE_ID = "300"
VITAL_KINDS = (FactKind.VITAL_SIGN, FactKind.MEASUREMENT)


@dataclass(frozen=True)
class VitalSignRow:
    """One TID 3114 row that includes TID 300: $Measurement, $Units and what maps to them."""

    row: int
    measurement: Code
    units: Code
    sources: frozenset[Code]
    source_units: frozenset[Code]


VITAL_SIGN_ROWS: tuple[VitalSignRow, ...] = (
    VitalSignRow(
        2,
        dcm.SYSTOLIC_BLOOD_PRESSURE,
        dcm.MILLIMETERS_HG,
        frozenset({src.LN_SYSTOLIC_BLOOD_PRESSURE}),
        frozenset({src.UCUM_MM_HG}),
    ),
    VitalSignRow(
        3,
        dcm.DIASTOLIC_BLOOD_PRESSURE,
        dcm.MILLIMETERS_HG,
        frozenset({src.LN_DIASTOLIC_BLOOD_PRESSURE}),
        frozenset({src.UCUM_MM_HG}),
    ),
    VitalSignRow(
        4,
        dcm.HEART_RATE,
        dcm.BEATS_PER_MINUTE,
        frozenset({src.LN_HEART_RATE}),
        frozenset(
            {src.UCUM_PER_MINUTE, src.UCUM_BEATS_PER_MINUTE, src.UCUM_HEART_BEATS_PER_MINUTE}
        ),
    ),
    VitalSignRow(
        5,
        dcm.BODY_TEMPERATURE,
        dcm.DEGREES_CELSIUS,
        frozenset({src.LN_BODY_TEMPERATURE}),
        frozenset({src.UCUM_CELSIUS}),
    ),
    VitalSignRow(
        6,
        dcm.ARTERIAL_OXYGEN_SATURATION,
        dcm.PERCENT,
        frozenset({src.LN_OXYGEN_SATURATION_ARTERIAL, src.LN_OXYGEN_SATURATION_PULSE_OXIMETRY}),
        frozenset({src.UCUM_PERCENT}),
    ),
    VitalSignRow(
        7,
        dcm.RESPIRATION_RATE,
        dcm.BREATHS_PER_MINUTE,
        frozenset({src.LN_RESPIRATORY_RATE}),
        frozenset({src.UCUM_PER_MINUTE, src.UCUM_BREATHS_PER_MINUTE}),
    ),
)


class Tid300:
    """TID 300 Measurement, row 1 only (NUM with $Measurement and $Units)."""

    def build(self, spec: VitalSignRow, facts: Iterable[ClinicalFact]) -> ContentItem | None:
        """The row's latest measurement, or ``None`` when there is none or its unit is not one
        the row can take (an older value never stands in for it)."""
        chosen = latest(
            fact for fact in facts if fact.code in spec.sources and fact.quantity is not None
        )
        if chosen is None or chosen.quantity is None:
            return None
        value = format_ds(chosen.quantity.value)
        if value is None or chosen.quantity.unit not in spec.source_units:
            return None
        return num_item(
            HAS_PROPERTIES,  # relationship of the including TID 3114 row
            spec.measurement,
            value,
            spec.units,
            row=f"{row(TEMPLATE_ID, spec.row)} > {row(MEASUREMENT_TEMPLATE_ID, 1)}",
            observation_datetime=observed_at(chosen),
        )


class Tid3114:
    """TID 3114 Patient Assessment; ``None`` when no vital sign can be emitted."""

    def build(self, facts: Iterable[ClinicalFact]) -> ContentItem | None:
        vitals = tuple(fact for fact in facts if fact.kind in VITAL_KINDS)
        measurements = tuple(
            item
            for item in (Tid300().build(spec, vitals) for spec in VITAL_SIGN_ROWS)  # rows 2-7
            if item is not None
        )
        if not measurements:
            return None
        return code_item(
            CONTAINS,  # row 1, relationship of the including row (TID 9007 r3, TID 9000 r3)
            dcm.PATIENT_STATUS_OR_EVENT,
            dcm.PATIENT_ASSESSMENT_PERFORMED,
            row=row(TEMPLATE_ID, 1),
            children=measurements,
        )
