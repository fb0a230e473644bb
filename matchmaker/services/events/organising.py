"""Event use cases for staff: create and edit an event, turn its time ranges into meeting slots."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.errors import Forbidden, InvalidQuery, NotFound
from matchmaker.models import Event, EventRegistration, EventSlot, Meeting, User
from matchmaker.services import audit
from matchmaker.vocabulary import ORGANISATION_KINDS

EVENT_TIMEZONE = "Europe/Paris"
MAX_SLOTS = 200
MAX_TABLES = 1000
_RANGE = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))\s+"
    r"(\d{1,2})[:hH](\d{2})\s*[-–—à]\s*(\d{1,2})[:hH](\d{2})\s*$"
)


@dataclass(frozen=True)
class EventInput:
    """What staff write in the event form."""

    name: str
    starts_on: date
    ends_on: date
    slot_ranges: Sequence[str]
    registration_deadline: datetime
    description: str = ""
    place: str = ""
    meeting_minutes: int = 30
    break_minutes: int = 0
    tables: int = 10
    allowed_kinds: Sequence[str] = ORGANISATION_KINDS
    requires_validation: bool = True
    max_requests: int = 10
    max_meetings: int = 16
    published: bool = False


def local_now(timezone: str = EVENT_TIMEZONE) -> datetime:
    """Return the current wall-clock time at the venue (naive, like the stored slot times)."""
    return datetime.now(ZoneInfo(timezone)).replace(tzinfo=None)


def require_staff(user: User) -> None:
    """Raise Forbidden unless the user organises events (staff or admin)."""
    if not user.is_staff:
        raise Forbidden(_l("Seule l'équipe du réseau organise les rencontres."))


def parse_slot_ranges(
    lines: Sequence[str], meeting_minutes: int, break_minutes: int, starts_on: date, ends_on: date
) -> list[tuple[datetime, datetime]]:
    """Cut time ranges such as ``2025-06-12 09:00-12:30`` into consecutive meeting slots.

    Raises InvalidQuery (field ``slot_ranges``) naming the faulty line.
    """
    if not 5 <= meeting_minutes <= 240:
        raise InvalidQuery(_l("La durée d'un rendez-vous doit être entre 5 et 240 minutes."), field="meeting_minutes")
    if not 0 <= break_minutes <= 120:
        raise InvalidQuery(_l("La pause entre rendez-vous doit être entre 0 et 120 minutes."), field="break_minutes")
    slots: list[tuple[datetime, datetime]] = []
    ranges: list[tuple[datetime, datetime]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        found = _RANGE.match(line)
        if not found:
            raise InvalidQuery(
                _l("Ligne %(line)d : format attendu « AAAA-MM-JJ HH:MM-HH:MM » (par exemple 2025-06-12 09:00-12:30).",
                   line=number),
                field="slot_ranges",
            )
        y1, m1, d1, d2, m2, y2, h1, n1, h2, n2 = found.groups()
        try:
            day = date(int(y1), int(m1), int(d1)) if y1 else date(int(y2), int(m2), int(d2))
            start = datetime.combine(day, datetime.min.time()).replace(hour=int(h1), minute=int(n1))
            end = datetime.combine(day, datetime.min.time()).replace(hour=int(h2), minute=int(n2))
        except ValueError:
            raise InvalidQuery(
                _l("Ligne %(line)d : date ou heure impossible.", line=number), field="slot_ranges"
            ) from None
        if not starts_on <= day <= ends_on:
            raise InvalidQuery(
                _l("Ligne %(line)d : ce jour est en dehors des dates de l'événement.", line=number), field="slot_ranges"
            )
        if end - start < timedelta(minutes=meeting_minutes):
            raise InvalidQuery(
                _l("Ligne %(line)d : la plage est plus courte qu'un rendez-vous.", line=number), field="slot_ranges"
            )
        if any(start < other_end and other_start < end for other_start, other_end in ranges):
            raise InvalidQuery(
                _l("Ligne %(line)d : cette plage chevauche une autre.", line=number), field="slot_ranges"
            )
        ranges.append((start, end))
        cursor = start
        while cursor + timedelta(minutes=meeting_minutes) <= end:
            slots.append((cursor, cursor + timedelta(minutes=meeting_minutes)))
            cursor += timedelta(minutes=meeting_minutes + break_minutes)
    if not slots:
        raise InvalidQuery(_l("Indiquez au moins une plage horaire de rendez-vous."), field="slot_ranges")
    if len(slots) > MAX_SLOTS:
        raise InvalidQuery(
            _l("Trop de créneaux (%(count)d, %(max)d au plus).", count=len(slots), max=MAX_SLOTS), field="slot_ranges"
        )
    return sorted(slots)


def _check(data: EventInput) -> list[tuple[datetime, datetime]]:
    if not data.name.strip():
        raise InvalidQuery(_l("Donnez un nom à l'événement."), field="name")
    if data.ends_on < data.starts_on:
        raise InvalidQuery(_l("La date de fin précède la date de début."), field="ends_on")
    if not 1 <= data.tables <= MAX_TABLES:
        raise InvalidQuery(_l("Le nombre de tables doit être entre 1 et %(max)d.", max=MAX_TABLES), field="tables")
    unknown = [k for k in data.allowed_kinds if k not in ORGANISATION_KINDS]
    if unknown or not data.allowed_kinds:
        raise InvalidQuery(_l("Choisissez au moins un type d'organisation admis."), field="allowed_kinds")
    if not 1 <= data.max_requests <= 200 or not 1 <= data.max_meetings <= 200:
        raise InvalidQuery(_l("Les limites par participant doivent être entre 1 et 200."), field="max_requests")
    slots = parse_slot_ranges(data.slot_ranges, data.meeting_minutes, data.break_minutes, data.starts_on, data.ends_on)
    if data.registration_deadline > slots[-1][1]:
        raise InvalidQuery(
            _l("La clôture des inscriptions doit précéder la fin des rendez-vous."), field="registration_deadline"
        )
    return slots


def _apply(event: Event, data: EventInput) -> None:
    event.name = data.name.strip()[:200]
    event.description = data.description.strip()[:5000]
    event.place = data.place.strip()[:300]
    event.starts_on = data.starts_on
    event.ends_on = data.ends_on
    event.meeting_minutes = data.meeting_minutes
    event.break_minutes = data.break_minutes
    event.slot_ranges = [line.strip() for line in data.slot_ranges if line.strip()]
    event.tables = data.tables
    event.registration_deadline = data.registration_deadline
    event.allowed_kinds = list(data.allowed_kinds)
    event.requires_validation = data.requires_validation
    event.max_requests = data.max_requests
    event.max_meetings = data.max_meetings
    event.published = data.published


def create_event(session: Session, staff: User, data: EventInput) -> Event:
    """Create an event and its slots."""
    require_staff(staff)
    slots = _check(data)
    event = Event(created_by_id=staff.id)
    _apply(event, data)
    event.slots = [EventSlot(starts_at=start, ends_at=end) for start, end in slots]
    session.add(event)
    session.flush()
    audit.record(session, staff, "event.created", "event", event.public_id, name=event.name)
    session.commit()
    return event


def update_event(session: Session, staff: User, event: Event, data: EventInput) -> int:
    """Apply the form to an event; return how many scheduled meetings lost their slot or table.

    Slots keep their identity when their start time is unchanged, so meetings in them stay put;
    meetings in a removed slot or at a removed table go back to the accepted, unscheduled list.
    """
    require_staff(staff)
    slots = _check(data)
    wanted = dict(slots)
    removed = [slot for slot in event.slots if slot.starts_at not in wanted]
    removed_ids = {slot.id for slot in removed}
    lost = [
        meeting
        for meeting in session.scalars(select(Meeting).where(Meeting.event_id == event.id))
        if meeting.slot_id in removed_ids or meeting.table_number > data.tables
    ]
    for meeting in lost:
        request = meeting.request
        session.delete(meeting)
        request.meeting = None
    session.flush()
    for slot in list(event.slots):
        if slot.id in removed_ids:
            event.slots.remove(slot)
        else:
            slot.ends_at = wanted.pop(slot.starts_at)
    event.slots.extend(EventSlot(starts_at=start, ends_at=end) for start, end in sorted(wanted.items()))
    dropped = len(lost)
    _apply(event, data)
    session.flush()
    kept = {slot.id for slot in event.slots}
    for registration in event.registrations:
        registration.unavailable_slot_ids = [s for s in registration.unavailable_slot_ids if s in kept]
    audit.record(session, staff, "event.updated", "event", event.public_id, unscheduled=dropped or None)
    session.commit()
    return dropped


def list_events(session: Session, user: User) -> list[Event]:
    """Return the events a user may see, soonest first: published ones, and drafts for staff."""
    query = select(Event).order_by(Event.starts_on.desc(), Event.id.desc())
    if not user.is_staff:
        query = query.where(Event.published.is_(True))
    return list(session.scalars(query))


def get_event(session: Session, user: User, public_id: str) -> Event:
    """Return an event the user may see, or raise NotFound (drafts are invisible to participants)."""
    event = session.scalar(select(Event).where(Event.public_id == public_id))
    if event is None or (not event.published and not user.is_staff):
        raise NotFound(_l("Cet événement n'existe pas."))
    return event


def registration_counts(event: Event) -> dict[str, int]:
    """Return the number of registrations per status."""
    counts: dict[str, int] = {}
    for registration in event.registrations:
        counts[registration.status] = counts.get(registration.status, 0) + 1
    return counts


def slot_index(event: Event) -> dict[int, EventSlot]:
    """Return the event's slots keyed by id."""
    return {slot.id: slot for slot in event.slots}


def participants(event: Event, status: str | None = None) -> list[EventRegistration]:
    """Return the event's registrations, optionally only those with one status."""
    return [r for r in event.registrations if status is None or r.status == status]
