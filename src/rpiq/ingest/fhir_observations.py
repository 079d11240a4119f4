"""FHIR Observation -> VITAL_SIGN, MEASUREMENT, SOCIAL_HISTORY, GYNECOLOGICAL, OBSTETRIC facts.

Which observations become facts (first rule that applies):

1. status ``entered-in-error`` or ``cancelled``: skipped;
2. Blood pressure panel (LOINC 85354-9), or any ``vital-signs`` observation with components
   and no value of its own: one VITAL_SIGN fact per component with a quantity (systolic
   8480-6, diastolic 8462-4);
3. Tobacco smoking status (72166-2): SOCIAL_HISTORY, the answer as ``value_code``;
4. TID 9001 codes (gravida 11996-6, para 11977-6 and the other counts, pregnancy status
   82810-3, last menstrual period 8665-2, ages at menarche/menopause): GYNECOLOGICAL; TID 9006
   codes (EDD, gestational age): OBSTETRIC. Counts get unit ``(1, UCUM, "no units")``;
   pregnancy status answers are normalised to CID 6096; a date value (LMP, EDD) is ``started``;
5. body measurements (height, weight, BMI, head circumference ...): MEASUREMENT;
6. other ``vital-signs`` observations with a quantity: VITAL_SIGN;
7. anything else is skipped, counted by its category (``laboratory``, ``survey``, ...).

Values (``value[x]``, also of components): Quantity -> ``quantity``; integer -> a quantity
without units; CodeableConcept -> ``value_code`` (text only: ``text``); boolean -> ``value_code``
Yes/No (CID 230); string, time, Range (``low - high``) and Ratio (``n / d``) -> ``text``;
dateTime and Period -> ``started``/``ended`` (the value is a date); SampledData and no value at
all -> skipped.

``started`` is ``effective[x]`` and ``recorded`` is ``issued``, except for date values, where
the value gives ``started``/``ended`` and ``effective[x]`` becomes ``recorded``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rpiq.domain import ClinicalFact, Code, FactKind, FactStatus, Quantity
from rpiq.ingest.fhir_codes import (
    BLOOD_PRESSURE_PANEL,
    BODY_MEASUREMENT_CODES,
    DATE_VALUED_CODES,
    GYNECOLOGICAL_CODES,
    OB_COUNT_CODES,
    OBSTETRIC_CODES,
    PREGNANCY_STATUS_BY_LOINC_ANSWER,
    SMOKING_STATUS,
    YES_NO,
)
from rpiq.ingest.fhir_references import Resolver
from rpiq.ingest.fhir_resources import Mapped, Skipped
from rpiq.ingest.fhir_values import (
    LOINC,
    NO_UNITS,
    FhirFormatError,
    JSONObject,
    code_from_concept,
    concept_text,
    dicom_datetime,
    get_number,
    get_object,
    get_objects,
    get_str,
    period_bounds,
    quantity_from,
)

VITAL_SIGNS = "vital-signs"
_OBSERVATION_SYSTEMS = (LOINC, "http://dicom.nema.org/resources/ontology/DCM")
_FINAL_STATUSES = {"final": FactStatus.COMPLETED, "amended": FactStatus.COMPLETED}
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$")
YES, NO = YES_NO


def observation_facts(resource: JSONObject, source: str, resolve: Resolver) -> Mapped:
    """Observation -> facts, per the rules in the module docstring."""
    status = get_str(resource, "status")
    if status in ("entered-in-error", "cancelled"):
        return Skipped(status or "")
    concept = get_object(resource, "code")
    code = code_from_concept(concept)
    if code is None:
        return Skipped("no coded concept")
    key = _observation_key(concept)
    categories = _categories(resource)
    if key == BLOOD_PRESSURE_PANEL or (VITAL_SIGNS in categories and _is_panel(resource)):
        return _component_facts(resource, source)
    kind = _kind_for(key, categories)
    if kind is None:
        return Skipped(categories[0] if categories else "no category")
    return _single_fact(resource, source, code, kind, key)


def _observation_key(concept: JSONObject | None) -> str:
    """The LOINC (or DCM) code of an observation, the key of the tables in ``fhir_codes``."""
    if concept is None:
        return ""
    for coding in get_objects(concept, "coding"):
        if get_str(coding, "system") in _OBSERVATION_SYSTEMS:
            return get_str(coding, "code") or ""
    return ""


def _categories(resource: JSONObject) -> list[str]:
    return [
        get_str(coding, "code") or ""
        for category in get_objects(resource, "category")
        for coding in get_objects(category, "coding")
    ]


def _is_panel(resource: JSONObject) -> bool:
    has_value = any(name.startswith("value") for name in resource)
    return not has_value and bool(get_objects(resource, "component"))


def _kind_for(key: str, categories: list[str]) -> FactKind | None:
    if key == SMOKING_STATUS:
        return FactKind.SOCIAL_HISTORY
    if key in GYNECOLOGICAL_CODES:
        return FactKind.GYNECOLOGICAL
    if key in OBSTETRIC_CODES:
        return FactKind.OBSTETRIC
    if key in BODY_MEASUREMENT_CODES:
        return FactKind.MEASUREMENT
    if VITAL_SIGNS in categories:
        return FactKind.VITAL_SIGN
    return None


def _effective(resource: JSONObject) -> str | None:
    instant = dicom_datetime(get_str(resource, "effectiveInstant"))
    if instant is not None:
        return instant
    single = dicom_datetime(get_str(resource, "effectiveDateTime"))
    if single is not None:
        return single
    period = get_object(resource, "effectivePeriod")
    return dicom_datetime(get_str(period, "start")) if period is not None else None


def _status(resource: JSONObject) -> FactStatus:
    return _FINAL_STATUSES.get(get_str(resource, "status") or "", FactStatus.UNKNOWN)


@dataclass(frozen=True)
class ObservationValue:
    """The ``value[x]`` of an Observation or of one of its components, in domain terms.

    ``dated``: the value is a date/time or a period (``started``/``ended``); the
    observation's ``effective[x]`` then becomes ``recorded``."""

    value_code: Code | None = None
    quantity: Quantity | None = None
    text: str | None = None
    started: str | None = None
    ended: str | None = None
    dated: bool = False


