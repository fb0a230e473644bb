"""Member accounts for every kind of organisation: start-up accounts become members; one owner per organisation

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

The "startup" role becomes "member" (a member can speak for a start-up, a subcontractor, a manufacturer, a
service provider, a lab or a platform). Every organisation that had member accounts gets one owner: the
earliest account linked to it; the others are colleagues. Nothing else about the accounts changes
(password, sessions, organisation link, saved searches, shortlists...). Downgrade restores "startup".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_users = sa.table(
    "users",
    sa.column("id", sa.Integer()),
    sa.column("role", sa.String()),
    sa.column("organisation_id", sa.Integer()),
    sa.column("organisation_role", sa.String()),
)


def upgrade() -> None:
    """Add users.organisation_role; rename the startup role to member; name each organisation's owner."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_role", sa.String(length=20), nullable=True))
    op.execute(_users.update().where(_users.c.role == "startup").values(role="member"))
    linked = sa.and_(_users.c.role == "member", _users.c.organisation_id.is_not(None))
    op.execute(_users.update().where(linked).values(organisation_role="colleague"))
    first = sa.select(sa.func.min(_users.c.id)).where(linked).group_by(_users.c.organisation_id)
    op.execute(_users.update().where(_users.c.id.in_(first)).values(organisation_role="owner"))


def downgrade() -> None:
    """Give the members their start-up role back and drop the organisation roles."""
    op.execute(_users.update().where(_users.c.role == "member").values(role="startup"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("organisation_role")
