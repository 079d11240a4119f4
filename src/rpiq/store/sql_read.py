"""The read path of :class:`rpiq.store.sql.SqlPatientRepository`: patients by identifier.

Two reads, both straight to the driver (``exec_driver_sql`` with fixed statement text:
SQLAlchemy's statement compilation and per-row result processing were most of a lookup's
cost):

- :func:`find_revisions`: the matching records' :class:`PatientRevision` (key and content
  hash), one indexed statement on the ``patient`` row alone, so that a caller holding what it
  derived from an unchanged record reads nothing else;
- :func:`load_patients`: the matching records whole, with their revisions, in three
  statements (records, identifiers, facts) in one snapshot, the rows converted positionally
  (:func:`rpiq.store.rows.fact_from_values`).

The patient's key and content hash are a revision because records are never updated in place
(``rpiq.store.sql``: a changed record is deleted and inserted again; identical content is not
rewritten). Every statement's text is built here from constant names only; every value is a
bound parameter.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from rpiq.domain import Patient, PersonName
from rpiq.errors import StoreError
from rpiq.store import rows as convert
from rpiq.store.repository import PatientRevision

_MATCH_ISSUER = " AND issuer_of_patient_id = {marker}"
_MATCHING_KEYS = "SELECT patient_key FROM patient_identifier WHERE patient_id = {marker}{issuer}"
_REVISIONS = (
    "SELECT patient_key, content_hash FROM patient"
    " WHERE patient_key IN ({matching}) ORDER BY patient_key"
)
_PATIENT_COLUMNS = (
    "patient_key",
    "content_hash",
    "source",
    "name",
    "birth_date",
    "sex",
    "deceased",
    "other_attributes",
)
_PATIENTS = (
    f"SELECT {', '.join(_PATIENT_COLUMNS)} FROM patient"  # noqa: S608 - constant names only
    " WHERE patient_key IN ({matching}) ORDER BY patient_key"
)
_CHILDREN = (
    "SELECT {columns} FROM {table} WHERE patient_key IN ({matching}) ORDER BY patient_key, ordinal"
)


def _marker(connection: sa.Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _matching(connection: sa.Connection, with_issuer: bool) -> str:
    marker = _marker(connection)
    issuer = _MATCH_ISSUER.format(marker=marker) if with_issuer else ""
    return _MATCHING_KEYS.format(marker=marker, issuer=issuer)


def _parameters(PatientID: str, IssuerOfPatientID: str | None) -> tuple[str, ...]:
    if IssuerOfPatientID is None:
        return (PatientID,)
    return (PatientID, IssuerOfPatientID)


def find_revisions(
    connection: sa.Connection, PatientID: str, IssuerOfPatientID: str | None
) -> list[PatientRevision]:
    """The revisions of the records having this identifier, by key (one statement)."""
    matching = _matching(connection, IssuerOfPatientID is not None)
    result = connection.exec_driver_sql(
        _REVISIONS.format(matching=matching), _parameters(PatientID, IssuerOfPatientID)
    )
    return [PatientRevision(key, digest) for key, digest in result]


def load_patients(
    connection: sa.Connection, PatientID: str, IssuerOfPatientID: str | None
) -> list[tuple[PatientRevision, Patient]]:
    """The records having this identifier, whole, by key (call inside one read transaction,
    so that the three statements see one snapshot)."""
    matching = _matching(connection, IssuerOfPatientID is not None)
    parameters = _parameters(PatientID, IssuerOfPatientID)
    records = connection.exec_driver_sql(_PATIENTS.format(matching=matching), parameters).all()
    if not records:
        return []
    identifiers = _children(
        connection, "patient_identifier", convert.IDENTIFIER_COLUMNS, matching, parameters
    )
    facts = _children(connection, "clinical_fact", convert.FACT_COLUMNS, matching, parameters)
    return [
        (PatientRevision(record[0], record[1]), _assemble(record, identifiers, facts))
        for record in records
    ]


def _children(
    connection: sa.Connection,
    table: str,
    columns: Sequence[str],
    matching: str,
    parameters: tuple[str, ...],
) -> dict[int, list[Sequence[Any]]]:
    """A child table's rows (``columns`` in order) of the matching records, by record."""
    statement = _CHILDREN.format(columns=", ".join(columns), table=table, matching=matching)
    grouped: dict[int, list[Sequence[Any]]] = defaultdict(list)
    for row in connection.exec_driver_sql(statement, parameters):
        grouped[row[0]].append(row)
    return grouped


def _assemble(
    record: Sequence[Any],
    identifiers: dict[int, list[Sequence[Any]]],
    facts: dict[int, list[Sequence[Any]]],
) -> Patient:
    key = record[0]
    try:
        return _patient(record, identifiers.get(key, []), facts.get(key, []))
    except (ValueError, TypeError, KeyError, IndexError) as error:
        # The message may quote stored values: name the record by its key only.
        raise StoreError(
            f"stored patient record {key} is not valid ({type(error).__name__})"
        ) from None


def _patient(
    record: Sequence[Any],
    identifiers: Sequence[Sequence[Any]],
    facts: Sequence[Sequence[Any]],
) -> Patient:
    """A domain patient from its :data:`_PATIENT_COLUMNS` row and its child rows."""
    _, _, source, name, birth_date, sex, deceased, other = record
    if isinstance(other, str | bytes):  # SQLite hands JSON over as text
        other = json.loads(other)
    return Patient(
        identifiers=tuple(convert.identifier_from_values(row) for row in identifiers),
        name=None if name is None else PersonName.from_dicom(name),
        birth_date=birth_date,
        sex=sex,
        other_attributes=tuple((str(k), str(v)) for k, v in other),
        facts=tuple(convert.fact_from_values(row) for row in facts),
        deceased=deceased,
        source=source,
    )
