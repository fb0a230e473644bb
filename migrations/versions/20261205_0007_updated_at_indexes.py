"""Indexes on the update stamps of organisations and evidence (catalogue fingerprint, incremental indexing)

The search reads ``max(updated_at)`` of both tables to notice catalogue changes and the evidence written
since a stamp to index them in place; without an index both scan the table (a million evidence rows).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index evidence.updated_at and organisations.updated_at."""
    op.create_index("ix_evidence_updated_at", "evidence", ["updated_at"])
    op.create_index("ix_organisations_updated_at", "organisations", ["updated_at"])


def downgrade() -> None:
    """Drop both indexes."""
    op.drop_index("ix_organisations_updated_at", table_name="organisations")
    op.drop_index("ix_evidence_updated_at", table_name="evidence")
