"""One curation label per (need, organisation, staff member)

Repeated decisions used to add a row each (7 labels became 9 after one repeated reject), inflating the
acceptance rate and the re-ranker's training data. Duplicates are merged into the latest row, which
keeps the first decision's time as ``created_at`` and the last one's as ``updated_at`` (every step is
already in the audit log); a unique constraint then keeps it so.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "uq_curation_decisions_need_org_staff"


def upgrade() -> None:
    """Add updated_at, merge duplicate labels into the latest, make the triple unique."""
    with op.batch_alter_table("curation_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    labels = sa.table(
        "curation_decisions", sa.column("id", sa.Integer), sa.column("need_id", sa.Integer),
        sa.column("organisation_id", sa.Integer), sa.column("staff_id", sa.Integer),
        sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime),
    )
    connection = op.get_bind()
    connection.execute(labels.update().values(updated_at=labels.c.created_at))
    groups: dict[tuple[int, int, int], list[tuple[int, object]]] = {}
    rows = connection.execute(
        sa.select(labels.c.id, labels.c.need_id, labels.c.organisation_id, labels.c.staff_id, labels.c.created_at)
        .where(labels.c.staff_id.is_not(None))
        .order_by(labels.c.created_at, labels.c.id)
    )
    for row_id, need_id, organisation_id, staff_id, created_at in rows:
        groups.setdefault((need_id, organisation_id, staff_id), []).append((row_id, created_at))
    for decisions in groups.values():
        if len(decisions) < 2:
            continue
        (_, first_at), (kept_id, last_at) = decisions[0], decisions[-1]
        connection.execute(labels.update().where(labels.c.id == kept_id).values(created_at=first_at,
                                                                                 updated_at=last_at))
        connection.execute(labels.delete().where(labels.c.id.in_([row_id for row_id, _ in decisions[:-1]])))
    with op.batch_alter_table("curation_decisions", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_unique_constraint(CONSTRAINT, ["need_id", "organisation_id", "staff_id"])


def downgrade() -> None:
    """Drop the constraint and the column (merged duplicates are not restored: the audit log has them)."""
    with op.batch_alter_table("curation_decisions", schema=None) as batch_op:
        batch_op.drop_constraint(CONSTRAINT, type_="unique")
        batch_op.drop_column("updated_at")
