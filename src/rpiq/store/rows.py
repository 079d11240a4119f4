"""Domain objects to table rows and back, and the hashes that make saving idempotent."""

from __future__ import annotations

import dataclasses
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


def content_hash(patient: Patient) -> str:
    """SHA-256 over every field of the record, code meanings included.

    Empty Issuer of Patient ID Qualifiers are left out of the hashed form, so a record
    without qualifiers keeps the hash it had before they existed (revision 0002)."""
    document = dataclasses.asdict(patient)
    for identifier in document["identifiers"]:
        for name in _QUALIFIER_FIELDS:
            if not identifier[name]:
                del identifier[name]
    return _digest(document)


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


def identifier_rows(patient_key: int, patient: Patient) -> list[dict[str, Any]]:
    return [
        {
            "patient_key": patient_key,
            "ordinal": ordinal,
            "patient_id": identifier.PatientID,
            "issuer_of_patient_id": identifier.IssuerOfPatientID,
            "universal_entity_id": identifier.UniversalEntityID or None,
            "universal_entity_id_type": identifier.UniversalEntityIDType or None,
        }
        for ordinal, identifier in enumerate(patient.identifiers)
    ]


def _code_values(name: str, code: Code | None) -> dict[str, Any]:
    values = (None,) * 4 if code is None else dataclasses.astuple(code)
    return {f"{name}_{suffix}": value for suffix, value in zip(CODE_FIELDS, values, strict=True)}


def fact_row(patient_key: int, ordinal: int, fact: ClinicalFact) -> dict[str, Any]:
    row: dict[str, Any] = {
        "patient_key": patient_key,
        "ordinal": ordinal,
        "kind": fact.kind.value,
        "status": fact.status.value,
        "quantity_value": None if fact.quantity is None else fact.quantity.value,
        "text": fact.text,
        "started": fact.started,
        "ended": fact.ended,
        "recorded": fact.recorded,
        "source": fact.source,
    }
    row.update(_code_values("code", fact.code))
    row.update(_code_values("quantity_unit", None if fact.quantity is None else fact.quantity.unit))
    for name in OPTIONAL_CODES:
        row.update(_code_values(name, getattr(fact, name)))
    return row


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
