"""Domain objects to table rows and back, and the hashes that make saving idempotent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
    Quantity,
)
from rpiq.store.schema import CODE_FIELDS, OPTIONAL_CODES

_HASH_VERSION = "rpiq-patient-v1"
"""Changes whenever the hashed form changes, so old hashes never match by accident."""

Row = Mapping[Any, Any]


def _digest(document: object) -> str:
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{_HASH_VERSION}\n{text}".encode()).hexdigest()


_QUALIFIER_FIELDS = ("UniversalEntityID", "UniversalEntityIDType")


def _code_document(code: Code | None) -> dict[str, Any] | None:
    if code is None:
        return None
    return {
        "value": code.value,
        "scheme": code.scheme,
        "meaning": code.meaning,
        "scheme_version": code.scheme_version,
    }


def _fact_document(fact: ClinicalFact) -> dict[str, Any]:
    quantity = fact.quantity
    return {
        "kind": fact.kind,
        "code": _code_document(fact.code),
        "status": fact.status,
        "value_code": _code_document(fact.value_code),
        "quantity": None
        if quantity is None
        else {"value": quantity.value, "unit": _code_document(quantity.unit)},
        "text": fact.text,
        "started": fact.started,
        "ended": fact.ended,
        "recorded": fact.recorded,
        "laterality": _code_document(fact.laterality),
        "body_site": _code_document(fact.body_site),
        "severity": _code_document(fact.severity),
        "relative": _code_document(fact.relative),
        "category": _code_document(fact.category),
        "source": fact.source,
    }


def _identifier_document(identifier: PatientIdentifier) -> dict[str, str]:
    """An identifier's hashed form: empty qualifiers left out (:func:`content_hash`)."""
    document = {
        "PatientID": identifier.PatientID,
        "IssuerOfPatientID": identifier.IssuerOfPatientID,
    }
    for name in _QUALIFIER_FIELDS:
        value = getattr(identifier, name)
        if value:
            document[name] = value
    return document


def _patient_document(patient: Patient) -> dict[str, Any]:
    """The JSON form of :func:`dataclasses.asdict` (tuples stay tuples, which JSON writes as
    lists), built field by field without its deep copies: a hot spot of large imports. A
    field missing here changes every hash; ``tests/store`` compares with ``asdict``."""
    name = patient.name
    return {
        "identifiers": [_identifier_document(one) for one in patient.identifiers],
        "name": None
        if name is None
        else {
            "alphabetic": name.alphabetic,
            "ideographic": name.ideographic,
            "phonetic": name.phonetic,
        },
        "birth_date": patient.birth_date,
        "sex": patient.sex,
        "other_attributes": patient.other_attributes,
        "facts": [_fact_document(fact) for fact in patient.facts],
        "deceased": patient.deceased,
        "source": patient.source,
    }


def content_hash(patient: Patient) -> str:
    """SHA-256 over every field of the record, code meanings included (the JSON form of
    :func:`dataclasses.asdict`).

    Empty Issuer of Patient ID Qualifiers are left out of the hashed form, so a record
    without qualifiers keeps the hash it had before they existed (revision 0002)."""
    return _digest(_patient_document(patient))


def identifiers_hash(identifiers: Iterable[PatientIdentifier]) -> str:
    """SHA-256 over the identifier *set* (order does not matter)."""
    return _digest(sorted([i.PatientID, i.IssuerOfPatientID] for i in identifiers))


def patient_row(patient: Patient) -> dict[str, Any]:
    """The ``patient`` row of a record (without its surrogate key)."""
    return {
        "source": patient.source,
        "identifiers_hash": identifiers_hash(patient.identifiers),
        "content_hash": content_hash(patient),
        "name": None if patient.name is None else patient.name.to_dicom(),
        "birth_date": patient.birth_date,
        "sex": patient.sex,
        "deceased": patient.deceased,
        "other_attributes": [list(pair) for pair in patient.other_attributes],
    }


