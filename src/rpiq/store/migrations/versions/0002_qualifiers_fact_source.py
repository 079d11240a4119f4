"""Issuer of Patient ID Qualifiers on patient_identifier; clinical_fact indexed by source.

Additive: two nullable columns (existing identifiers have no qualifiers) and one index (a
deleted or updated FHIR resource finds its facts without a full scan).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("patient_identifier", sa.Column("universal_entity_id", sa.UnicodeText()))
    op.add_column("patient_identifier", sa.Column("universal_entity_id_type", sa.Unicode(16)))
    op.create_index("ix_clinical_fact_source", "clinical_fact", ["source"])


def downgrade() -> None:
    op.drop_index("ix_clinical_fact_source", table_name="clinical_fact")
    with op.batch_alter_table("patient_identifier") as batch:
        batch.drop_column("universal_entity_id_type")
        batch.drop_column("universal_entity_id")
