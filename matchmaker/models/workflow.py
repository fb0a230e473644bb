"""Workflow records: needs, shortlists, curation labels, introductions, saved searches, outbox, claims."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import utcnow

if TYPE_CHECKING:
    from matchmaker.models.accounts import User
    from matchmaker.models.catalogue import Organisation

def new_public_id() -> str:
    """Return a random, URL-safe identifier: objects are never addressed by guessable row ids."""
    return secrets.token_urlsafe(12)


class NeedStatus(enum.StrEnum):
    """Life cycle of a need: only validated needs are matched and shown beyond their owner."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    REJECTED = "rejected"
    CLOSED = "closed"


class Confidentiality(enum.StrEnum):
    """Who may see a need besides its owner."""

    PUBLIC = "public"
    STAFF_ONLY = "staff_only"


class SuggestionStatus(enum.StrEnum):
    """Where a proposed match stands in curation."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CurationVerdict(enum.StrEnum):
    """A staff decision on a suggestion (the label the re-ranker learns from)."""

    ACCEPT = "accept"
    REJECT = "reject"


class RejectionReason(enum.StrEnum):
    """Why staff rejected a suggestion."""

    OFF_TOPIC = "off_topic"
    NO_CAPACITY = "no_capacity"
    NOT_CERTIFIED = "not_certified"
    TOO_EARLY = "too_early"
    OTHER = "other"


class IntroductionStatus(enum.StrEnum):
    """Double opt-in: the requester asks, staff approve, the organisation accepts or declines."""

    REQUESTED = "requested"
    STAFF_APPROVED = "staff_approved"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REJECTED = "rejected"


class ClaimStatus(enum.StrEnum):
    """Review state of a profile claim or creation."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Need(db.Model):
    """What a buyer is looking for, reviewed by staff before it is matched."""

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    sought_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(60), nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    confidentiality: Mapped[str] = mapped_column(String(20), default=Confidentiality.PUBLIC.value)
    status: Mapped[str] = mapped_column(String(20), default=NeedStatus.DRAFT.value, index=True)
    quality_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    validated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="Suggestion.position"
    )

    @property
    def query_text(self) -> str:
        """Return the text the need is ranked on."""
        return f"{self.title}. {self.description}"


class Shortlist(db.Model):
    """A named list of organisations a user keeps, with notes, exportable to CSV."""

    __tablename__ = "shortlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"), nullable=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    need: Mapped[Need | None] = relationship()
    entries: Mapped[list[ShortlistEntry]] = relationship(
        back_populates="shortlist", cascade="all, delete-orphan", order_by="ShortlistEntry.id"
    )


class ShortlistEntry(db.Model):
    """One organisation saved in a shortlist, with the owner's annotation."""

    __tablename__ = "shortlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(ForeignKey("shortlists.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    shortlist: Mapped[Shortlist] = relationship(back_populates="entries")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (UniqueConstraint("shortlist_id", "organisation_id"),)


class Suggestion(db.Model):
    """An organisation proposed for a need (by the engine or by hand), in curated order."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default=SuggestionStatus.PROPOSED.value)
    source: Mapped[str] = mapped_column(String(20), default="engine")
    engine_rank: Mapped[int | None] = mapped_column(nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_parts: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    need: Mapped[Need] = relationship(back_populates="suggestions")
    organisation: Mapped[Organisation] = relationship()
    decisions: Mapped[list[CurationDecision]] = relationship(
        back_populates="suggestion", cascade="all, delete-orphan", order_by="CurationDecision.id"
    )

    __table_args__ = (UniqueConstraint("need_id", "organisation_id"),)


class CurationDecision(db.Model):
    """A curation label: who decided what about a suggestion, when, why, and what the engine said.

    One label per (need, organisation, staff member): deciding again updates it (the last decision wins,
    ``created_at`` is the first decision, ``updated_at`` the last); every step stays in the audit log.
    """

    __tablename__ = "curation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    decision: Mapped[str] = mapped_column(String(10))
    reason_category: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason_text: Mapped[str] = mapped_column(Text, default="")
    rank_position: Mapped[int] = mapped_column(default=0)
    engine_rank: Mapped[int | None] = mapped_column(nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_parts: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    suggestion: Mapped[Suggestion] = relationship(back_populates="decisions")
    staff: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        UniqueConstraint("need_id", "organisation_id", "staff_id", name="uq_curation_decisions_need_org_staff"),
    )


class Introduction(db.Model):
    """A double opt-in introduction request between a user and an organisation."""

    __tablename__ = "introductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=IntroductionStatus.REQUESTED.value, index=True)
    staff_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)

    requester: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
    need: Mapped[Need | None] = relationship()
    events: Mapped[list[IntroductionEvent]] = relationship(
        back_populates="introduction", cascade="all, delete-orphan", order_by="IntroductionEvent.id"
    )


class IntroductionEvent(db.Model):
    """One step of an introduction, shown as its timeline."""

    __tablename__ = "introduction_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    on_behalf: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    introduction: Mapped[Introduction] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class SavedSearch(db.Model):
    """A search a user keeps, optionally with alerts when new profiles or needs match it."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(Text)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    alerts_enabled: Mapped[bool] = mapped_column(default=True)
    known_organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    known_needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship()


class OutboxMessage(db.Model):
    """An e-mail or alert waiting to be delivered (SMTP when configured, the log otherwise)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ProfileClaim(db.Model):
    """A user's request to claim an auto-built profile, or to create a new one, pending staff review."""

    __tablename__ = "profile_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="claim")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ClaimStatus.PENDING.value, index=True)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