IDENTIFIER_COLUMNS = (
    "patient_key",
    "ordinal",
    "patient_id",
    "issuer_of_patient_id",
    "universal_entity_id",
    "universal_entity_id_type",
)
"""The ``patient_identifier`` columns, in the order of :func:`identifier_values`."""


def identifier_values(patient_key: int, patient: Patient) -> list[tuple[Any, ...]]:
    """The ``patient_identifier`` rows of a record as tuples (:data:`IDENTIFIER_COLUMNS`)."""
    return [
        (
            patient_key,
            ordinal,
            identifier.PatientID,
            identifier.IssuerOfPatientID,
            identifier.UniversalEntityID or None,
            identifier.UniversalEntityIDType or None,
        )
        for ordinal, identifier in enumerate(patient.identifiers)
    ]


def identifier_rows(patient_key: int, patient: Patient) -> list[dict[str, Any]]:
    return [
        dict(zip(IDENTIFIER_COLUMNS, row, strict=True))
        for row in identifier_values(patient_key, patient)
    ]


def _code_names(name: str) -> tuple[str, ...]:
    return tuple(f"{name}_{suffix}" for suffix in CODE_FIELDS)


FACT_COLUMNS = (
    "patient_key",
    "ordinal",
    "kind",
    "status",
    "quantity_value",
    "text",
    "started",
    "ended",
    "recorded",
    "source",
    *_code_names("code"),
    *_code_names("quantity_unit"),
    *(column for name in OPTIONAL_CODES for column in _code_names(name)),
)
"""The ``clinical_fact`` columns, in the order of :func:`fact_values`."""

_NO_CODE: tuple[None, None, None, None] = (None, None, None, None)


def _code(code: Code | None) -> tuple[str | None, ...]:
    if code is None:
        return _NO_CODE
    return (code.value, code.scheme, code.meaning, code.scheme_version)


def fact_values(patient_key: int, ordinal: int, fact: ClinicalFact) -> tuple[Any, ...]:
    """One ``clinical_fact`` row as a tuple (:data:`FACT_COLUMNS`; bulk inserts)."""
    quantity = fact.quantity
    return (
        patient_key,
        ordinal,
        fact.kind.value,
        fact.status.value,
        None if quantity is None else quantity.value,
        fact.text,
        fact.started,
        fact.ended,
        fact.recorded,
        fact.source,
        *_code(fact.code),
        *_code(None if quantity is None else quantity.unit),
        *_code(fact.value_code),
        *_code(fact.laterality),
        *_code(fact.body_site),
        *_code(fact.severity),
        *_code(fact.relative),
        *_code(fact.category),
    )


def fact_row(patient_key: int, ordinal: int, fact: ClinicalFact) -> dict[str, Any]:
    return dict(zip(FACT_COLUMNS, fact_values(patient_key, ordinal, fact), strict=True))


def fact_value_rows(patient_key: int, patient: Patient) -> list[tuple[Any, ...]]:
    return [fact_values(patient_key, ordinal, fact) for ordinal, fact in enumerate(patient.facts)]


def fact_rows(patient_key: int, patient: Patient) -> list[dict[str, Any]]:
    return [fact_row(patient_key, ordinal, fact) for ordinal, fact in enumerate(patient.facts)]


def code_from(row: Row, name: str) -> Code | None:
    """The coded value stored in the column group ``name``, or ``None`` if it is absent."""
    value = row[f"{name}_value"]
    if value is None:
        return None
    return Code(value, row[f"{name}_scheme"], row[f"{name}_meaning"], row[f"{name}_scheme_version"])


def fact_from(row: Row) -> ClinicalFact:
    code = code_from(row, "code")
    if code is None:
        raise ValueError("clinical_fact row without a code")
    unit = code_from(row, "quantity_unit")
    quantity_value = row["quantity_value"]
    quantity = None if quantity_value is None or unit is None else Quantity(quantity_value, unit)
    return ClinicalFact(
        kind=FactKind(row["kind"]),
        code=code,
        status=FactStatus(row["status"]),
        value_code=code_from(row, "value_code"),
        quantity=quantity,
        text=row["text"],
        started=row["started"],
        ended=row["ended"],
        recorded=row["recorded"],
        laterality=code_from(row, "laterality"),
        body_site=code_from(row, "body_site"),
        severity=code_from(row, "severity"),
        relative=code_from(row, "relative"),
        category=code_from(row, "category"),
        source=row["source"],
    )