def observation_value(element: JSONObject, key: str) -> ObservationValue | Skipped:
    """``value[x]`` of ``element`` (an Observation or a component); ``key`` is the concept's
    LOINC code (OB counts lose their units). A Skipped says why there is no usable value."""
    if element.get("valueSampledData") is not None:
        return Skipped("valueSampledData not imported")
    value = _measured_or_coded(element, key) or _dated(element)
    if value is None:
        text = get_str(element, "valueString") or _time_text(element) or _range_text(element)
        value = ObservationValue(text=text) if text is not None else None
    return value if value is not None else Skipped("no value")


def _measured_or_coded(element: JSONObject, key: str) -> ObservationValue | None:
    quantity = _value_quantity(element, key)
    if quantity is not None:
        return ObservationValue(quantity=quantity)
    concept = get_object(element, "valueCodeableConcept")
    if concept is not None:
        return _coded_value(concept)
    boolean = element.get("valueBoolean")
    if boolean is None:
        return None
    if not isinstance(boolean, bool):
        raise FhirFormatError("valueBoolean is not a boolean")
    return ObservationValue(value_code=YES if boolean else NO)


def _dated(element: JSONObject) -> ObservationValue | None:
    started = dicom_datetime(get_str(element, "valueDateTime"))
    if started is not None:
        return ObservationValue(started=started, dated=True)
    begin, end = period_bounds(get_object(element, "valuePeriod"))
    if begin is None and end is None:
        return None
    return ObservationValue(started=begin, ended=end, dated=True)


def _coded_value(concept: JSONObject) -> ObservationValue:
    for coding in get_objects(concept, "coding"):
        answer = PREGNANCY_STATUS_BY_LOINC_ANSWER.get(get_str(coding, "code") or "")
        if answer is not None and get_str(coding, "system") == LOINC:
            return ObservationValue(value_code=answer)
    code = code_from_concept(concept)
    if code is not None:
        return ObservationValue(value_code=code)
    text = concept_text(concept)
    if text is None:
        raise FhirFormatError("valueCodeableConcept has neither a coding nor a text")
    return ObservationValue(text=text)


def _value_quantity(element: JSONObject, key: str) -> Quantity | None:
    quantity = quantity_from(get_object(element, "valueQuantity"))
    if quantity is None:
        integer = get_number(element, "valueInteger")
        quantity = Quantity(integer, NO_UNITS) if integer is not None else None
    if quantity is not None and key in OB_COUNT_CODES:
        return Quantity(quantity.value, NO_UNITS)
    return quantity


def _time_text(element: JSONObject) -> str | None:
    value = get_str(element, "valueTime")
    if value is not None and not _TIME.match(value):
        raise FhirFormatError(f"valueTime {value!r} is not a FHIR time")
    return value


def _range_text(element: JSONObject) -> str | None:
    """valueRange as ``low - high`` and valueRatio as ``numerator / denominator``, in words
    (a range or ratio has no single numeric value in the domain)."""
    for key, parts, joiner in (("valueRange", ("low", "high"), " - "),
                               ("valueRatio", ("numerator", "denominator"), " / ")):  # fmt: skip
        element_value = get_object(element, key)
        if element_value is None:
            continue
        words = [_quantity_words(get_object(element_value, part)) for part in parts]
        if any(words):
            return joiner.join(word or "?" for word in words)
    return None


def _quantity_words(element: JSONObject | None) -> str | None:
    quantity = quantity_from(element)
    if quantity is None:
        return None
    number = f"{quantity.value:g}"
    return number if quantity.unit == NO_UNITS else f"{number} {quantity.unit.value}"


def _component_facts(resource: JSONObject, source: str) -> Mapped:
    """One VITAL_SIGN fact per component that has a code and a value."""
    facts: list[ClinicalFact] = []
    for component in get_objects(resource, "component"):
        concept = get_object(component, "code")
        code = code_from_concept(concept)
        value = observation_value(component, _observation_key(concept))
        if code is None or isinstance(value, Skipped):
            continue
        facts.append(_fact(resource, source, code, FactKind.VITAL_SIGN, value))
    return facts or Skipped("no component value")


def _single_fact(resource: JSONObject, source: str, code: Code, kind: FactKind, key: str) -> Mapped:
    value = observation_value(resource, key)
    if isinstance(value, Skipped):
        return value
    if key in DATE_VALUED_CODES and not value.dated:
        return Skipped("no date value")
    return [_fact(resource, source, code, kind, value)]


def _fact(
    resource: JSONObject, source: str, code: Code, kind: FactKind, value: ObservationValue
) -> ClinicalFact:
    effective = _effective(resource)
    issued = dicom_datetime(get_str(resource, "issued"))
    return ClinicalFact(
        kind=kind,
        code=code,
        status=_status(resource),
        value_code=value.value_code,
        quantity=value.quantity,
        text=value.text,
        started=value.started if value.dated else effective,
        ended=value.ended,
        recorded=effective if value.dated else issued,
        source=source,
    )
