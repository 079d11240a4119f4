"""FHIR R4 JSON data types -> domain values: codes, dates, quantities (``docs/fhir-mapping.md``).

Every function here reads untrusted JSON. A value of the wrong shape raises
:class:`FhirFormatError` with a short reason; the bundle reader adds the file and the resource
(``rpiq.ingest.fhir_bundle``) and refuses the bundle.

Coding systems become DICOM Coding Scheme Designators through :data:`SCHEME_BY_SYSTEM`. A system
not in that table keeps a readable designator: the last segment of the URI (after the last
``/`` or ``:``), upper-cased and cut to 16 characters (SH), e.g.
``http://hl7.org/fhir/sid/icd-10-cm`` -> ``ICD-10-CM``. Code Meaning is ``coding.display``, else
``CodeableConcept.text``, else the code value itself; it is kept in full (the encode layer
applies the 64-character LO limit).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from rpiq.domain import Code, Quantity

JSONObject = dict[str, Any]
"""A FHIR JSON object as ``json.load`` returns it."""

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
IPS_ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
"""IPS codes for "no information about ..." and "no known ...": statements, never facts."""

SCHEME_BY_SYSTEM: dict[str, str] = {
    SNOMED: "SCT",
    LOINC: "LN",
    RXNORM: "RXNORM",
    "http://hl7.org/fhir/sid/cvx": "CVX",
    UCUM: "UCUM",
    "http://dicom.nema.org/resources/ontology/DCM": "DCM",
    "http://www.nlm.nih.gov/research/umls": "UMLS",
    "http://hl7.org/fhir/sid/icd-10": "I10",
    "http://hl7.org/fhir/sid/icd-9-cm": "I9C",
}
"""FHIR code system URI -> DICOM Coding Scheme Designator (PS3.16 Table 8-1)."""

_SCHEME_PREFERENCE = ("SCT", "LN", "RXNORM", "DCM", "CVX")
"""When a CodeableConcept has several codings, the first coding in one of these schemes wins
(in this order); otherwise the first usable coding."""

SH_LENGTH = 16

NO_UNITS = Code("1", "UCUM", "no units")

_FHIR_DATETIME = re.compile(
    r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class FhirFormatError(ValueError):
    """A FHIR element that cannot be read (the reason, without file or resource)."""


# --- typed access to JSON ----------------------------------------------------------------------


def get_object(element: JSONObject, key: str) -> JSONObject | None:
    """``element[key]`` when it is a JSON object; ``None`` when absent."""
    value = element.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FhirFormatError(f"{key} is not a JSON object")
    return value


def get_objects(element: JSONObject, key: str) -> list[JSONObject]:
    """``element[key]`` when it is an array of JSON objects; ``[]`` when absent."""
    value = element.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FhirFormatError(f"{key} is not an array of JSON objects")
    for item in value:
        if item.__class__ is not dict and not isinstance(item, dict):
            raise FhirFormatError(f"{key} is not an array of JSON objects")
    return value


def get_str(element: JSONObject, key: str) -> str | None:
    """``element[key]`` when it is a non-empty string; ``None`` when absent or empty."""
    value = element.get(key)
    if value.__class__ is str:
        return value.strip() or None
    if value is None:
        return None
    if not isinstance(value, str):
        raise FhirFormatError(f"{key} is not a string")
    return value.strip() or None


def get_strs(element: JSONObject, key: str) -> list[str]:
    """``element[key]`` when it is an array of strings (empty strings dropped)."""
    value = element.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FhirFormatError(f"{key} is not an array of strings")
    return [item.strip() for item in value if item.strip()]


def get_number(element: JSONObject, key: str) -> float | None:
    """``element[key]`` when it is a JSON number."""
    value = element.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FhirFormatError(f"{key} is not a number")
    return float(value)


# --- codes -------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def scheme_for_system(system: str) -> str:
    """The Coding Scheme Designator for a FHIR code system URI (module docstring); cached
    (a pure function of a string, called for every coding)."""
    known = SCHEME_BY_SYSTEM.get(system.rstrip("/"))
    if known is not None:
        return known
    segments = [segment for segment in re.split(r"[/:]", system) if segment]
    if not segments:
        raise FhirFormatError(f"coding system {system!r} is not a URI")
    return segments[-1].upper()[:SH_LENGTH]


def code_from_coding(coding: JSONObject, text: str | None = None) -> Code | None:
    """A Coding as a :class:`Code`; ``None`` when it lacks a system or a code."""
    system = get_str(coding, "system")
    value = get_str(coding, "code")
    if system is None or value is None:
        return None
    meaning = get_str(coding, "display") or text or value
    return _code(value, system, meaning, get_str(coding, "version"))


@lru_cache(maxsize=16384)
def _code(value: str, system: str, meaning: str, version: str | None) -> Code:
    """One immutable :class:`Code` per (code, system, meaning, version): the same codes come
    back in every resource of an import."""
    return Code(value, scheme_for_system(system), meaning, version)


def code_from_concept(concept: JSONObject | None) -> Code | None:
    """A CodeableConcept as one :class:`Code` (preferred scheme first); ``None`` without a
    usable coding (a text-only concept has no code)."""
    if concept is None:
        return None
    text = get_str(concept, "text")
    codings = get_objects(concept, "coding")
    if len(codings) == 1:  # the usual case: no preference to apply
        return code_from_coding(codings[0], text)
    codes = [code_from_coding(coding, text) for coding in codings]
    usable = [code for code in codes if code is not None]
    for scheme in _SCHEME_PREFERENCE:
        for code in usable:
            if code.scheme == scheme:
                return code
    return usable[0] if usable else None


def concept_text(concept: JSONObject | None) -> str | None:
    """A CodeableConcept as words: its text, else its first display."""
    if concept is None:
        return None
    text = get_str(concept, "text")
    if text is not None:
        return text
    displays = [get_str(coding, "display") for coding in get_objects(concept, "coding")]
    return next((display for display in displays if display), None)


def concept_has(concept: JSONObject | None, system: str, codes: frozenset[str]) -> bool:
    """Whether a CodeableConcept carries one of ``codes`` from ``system``."""
    if concept is None:
        return False
    return any(
        get_str(coding, "system") == system and get_str(coding, "code") in codes
        for coding in get_objects(concept, "coding")
    )


def status_code(element: JSONObject, key: str) -> str | None:
    """The code of a status CodeableConcept (``clinicalStatus``, ``verificationStatus``).

    A plain string (the STU3 form of AllergyIntolerance statuses) is read as the code."""
    if isinstance(element.get(key), str):
        return get_str(element, key)
    concept = get_object(element, key)
    if concept is None:
        return None
    codes = [get_str(coding, "code") for coding in get_objects(concept, "coding")]
    return next((code for code in codes if code), None)


# --- dates -------------------------------------------------------------------------------------


def dicom_datetime(value: str | None) -> str | None:
    """A FHIR date, dateTime or instant in DICOM form, keeping its precision.

    ``2012-05-03T10:00:00+02:00`` -> ``20120503100000+0200``; ``Z`` -> ``+0000``; ``1973-11``
    -> ``197311``; fractions of a second are cut to 6 digits (DT). Raises on an invalid value.
    """
    if value is None:
        return None
    return _dicom_datetime(value)


@lru_cache(maxsize=16384)
def _dicom_datetime(value: str) -> str:
    """:func:`dicom_datetime` of a string, cached: dates repeat across an import's resources
    (an invalid value raises every time; exceptions are not cached)."""
    match = _FHIR_DATETIME.match(value)
    if match is None:
        raise FhirFormatError(f"{value!r} is not a FHIR date/dateTime")
    parts = match.groupdict()
    _check_calendar(value, parts)
    result = "".join(
        parts[name] or "" for name in ("year", "month", "day", "hour", "minute", "second")
    )
    if parts["fraction"]:
        result += parts["fraction"][:7]
    return result + _dicom_offset(value, parts["zone"])


def dicom_date(value: str | None) -> str | None:
    """A FHIR ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) in DICOM form."""
    result = dicom_datetime(value)
    if result is not None and len(result) > 8:
        raise FhirFormatError(f"{value!r} is not a FHIR date")
    return result


def _check_calendar(value: str, parts: dict[str, str | None]) -> None:
    try:
        datetime(
            int(parts["year"] or 1),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
        )
    except ValueError as exc:
        raise FhirFormatError(f"{value!r} is not a valid date/time: {exc}") from exc


def _dicom_offset(value: str, zone: str | None) -> str:
    if zone is None:
        return ""
    if zone == "Z":
        return "+0000"
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if minutes > 59 or timedelta(hours=hours, minutes=minutes) > timedelta(hours=14):
        raise FhirFormatError(f"{value!r} has an invalid time zone offset")
    return zone[0] + zone[1:3] + zone[4:6]


def period_bounds(period: JSONObject | None) -> tuple[str | None, str | None]:
    """A FHIR Period as (start, end) in DICOM form."""
    if period is None:
        return None, None
    return dicom_datetime(get_str(period, "start")), dicom_datetime(get_str(period, "end"))


# --- quantities --------------------------------------------------------------------------------


def quantity_from(element: JSONObject | None) -> Quantity | None:
    """A FHIR Quantity as a domain :class:`Quantity` with a UCUM unit code.

    The unit is ``(code, UCUM, unit)``: ``Quantity.code`` (else ``Quantity.unit``) as the code
    value, ``Quantity.unit`` (else the code) as its meaning; no unit at all -> ``(1, UCUM,
    "no units")``. A coded unit from another system keeps that system's designator. A quantity
    without a value is ``None``.
    """
    if element is None:
        return None
    value = get_number(element, "value")
    if value is None:
        return None
    unit_code = get_str(element, "code")
    unit_text = get_str(element, "unit")
    system = get_str(element, "system")
    scheme = scheme_for_system(system) if system is not None and unit_code else "UCUM"
    unit_value = unit_code or unit_text
    if unit_value is None:
        return Quantity(value, NO_UNITS)
    return Quantity(value, Code(unit_value, scheme, unit_text or unit_value))


def absent_unknown_code(concept: JSONObject | None) -> str | None:
    """The IPS absent/unknown code of a concept (``no-problem-info``, ``no-known-allergies``
    ...), if it carries one."""
    if concept is None:
        return None
    for coding in get_objects(concept, "coding"):
        if get_str(coding, "system") == IPS_ABSENT_UNKNOWN:
            return get_str(coding, "code") or "absent-unknown"
    return None