def identifier_from(row: Row) -> PatientIdentifier:
    return PatientIdentifier(
        row["patient_id"],
        row["issuer_of_patient_id"],
        row["universal_entity_id"] or "",
        row["universal_entity_id_type"] or "",
    )


def patient_from(row: Row, identifiers: Sequence[Row], facts: Sequence[Row]) -> Patient:
    """A domain patient from its row and its identifier and fact rows (in stored order)."""
    name = row["name"]
    return Patient(
        identifiers=tuple(identifier_from(row) for row in identifiers),
        name=None if name is None else PersonName.from_dicom(name),
        birth_date=row["birth_date"],
        sex=row["sex"],
        other_attributes=tuple((str(k), str(v)) for k, v in row["other_attributes"]),
        facts=tuple(fact_from(fact) for fact in facts),
        deceased=row["deceased"],
        source=row["source"],
    )


def patient_from_values(
    row: Row, identifiers: Sequence[Sequence[Any]], facts: Sequence[Sequence[Any]]
) -> Patient:
    """:func:`patient_from` with the child rows in :data:`IDENTIFIER_COLUMNS` and
    :data:`FACT_COLUMNS` order (what a write transaction reads back; no mapping per row)."""
    name = row["name"]
    return Patient(
        identifiers=tuple(identifier_from_values(values) for values in identifiers),
        name=None if name is None else PersonName.from_dicom(name),
        birth_date=row["birth_date"],
        sex=row["sex"],
        other_attributes=tuple((str(k), str(v)) for k, v in row["other_attributes"]),
        facts=tuple(fact_from_values(values) for values in facts),
        deceased=row["deceased"],
        source=row["source"],
    )


_AT = {name: index for index, name in enumerate(FACT_COLUMNS)}
"""Position of each ``clinical_fact`` column in a :data:`FACT_COLUMNS` row."""


def _code_at(values: Sequence[Any], start: int) -> Code | None:
    """The coded value in ``values[start : start + 4]`` (:data:`CODE_FIELDS` order)."""
    value = values[start]
    if value is None:
        return None
    return Code(value, values[start + 1], values[start + 2], values[start + 3])


def fact_from_values(values: Sequence[Any]) -> ClinicalFact:
    """:func:`fact_from` for a row in :data:`FACT_COLUMNS` order (the inverse of
    :func:`fact_values`): positional, without a mapping per row (the read path's hot spot)."""
    code = _code_at(values, _AT["code_value"])
    if code is None:
        raise ValueError("clinical_fact row without a code")
    unit = _code_at(values, _AT["quantity_unit_value"])
    quantity_value = values[_AT["quantity_value"]]
    return ClinicalFact(
        kind=FactKind(values[_AT["kind"]]),
        code=code,
        status=FactStatus(values[_AT["status"]]),
        value_code=_code_at(values, _AT["value_code_value"]),
        quantity=None if quantity_value is None or unit is None else Quantity(quantity_value, unit),
        text=values[_AT["text"]],
        started=values[_AT["started"]],
        ended=values[_AT["ended"]],
        recorded=values[_AT["recorded"]],
        laterality=_code_at(values, _AT["laterality_value"]),
        body_site=_code_at(values, _AT["body_site_value"]),
        severity=_code_at(values, _AT["severity_value"]),
        relative=_code_at(values, _AT["relative_value"]),
        category=_code_at(values, _AT["category_value"]),
        source=values[_AT["source"]],
    )


def identifier_from_values(values: Sequence[Any]) -> PatientIdentifier:
    """:func:`identifier_from` for a row in :data:`IDENTIFIER_COLUMNS` order."""
    return PatientIdentifier(values[2], values[3], values[4] or "", values[5] or "")
