"""Livret de compétences: the published livret of an organisation, its certifications, revision scopes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create livrets and livret_certifications; profile revisions get a scope (existing ones: profile)."""
    op.create_table(
        "livrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("activities", sa.JSON(), nullable=False),
        sa.Column("activities_note", sa.Text(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("materials_note", sa.Text(), nullable=False),
        sa.Column("equipment", sa.JSON(), nullable=False),
        sa.Column("batch_min", sa.Integer(), nullable=True),
        sa.Column("batch_max", sa.Integer(), nullable=True),
        sa.Column("lead_time_weeks", sa.Integer(), nullable=True),
        sa.Column("capacity_note", sa.Text(), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("client_types", sa.JSON(), nullable=False),
        sa.Column("references_note", sa.Text(), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("livrets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livrets_organisation_id"), ["organisation_id"], unique=True)
    op.create_table(
        "livret_certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("livret_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("expiry_notified_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["livret_id"], ["livrets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("livret_id", "label", name="uq_livret_certifications_livret_label"),
    )
    with op.batch_alter_table("livret_certifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_livret_certifications_expires_on"), ["expires_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_livret_certifications_livret_id"), ["livret_id"], unique=False)
    with op.batch_alter_table("profile_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=20), server_default="profile", nullable=False))


def downgrade() -> None:
    """Drop the livret tables and the revision scope."""
    with op.batch_alter_table("profile_revisions", schema=None) as batch_op:
        batch_op.drop_column("scope")
    op.drop_table("livret_certifications")
    op.drop_table("livrets")
