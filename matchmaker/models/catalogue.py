"""Organisations and the evidence their profiles are built from."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import utcnow

if TYPE_CHECKING:
    from matchmaker.models.livret import Livret
    from matchmaker.models.profiles import CertificationVerification

class Organisation(db.Model):
    """A lab, platform, start-up or company, described by its evidence documents."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(60), nullable=True)
    description_fr: Mapped[str | None] = mapped_column(Text, nullable=True)
    description_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    city: Mapped[str | None] = mapped_column(String(120), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    region: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    siren: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)
    rnsr_id: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    website: Mapped[str | None] = mapped_column(String(500), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    source: Mapped[str] = mapped_column(String(40), default="import")
    source_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Evidence.id"
    )
    links: Mapped[list[OrganisationLink]] = relationship(
        foreign_keys="OrganisationLink.from_id", cascade="all, delete-orphan"
    )
    verifications: Mapped[list[CertificationVerification]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CertificationVerification.label"
    )
    livret: Mapped[Livret | None] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    def certification_states(self, today: date | None = None) -> list[tuple[str, str]]:
        """Return each declared certification with its status: "verified" (by staff, unexpired) or "declared"."""
        day = today or date.today()
        verified = {v.label for v in self.verifications if v.is_valid(day)}
        return [(label, "verified" if label in verified else "declared") for label in self.certifications or ()]


class Evidence(db.Model):
    """One text that documents what an organisation knows or does."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(5), nullable=True)
    source: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_ref: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="evidence")

    __table_args__ = (Index("ix_evidence_organisation", "organisation_id"),)


class OrganisationLink(db.Model):
    """A directed relation between two organisations (start-up → its lab, team → parent lab)."""

    __tablename__ = "organisation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    to_key: Mapped[str] = mapped_column(String(120), index=True)
    relation: Mapped[str] = mapped_column(String(30), default="related")

    __table_args__ = (UniqueConstraint("from_id", "to_key", "relation"),)


class ImportRun(db.Model):
    """A record of one import: which file, how many rows were stored or rejected."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
