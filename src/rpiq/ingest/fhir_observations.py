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

``started`` is ``effective[x]`` (except for date values, where ``effective[x]`` becomes
``recorded``); otherwise ``recorded`` is ``issued``.
"""

from __future__ import annotations

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
)
from rpiq.ingest.fhir_resources import Mapped, Resolver, Skipped
from rpiq.ingest.fhir_values import (
    LOINC,
    NO_UNITS,
    FhirFormatError,
    JSONObject,
    code_from_concept,
    dicom_datetime,
    get_number,
    get_object,
    get_objects,
    get_str,
    quantity_from,
)

VITAL_SIGNS = "vital-signs"
_OBSERVATION_SYSTEMS = (LOINC, "http://dicom.nema.org/resources/ontology/DCM")
_FINAL_STATUSES = {"final": FactStatus.COMPLETED, "amended": FactStatus.COMPLETED}


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


def _component_facts(resource: JSONObject, source: str) -> Mapped:
    """One VITAL_SIGN fact per component that has a code and a quantity."""
    facts: list[ClinicalFact] = []
    for component in get_objects(resource, "component"):
        code = code_from_concept(get_object(component, "code"))
        quantity = quantity_from(get_object(component, "valueQuantity"))
        if code is None or quantity is None:
            continue
        facts.append(
            ClinicalFact(
                kind=FactKind.VITAL_SIGN,
                code=code,
                status=_status(resource),
                quantity=quantity,
                started=_effective(resource),
                recorded=dicom_datetime(get_str(resource, "issued")),
                source=source,
            )
        )
    return facts or Skipped("no component value")


def _single_fact(resource: JSONObject, source: str, code: Code, kind: FactKind, key: str) -> Mapped:
    effective = _effective(resource)
    recorded = dicom_datetime(get_str(resource, "issued"))
    value_code = _value_code(resource)
    quantity = _value_quantity(resource, key)
    text = get_str(resource, "valueString")
    started = effective
    if key in DATE_VALUED_CODES:
        started, recorded = dicom_datetime(get_str(resource, "valueDateTime")), effective
        if started is None:
            return Skipped("no value")
    elif value_code is None and quantity is None and text is None:
        return Skipped("no value")
    fact = ClinicalFact(
        kind=kind,
        code=code,
        status=_status(resource),
        value_code=value_code,
        quantity=quantity,
        text=text,
        started=started,
        recorded=recorded,
        source=source,
    )
    return [fact]


def _value_code(resource: JSONObject) -> Code | None:
    concept = get_object(resource, "valueCodeableConcept")
    if concept is None:
        return None
    for coding in get_objects(concept, "coding"):
        answer = PREGNANCY_STATUS_BY_LOINC_ANSWER.get(get_str(coding, "code") or "")
        if answer is not None and get_str(coding, "system") == LOINC:
            return answer
    code = code_from_concept(concept)
    if code is None:
        raise FhirFormatError("valueCodeableConcept has no coding")
    return code


def _value_quantity(resource: JSONObject, key: str) -> Quantity | None:
    quantity = quantity_from(get_object(resource, "valueQuantity"))
    if quantity is None:
        integer = get_number(resource, "valueInteger")
        quantity = Quantity(integer, NO_UNITS) if integer is not None else None
    if quantity is not None and key in OB_COUNT_CODES:
        return Quantity(quantity.value, NO_UNITS)
    return quantity
