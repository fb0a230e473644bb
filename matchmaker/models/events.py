"""B2B meeting days: events, their slots, registrations, meeting requests, scheduled meetings, feedback."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.extensions import db
from matchmaker.models.base import utcnow
from matchmaker.models.workflow import new_public_id

if TYPE_CHECKING:
    from matchmaker.models.accounts import User
    from matchmaker.models.catalogue import Organisation
    from matchmaker.models.workflow import Need


class RegistrationStatus(enum.StrEnum):
    """Where a registration stands: pending registrations wait for staff when the event requires it."""

    PENDING = "pending"
    VALIDATED = "validated"
    REJECTED = "rejected"


class MeetingRequestStatus(enum.StrEnum):
    """Life cycle of a meeting request: the target accepts or declines; either side or staff cancel."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class FeedbackVerdict(enum.StrEnum):
    """What a participant says of a meeting once it took place."""

    USEFUL = "useful"
    NOT_USEFUL = "not_useful"
    FOLLOW_UP = "follow_up"


class Event(db.Model):
    """A business-meeting day organised by staff: when, where, how many tables, who may attend."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    meeting_minutes: Mapped[int] = mapped_column(default=30)
    break_minutes: Mapped[int] = mapped_column(default=0)
    slot_ranges: Mapped[list[str]] = mapped_column(JSON, default=list)
    tables: Mapped[int] = mapped_column(default=10)
    registration_deadline: Mapped[datetime] = mapped_column()
    allowed_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    requires_validation: Mapped[bool] = mapped_column(default=True)
    max_requests: Mapped[int] = mapped_column(default=10)
    max_meetings: Mapped[int] = mapped_column(default=16)
    published: Mapped[bool] = mapped_column(default=False)
    schedule_report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scheduled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    slots: Mapped[list[EventSlot]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSlot.starts_at"
    )
    registrations: Mapped[list[EventRegistration]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventRegistration.id"
    )


class EventSlot(db.Model):
    """One meeting time of an event (local time of the venue)."""

    __tablename__ = "event_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()

    event: Mapped[Event] = relationship(back_populates="slots")

    __table_args__ = (UniqueConstraint("event_id", "starts_at"),)


class EventRegistration(db.Model):
    """An organisation (or a buyer's need) taking part in an event, with what it offers and seeks there."""

    __tablename__ = "event_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True
    )
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"), nullable=True)
    offer_text: Mapped[str] = mapped_column(Text, default="")
    seek_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=RegistrationStatus.PENDING.value, index=True)
    unavailable_slot_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    need: Mapped[Need | None] = relationship()

    __table_args__ = (UniqueConstraint("event_id", "user_id"), UniqueConstraint("event_id", "organisation_id"))

    @property
    def display_name(self) -> str:
        """Return the name other participants see: the organisation (the author's, for a need), else the person.

        A need is why a buyer comes, not who they are: its title never stands for them in agendas.
        """
        if self.organisation is not None:
            return self.organisation.name
        if self.user.organisation is not None:
            return self.user.organisation.name
        return self.user.name or self.user.email.split("@")[0]

    @property
    def kind(self) -> str:
        """Return the organisation kind the registration counts as (a need counts as a buyer)."""
        return self.organisation.kind if self.organisation is not None else "buyer"


class MeetingRequest(db.Model):
    """A participant asking another for a meeting (or staff adding one), with the score it was suggested at."""

    __tablename__ = "meeting_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=MeetingRequestStatus.REQUESTED.value, index=True)
    origin: Mapped[str] = mapped_column(String(20), default="participant")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    score_parts: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    unplaced_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)

    requester: Mapped[EventRegistration] = relationship(foreign_keys=[requester_id])
    target: Mapped[EventRegistration] = relationship(foreign_keys=[target_id])
    meeting: Mapped[Meeting | None] = relationship(back_populates="request", cascade="all, delete-orphan")


class Meeting(db.Model):
    """An accepted request placed by the scheduler in a slot at a table (one row per table and slot)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("meeting_requests.id", ondelete="CASCADE"), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("event_slots.id", ondelete="CASCADE"), index=True)
    table_number: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[MeetingRequest] = relationship(back_populates="meeting")
    slot: Mapped[EventSlot] = relationship()
    feedback: Mapped[list[MeetingFeedback]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingFeedback.id"
    )

    __table_args__ = (UniqueConstraint("slot_id", "table_number"),)


class MeetingFeedback(db.Model):
    """A label on a meeting, kept like curation decisions: who said what about whom, when, at what score."""

    __tablename__ = "meeting_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id", ondelete="CASCADE"))
    about_registration_id: Mapped[int] = mapped_column(ForeignKey("event_registrations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    verdict: Mapped[str] = mapped_column(String(20))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_parts: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="feedback")
    author: Mapped[User | None] = relationship()
