"""Initial schema: patient, patient_identifier, clinical_fact.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _code_columns(name: str, *, required: bool) -> list[sa.Column[str]]:
    return [
        sa.Column(f"{name}_value", sa.UnicodeText(), nullable=not required),
        sa.Column(f"{name}_scheme", sa.UnicodeText(), nullable=not required),
        sa.Column(f"{name}_meaning", sa.UnicodeText(), nullable=not required),
        sa.Column(f"{name}_scheme_version", sa.UnicodeText(), nullable=True),
    ]


def _create_patient() -> None:
    op.create_table(
        "patient",
        sa.Column("patient_key", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.UnicodeText(), nullable=True),
        sa.Column("identifiers_hash", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.UnicodeText(), nullable=True),
        sa.Column("birth_date", sa.Unicode(26), nullable=True),
        sa.Column("sex", sa.Unicode(1), nullable=True),
        sa.Column("deceased", sa.Unicode(26), nullable=True),
        sa.Column("other_attributes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("patient_key", name="pk_patient"),
        sa.UniqueConstraint("source", name="uq_patient_source"),
    )
    op.create_index(
        "ix_patient_identifiers_hash_sourceless",
        "patient",
        ["identifiers_hash"],
        unique=True,
        sqlite_where=sa.text("source IS NULL"),
        postgresql_where=sa.text("source IS NULL"),
    )


def _create_patient_identifier() -> None:
    op.create_table(
        "patient_identifier",
        sa.Column("patient_key", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("patient_id", sa.Unicode(64), nullable=False),
        sa.Column("issuer_of_patient_id", sa.Unicode(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_key"],
            ["patient.patient_key"],
            name="fk_patient_identifier_patient_key_patient",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_key", "ordinal", name="pk_patient_identifier"),
        sa.UniqueConstraint(
            "patient_key",
            "patient_id",
            "issuer_of_patient_id",
            name="uq_patient_identifier_key_id_issuer",
        ),
    )
    op.create_index(
        "ix_patient_identifier_patient_id_issuer_of_patient_id",
        "patient_identifier",
        ["patient_id", "issuer_of_patient_id"],
    )


def _create_clinical_fact() -> None:
    op.create_table(
        "clinical_fact",
        sa.Column("patient_key", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Unicode(32), nullable=False),
        *_code_columns("code", required=True),
        sa.Column("status", sa.Unicode(32), nullable=False),
        *_code_columns("value_code", required=False),
        sa.Column("quantity_value", sa.Double(), nullable=True),
        *_code_columns("quantity_unit", required=False),
        sa.Column("text", sa.UnicodeText(), nullable=True),
        sa.Column("started", sa.Unicode(26), nullable=True),
        sa.Column("ended", sa.Unicode(26), nullable=True),
        sa.Column("recorded", sa.Unicode(26), nullable=True),
        *_code_columns("laterality", required=False),
        *_code_columns("body_site", required=False),
        *_code_columns("severity", required=False),
        *_code_columns("relative", required=False),
        *_code_columns("category", required=False),
        sa.Column("source", sa.UnicodeText(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_key"],
            ["patient.patient_key"],
            name="fk_clinical_fact_patient_key_patient",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_key", "ordinal", name="pk_clinical_fact"),
    )


def upgrade() -> None:
    _create_patient()
    _create_patient_identifier()
    _create_clinical_fact()


def downgrade() -> None:
    op.drop_table("clinical_fact")
    op.drop_table("patient_identifier")
    op.drop_index("ix_patient_identifiers_hash_sourceless", table_name="patient")
    op.drop_table("patient")
