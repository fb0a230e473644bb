"""Schedule use cases: run the solver on an event's accepted requests, read agendas and the organiser's grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from matchmaker import scheduling
from matchmaker.errors import Conflict
from matchmaker.models import (
    Event,
    EventRegistration,
    EventSlot,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingRequestStatus,
    RegistrationStatus,
    User,
    utcnow,
)
from matchmaker.services import audit
from matchmaker.services.events.meetings import event_requests, latest_feedback
from matchmaker.services.events.organising import require_staff

UNPLACED_LABELS = {
    scheduling.UnplacedReason.UNAVAILABLE.value: "un participant est indisponible sur tous les créneaux",
    scheduling.UnplacedReason.NO_COMMON_SLOT.value: "aucun créneau où les deux participants sont disponibles",
    scheduling.UnplacedReason.FULLY_BOOKED.value: (
        "agenda complet : {participant} est pris sur tous les créneaux communs"
    ),
    scheduling.UnplacedReason.NO_TABLE.value: "plus de table libre sur les créneaux communs",
    scheduling.UnplacedReason.CONFLICTS.value: (
        "chaque créneau commun est pris par un autre rendez-vous ou n'a plus de table"
    ),
}


@dataclass(frozen=True)
class AgendaItem:
    """One meeting of a participant's agenda."""

    meeting: Meeting
    slot: EventSlot
    table: int
    other: EventRegistration
    request: MeetingRequest
    feedback: MeetingFeedback | None = None


def _schedulable_requests(session: Session, event: Event) -> list[MeetingRequest]:
    """Return the accepted requests between validated participants; free the tables of the others."""
    accepted = []
    for request in event_requests(session, event, MeetingRequestStatus.ACCEPTED.value):
        if request.requester.status == request.target.status == RegistrationStatus.VALIDATED.value:
            accepted.append(request)
        elif request.meeting is not None:  # a participant was refused since: free the table
            session.delete(request.meeting)
            request.meeting = None
    return accepted


def _problem(event: Event, accepted: list[MeetingRequest], keep_existing: bool) -> scheduling.SchedulingProblem:
    """Translate the event's slots, tables, accepted requests and unavailability into the solver's terms."""
    position = {slot.id: n for n, slot in enumerate(event.slots)}
    meetings = []
    for request in accepted:
        placed = request.meeting
        pinned = keep_existing and placed is not None and placed.slot_id in position
        meetings.append(
            scheduling.Meeting(
                id=request.id,
                participants=(request.requester_id, request.target_id),
                score=max(request.score or 0.0, 0.0),
                pinned_slot=position[placed.slot_id] if pinned and placed else None,
                pinned_table=placed.table_number if pinned and placed else None,
            )
        )
    unavailable = {
        r.id: frozenset(position[s] for s in r.unavailable_slot_ids if s in position) for r in event.registrations
    }
    return scheduling.SchedulingProblem(
        slots=len(event.slots), tables=event.tables, meetings=meetings, unavailable=unavailable
    )


def _store_placements(
    session: Session, event: Event, accepted: list[MeetingRequest], schedule: scheduling.Schedule
) -> None:
    """Create, move or delete the meeting rows so that they match the schedule."""
    by_request = {r.id: r for r in accepted}
    # Park the meetings already placed on temporary tables, so moving them never trips the
    # (slot, table) uniqueness mid-flush; rows are updated in place to keep their feedback.
    for request in accepted:
        if request.meeting is not None:
            request.meeting.table_number = -request.meeting.id
    session.flush()
    placed = set()
    for placement in schedule.placements:
        request = by_request[placement.meeting_id]
        request.unplaced_reason = None
        placed.add(request.id)
        slot_id = event.slots[placement.slot].id
        if request.meeting is None:
            session.add(Meeting(event_id=event.id, request=request, slot_id=slot_id, table_number=placement.table))
        else:
            request.meeting.slot_id = slot_id
            request.meeting.table_number = placement.table
    for request in accepted:
        if request.id not in placed and request.meeting is not None:
            session.delete(request.meeting)
            request.meeting = None


def _unplaced_report(event: Event, accepted: list[MeetingRequest], schedule: scheduling.Schedule) -> list[dict]:
    """Record on each request why it was not placed; return the report's rows."""
    by_request = {r.id: r for r in accepted}
    registrations = {r.id: r for r in event.registrations}
    unplaced = []
    for item in schedule.unplaced:
        request = by_request[item.meeting_id]
        request.unplaced_reason = item.reason.value
        blamed = registrations.get(item.participant)  # type: ignore[arg-type]
        unplaced.append(
            {
                "request": request.public_id,
                "reason": item.reason.value,
                "participant": blamed.public_id if blamed is not None else None,
            }
        )
    return unplaced


