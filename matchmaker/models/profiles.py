"""Reviewed profile changes and certification verification, for every kind of organisation.

A member's change to a claimed profile is a ``ProfileRevision``: it holds the proposed values of any
profile field (a generic JSON object, so new sections such as a livret's fit without a migration) and
the live values it was based on; the live profile (and the index) change only when staff approve it.

A certification an organisation declares (``Organisation.certifications``) is *déclarée* until staff
record a ``CertificationVerification`` for it (document seen); it stops counting as verified once its
expiry date passes or the organisation no longer declares it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import utcnow
from matchmaker.models.workflow import new_public_id

if TYPE_CHECKING:
    from matchmaker.models.accounts import User
    from matchmaker.models.catalogue import Organisation


class RevisionStatus(enum.StrEnum):
    """Where a proposed profile change stands (a draft is the member's, not yet sent to staff)."""

    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RevisionScope(enum.StrEnum):
    """Which part of a profile a revision changes: the profile fields, or the livret de compétences."""

    PROFILE = "profile"
    LIVRET = "livret"


class CertificationStatus(enum.StrEnum):
    """What a declared certification is worth: declared by the organisation, or verified by staff."""

    DECLARED = "declared"
    VERIFIED = "verified"


class ProfileRevision(db.Model):
    """A change to a claimed profile proposed by a member, live only once staff approve it."""

    __tablename__ = "profile_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=RevisionStatus.PENDING.value, index=True)
    scope: Mapped[str] = mapped_column(String(20), default=RevisionScope.PROFILE.value, server_default="profile")
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    previous: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class CertificationVerification(db.Model):
    """Staff's check of one certification an organisation declares (document seen, optional expiry)."""

    __tablename__ = "certification_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

    verified_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("organisation_id", "label", name="uq_certification_verifications_org_label"),)

    def is_valid(self, today: date) -> bool:
        """Return True unless the verified certification has expired."""
        return self.expires_on is None or self.expires_on >= today
