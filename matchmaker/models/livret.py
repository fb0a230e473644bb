"""The published livret de compétences of an organisation: what it does, with what, for whom, how much.

One ``Livret`` per organisation holds the live version (what the profile page shows and what the index
reads, as evidence documents of its own kinds). A member's changes are a draft and then a pending
``ProfileRevision`` of scope ``livret``; they reach these tables only when staff approve them. Controlled
sections store codes of ``matchmaker.livret_vocabulary``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import utcnow

if TYPE_CHECKING:
    from matchmaker.models.accounts import User
    from matchmaker.models.catalogue import Organisation


class Livret(db.Model):
    """The live livret of one organisation; every section is optional."""

    __tablename__ = "livrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True, index=True
    )
    activities: Mapped[list[str]] = mapped_column(JSON, default=list)
    activities_note: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    materials_note: Mapped[str] = mapped_column(Text, default="")
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    batch_min: Mapped[int | None] = mapped_column(nullable=True)
    batch_max: Mapped[int | None] = mapped_column(nullable=True)
    lead_time_weeks: Mapped[int | None] = mapped_column(nullable=True)
    capacity_note: Mapped[str] = mapped_column(Text, default="")
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    client_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    references_note: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    organisation: Mapped[Organisation] = relationship(back_populates="livret")
    published_by: Mapped[User | None] = relationship()
    certifications: Mapped[list[LivretCertification]] = relationship(
        back_populates="livret", cascade="all, delete-orphan", order_by="LivretCertification.id", lazy="selectin"
    )


class LivretCertification(db.Model):
    """A certification as the livret declares it: number, certifying body, expiry date."""

    __tablename__ = "livret_certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    livret_id: Mapped[int] = mapped_column(ForeignKey("livrets.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    number: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(String(200), default="")
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    expiry_notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    livret: Mapped[Livret] = relationship(back_populates="certifications")

    __table_args__ = (UniqueConstraint("livret_id", "label", name="uq_livret_certifications_livret_label"),)

    def expired(self, today: date) -> bool:
        """Return True once the declared expiry date has passed."""
        return self.expires_on is not None and self.expires_on < today
