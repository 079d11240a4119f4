"""The relational schema (SQLAlchemy Core), one table per domain aggregate part.

::

    patient               one row per patient record (surrogate key ``patient_key``)
    patient_identifier    its (PatientID, IssuerOfPatientID) keys, in stored order, with the
                          Issuer of Patient ID Qualifiers (Universal Entity ID and its type;
                          NULL when absent, revision 0002)
    clinical_fact         its facts, in stored order; every ClinicalFact field has a column;
                          indexed by ``source`` (the FHIR resource, revision 0002) so that a
                          deleted or updated resource finds its facts

A coded value is a group of four columns ``<name>_value``, ``<name>_scheme``,
``<name>_meaning``, ``<name>_scheme_version``; an absent optional code is four NULLs.
``IssuerOfPatientID`` is ``''`` when no issuer is known (never NULL), so that an exact-issuer
lookup is one equality on the composite index.

``identifiers_hash`` (SHA-256 of the sorted identifier set) is unique among records without a
``source``: that is how a sourceless record is found again and replaced. ``content_hash``
covers the whole record, so re-saving identical content can be recognised without reading it.

The Alembic migrations in ``rpiq/store/migrations`` must produce exactly these tables
(``tests/store/test_migrations.py`` compares them).
"""

from __future__ import annotations

import sqlalchemy as sa

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LO_LENGTH = 64
"""DICOM LO: Patient ID and Issuer of Patient ID."""
DATETIME_LENGTH = 26
"""The longest DICOM DT value: YYYYMMDDHHMMSS.FFFFFF&ZZXX."""
HASH_LENGTH = 64
"""A SHA-256 digest in hexadecimal."""
CS_LENGTH = 16
"""DICOM CS: Universal Entity ID Type."""

CODE_FIELDS = ("value", "scheme", "meaning", "scheme_version")
"""Column suffixes of a coded value, in the order of :class:`rpiq.domain.Code`'s fields."""
OPTIONAL_CODES = ("value_code", "laterality", "body_site", "severity", "relative", "category")
"""The optional coded fields of :class:`rpiq.domain.ClinicalFact`, by field name."""

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def code_columns(name: str, *, required: bool) -> list[sa.Column[str]]:
    """The four columns of a coded value called ``name``."""
    return [
        sa.Column(f"{name}_value", sa.UnicodeText(), nullable=not required),
        sa.Column(f"{name}_scheme", sa.UnicodeText(), nullable=not required),
        sa.Column(f"{name}_meaning", sa.UnicodeText(), nullable=not required),
        sa.Column(f"{name}_scheme_version", sa.UnicodeText(), nullable=True),
    ]


patient = sa.Table(
    "patient",
    metadata,
    sa.Column("patient_key", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("source", sa.UnicodeText(), nullable=True, unique=True),
    sa.Column("identifiers_hash", sa.String(HASH_LENGTH), nullable=False),
    sa.Column("content_hash", sa.String(HASH_LENGTH), nullable=False),
    sa.Column("name", sa.UnicodeText(), nullable=True),
    sa.Column("birth_date", sa.Unicode(DATETIME_LENGTH), nullable=True),
    sa.Column("sex", sa.Unicode(1), nullable=True),
    sa.Column("deceased", sa.Unicode(DATETIME_LENGTH), nullable=True),
    sa.Column("other_attributes", sa.JSON(), nullable=False),
    sa.Index(
        "ix_patient_identifiers_hash_sourceless",
        "identifiers_hash",
        unique=True,
        sqlite_where=sa.text("source IS NULL"),
        postgresql_where=sa.text("source IS NULL"),
    ),
)

patient_identifier = sa.Table(
    "patient_identifier",
    metadata,
    sa.Column(
        "patient_key",
        sa.Integer(),
        sa.ForeignKey("patient.patient_key", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("ordinal", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("patient_id", sa.Unicode(LO_LENGTH), nullable=False),
    sa.Column("issuer_of_patient_id", sa.Unicode(LO_LENGTH), nullable=False),
    sa.Column("universal_entity_id", sa.UnicodeText(), nullable=True),
    sa.Column("universal_entity_id_type", sa.Unicode(CS_LENGTH), nullable=True),
    sa.UniqueConstraint(
        "patient_key",
        "patient_id",
        "issuer_of_patient_id",
        name="uq_patient_identifier_key_id_issuer",  # the generated name exceeds 63 characters
    ),
    sa.Index(None, "patient_id", "issuer_of_patient_id"),
)

clinical_fact = sa.Table(
    "clinical_fact",
    metadata,
    sa.Column(
        "patient_key",
        sa.Integer(),
        sa.ForeignKey("patient.patient_key", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("ordinal", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("kind", sa.Unicode(32), nullable=False),
    *code_columns("code", required=True),
    sa.Column("status", sa.Unicode(32), nullable=False),
    *code_columns("value_code", required=False),
    sa.Column("quantity_value", sa.Double(), nullable=True),
    *code_columns("quantity_unit", required=False),
    sa.Column("text", sa.UnicodeText(), nullable=True),
    sa.Column("started", sa.Unicode(DATETIME_LENGTH), nullable=True),
    sa.Column("ended", sa.Unicode(DATETIME_LENGTH), nullable=True),
    sa.Column("recorded", sa.Unicode(DATETIME_LENGTH), nullable=True),
    *code_columns("laterality", required=False),
    *code_columns("body_site", required=False),
    *code_columns("severity", required=False),
    *code_columns("relative", required=False),
    *code_columns("category", required=False),
    sa.Column("source", sa.UnicodeText(), nullable=True),
    sa.Index(None, "source"),
)