def run_scheduler(
    session: Session, staff: User, event: Event, *, keep_existing: bool = True, time_limit: float = 30.0
) -> dict[str, Any]:
    """Place the event's accepted meetings in slots and tables; store the meetings and the report.

    With ``keep_existing``, meetings already placed stay where they are when still feasible, so
    agendas already sent change as little as possible.
    """
    require_staff(staff)
    if not event.slots:
        raise Conflict(_l("L'événement n'a aucun créneau."))
    accepted = _schedulable_requests(session, event)
    schedule = scheduling.solve(_problem(event, accepted, keep_existing), time_limit=time_limit)
    _store_placements(session, event, accepted, schedule)
    unplaced = _unplaced_report(event, accepted, schedule)
    event.schedule_report = {
        "status": schedule.status,
        "method": schedule.method,
        "placed": schedule.placed,
        "unplaced": unplaced,
        "max_placeable": schedule.max_placeable,
        "seconds": round(schedule.seconds, 2),
        "accepted": len(accepted),
        "at": utcnow().isoformat(timespec="seconds"),
    }
    event.scheduled_at = utcnow()
    audit.record(
        session,
        staff,
        "event.scheduled",
        "event",
        event.public_id,
        placed=schedule.placed,
        unplaced=len(unplaced),
        status=schedule.status,
    )
    session.commit()
    return event.schedule_report


def unplaced_label(request: MeetingRequest) -> str:
    """Return why the last scheduler run could not place this accepted request (empty when placed)."""
    if not request.unplaced_reason or request.meeting is not None:
        return ""
    label = UNPLACED_LABELS.get(request.unplaced_reason, request.unplaced_reason)
    report = request.requester.event.schedule_report or {}
    blamed = next((u["participant"] for u in report.get("unplaced", []) if u["request"] == request.public_id), None)
    name = next(
        (r.display_name for r in (request.requester, request.target) if r.public_id == blamed), "un participant"
    )
    return label.format(participant=name)


def agenda(session: Session, registration: EventRegistration) -> list[AgendaItem]:
    """Return a participant's scheduled meetings in time order, with their latest feedback."""
    meetings = session.scalars(
        select(Meeting)
        .join(MeetingRequest, Meeting.request_id == MeetingRequest.id)
        .join(EventSlot, Meeting.slot_id == EventSlot.id)
        .where(
            MeetingRequest.status == MeetingRequestStatus.ACCEPTED.value,
            or_(MeetingRequest.requester_id == registration.id, MeetingRequest.target_id == registration.id),
        )
        .order_by(EventSlot.starts_at)
    )
    items = []
    for meeting in meetings:
        request = meeting.request
        other = request.target if request.requester_id == registration.id else request.requester
        items.append(
            AgendaItem(
                meeting=meeting,
                slot=meeting.slot,
                table=meeting.table_number,
                other=other,
                request=request,
                feedback=latest_feedback(meeting, registration),
            )
        )
    return items


def unplaced_requests(session: Session, event: Event) -> list[MeetingRequest]:
    """Return the event's accepted requests that have no place yet."""
    return [r for r in event_requests(session, event, MeetingRequestStatus.ACCEPTED.value) if r.meeting is None]


def unscheduled(session: Session, registration: EventRegistration) -> list[MeetingRequest]:
    """Return a participant's accepted requests that have no place yet."""
    return [
        r
        for r in session.scalars(
            select(MeetingRequest).where(
                MeetingRequest.status == MeetingRequestStatus.ACCEPTED.value,
                or_(MeetingRequest.requester_id == registration.id, MeetingRequest.target_id == registration.id),
            )
        )
        if r.meeting is None
    ]


def grid(session: Session, event: Event) -> list[tuple[EventSlot, list[Meeting | None]]]:
    """Return the organiser's grid: one row per slot, one cell per table (None when the table is free)."""
    cells: dict[tuple[int, int], Meeting] = {
        (m.slot_id, m.table_number): m for m in session.scalars(select(Meeting).where(Meeting.event_id == event.id))
    }
    return [(slot, [cells.get((slot.id, t)) for t in range(1, event.tables + 1)]) for slot in event.slots]


def scheduled_meetings(session: Session, event: Event) -> list[Meeting]:
    """Return every scheduled meeting of an event in time then table order."""
    return list(
        session.scalars(
            select(Meeting)
            .join(EventSlot, Meeting.slot_id == EventSlot.id)
            .where(Meeting.event_id == event.id)
            .order_by(EventSlot.starts_at, Meeting.table_number)
        )
    )
