"""Meeting request use cases: ask, accept, decline, cancel; staff add meetings; feedback afterwards."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.models import (
    Event,
    EventRegistration,
    FeedbackVerdict,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingRequestStatus,
    RegistrationStatus,
    User,
    utcnow,
)
from matchmaker.services import audit
from matchmaker.services.events.organising import local_now, require_staff
from matchmaker.services.events.registrations import get_registration, is_member, registration_of
from matchmaker.services.events.suggestions import pair_score
from matchmaker.services.search.engine import SearchEngine

ACTIVE = (MeetingRequestStatus.REQUESTED.value, MeetingRequestStatus.ACCEPTED.value)
MAX_MESSAGE_CHARS = 1000


def _validated(registration: EventRegistration | None, who: str | LazyString) -> EventRegistration:
    if registration is None or registration.status != RegistrationStatus.VALIDATED.value:
        raise Conflict(_l("%(who)s n'est pas un participant validé de cet événement.", who=who))
    return registration


def accepted_count(session: Session, registration: EventRegistration) -> int:
    """Return how many accepted meetings a participant has."""
    return (
        session.scalar(
            select(func.count(MeetingRequest.id)).where(
                MeetingRequest.status == MeetingRequestStatus.ACCEPTED.value,
                or_(MeetingRequest.requester_id == registration.id, MeetingRequest.target_id == registration.id),
            )
        )
        or 0
    )


def _sent_count(session: Session, registration: EventRegistration) -> int:
    return (
        session.scalar(
            select(func.count(MeetingRequest.id)).where(
                MeetingRequest.requester_id == registration.id,
                MeetingRequest.status.in_(ACTIVE),
                MeetingRequest.origin == "participant",
            )
        )
        or 0
    )


def pair_request(session: Session, a: EventRegistration, b: EventRegistration) -> MeetingRequest | None:
    """Return the live (requested, accepted or declined) request between two participants, if any."""
    return session.scalar(
        select(MeetingRequest).where(
            MeetingRequest.status != MeetingRequestStatus.CANCELLED.value,
            or_(
                (MeetingRequest.requester_id == a.id) & (MeetingRequest.target_id == b.id),
                (MeetingRequest.requester_id == b.id) & (MeetingRequest.target_id == a.id),
            ),
        )
    )


def request_meeting(
    session: Session, engine: SearchEngine, user: User, event: Event, target_public_id: str, message: str = ""
) -> MeetingRequest:
    """Ask another participant for a meeting, storing the suggestion score of the pair."""
    mine = _validated(registration_of(session, event, user), "Vous")
    target = _validated(get_registration(session, event, target_public_id), "Ce participant")
    if target.id == mine.id:
        raise InvalidQuery(_l("Vous ne pouvez pas vous demander un rendez-vous à vous-même."), field="target")
    if event.slots and local_now() > event.slots[-1].ends_at:
        raise Conflict(_l("L'événement est terminé."))
    if pair_request(session, mine, target) is not None:
        raise Conflict(_l("Une demande existe déjà entre vous et ce participant."))
    if _sent_count(session, mine) >= event.max_requests:
        raise Conflict(
            _l("Vous avez atteint la limite de %(n)d demandes en cours pour cet événement.", n=event.max_requests)
        )
    if accepted_count(session, mine) >= event.max_meetings:
        raise Conflict(_l("Votre agenda est complet (%(n)d rendez-vous au plus).", n=event.max_meetings))
    if accepted_count(session, target) >= event.max_meetings:
        raise Conflict(_l("L'agenda de ce participant est complet."))
    score, parts = pair_score(engine, session, mine, target)
    request = MeetingRequest(
        event_id=event.id,
        requester_id=mine.id,
        target_id=target.id,
        message=message.strip()[:MAX_MESSAGE_CHARS],
        score=score,
        score_parts=parts,
        created_by_id=user.id,
    )
    session.add(request)
    session.flush()
    audit.record(session, user, "meeting.requested", "meeting_request", request.public_id, score=score)
    session.commit()
    return request


def get_request(session: Session, user: User, event: Event, public_id: str) -> MeetingRequest:
    """Return a request the user is party to (or any request for staff); NotFound otherwise."""
    request = session.scalar(
        select(MeetingRequest).where(MeetingRequest.event_id == event.id, MeetingRequest.public_id == public_id)
    )
    if request is None or not (user.is_staff or is_member(user, request.requester) or is_member(user, request.target)):
        raise NotFound(_l("Cette demande de rendez-vous n'existe pas."))
    return request


def answer_request(session: Session, user: User, request: MeetingRequest, accept: bool) -> MeetingRequest:
    """Accept or decline a request addressed to the user's registration."""
    if not is_member(user, request.target):
        raise Forbidden(_l("Seul le participant sollicité peut répondre à cette demande."))
    if request.status != MeetingRequestStatus.REQUESTED.value:
        raise Conflict(_l("Cette demande a déjà reçu une réponse."))
    if accept:
        limit = request.requester.event.max_meetings
        if accepted_count(session, request.target) >= limit:
            raise Conflict(_l("Votre agenda est complet (%(n)d rendez-vous au plus).", n=limit))
        if accepted_count(session, request.requester) >= limit:
            raise Conflict(_l("L'agenda du demandeur est complet."))
    request.status = (MeetingRequestStatus.ACCEPTED if accept else MeetingRequestStatus.DECLINED).value
    request.decided_by_id = user.id
    request.decided_at = utcnow()
    audit.record(session, user, f"meeting.{request.status}", "meeting_request", request.public_id)
    session.commit()
    return request


def cancel_request(session: Session, user: User, request: MeetingRequest) -> MeetingRequest:
    """Cancel a pending request or an accepted meeting (either participant, or staff); frees its slot."""
    if not (user.is_staff or is_member(user, request.requester) or is_member(user, request.target)):
        raise NotFound(_l("Cette demande de rendez-vous n'existe pas."))
    if request.status not in ACTIVE:
        raise Conflict(_l("Cette demande n'est plus active."))
    request.status = MeetingRequestStatus.CANCELLED.value
    request.decided_by_id = user.id
    request.decided_at = utcnow()
    if request.meeting is not None:
        session.delete(request.meeting)
        request.meeting = None
    audit.record(session, user, "meeting.cancelled", "meeting_request", request.public_id, by_staff=user.is_staff)
    session.commit()
    return request


def add_meeting(
    session: Session, engine: SearchEngine, staff: User, event: Event, first_public_id: str, second_public_id: str
) -> MeetingRequest:
    """Add an accepted meeting between two validated participants (staff; limits do not apply)."""
    require_staff(staff)
    first = _validated(get_registration(session, event, first_public_id), _l("Le premier participant"))
    second = _validated(get_registration(session, event, second_public_id), _l("Le second participant"))
    if first.id == second.id:
        raise InvalidQuery(_l("Choisissez deux participants différents."), field="second")
    existing = pair_request(session, first, second)
    if existing is not None and existing.status == MeetingRequestStatus.ACCEPTED.value:
        raise Conflict(_l("Ces participants ont déjà un rendez-vous."))
    request = existing
    if request is None:
        score, parts = pair_score(engine, session, first, second)
        request = MeetingRequest(
            event_id=event.id,
            requester_id=first.id,
            target_id=second.id,
            score=score,
            score_parts=parts,
            created_by_id=staff.id,
        )
        session.add(request)
    request.origin = "staff"
    request.status = MeetingRequestStatus.ACCEPTED.value
    request.decided_by_id = staff.id
    request.decided_at = utcnow()
    session.flush()
    audit.record(session, staff, "meeting.added", "meeting_request", request.public_id)
    session.commit()
    return request


def requests_of(session: Session, registration: EventRegistration) -> tuple[list[MeetingRequest], list[MeetingRequest]]:
    """Return (received, sent) requests of a participant, newest first."""
    rows = list(
        session.scalars(
            select(MeetingRequest)
            .where(or_(MeetingRequest.requester_id == registration.id, MeetingRequest.target_id == registration.id))
            .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
        )
    )
    return [r for r in rows if r.target_id == registration.id], [r for r in rows if r.requester_id == registration.id]


def event_requests(session: Session, event: Event, status: str | None = None) -> list[MeetingRequest]:
    """Return every request of an event (staff view), optionally with one status."""
    query = select(MeetingRequest).where(MeetingRequest.event_id == event.id)
    if status:
        query = query.where(MeetingRequest.status == status)
    return list(session.scalars(query.order_by(MeetingRequest.created_at, MeetingRequest.id)))


def get_meeting(session: Session, user: User, event: Event, public_id: str) -> tuple[Meeting, EventRegistration]:
    """Return a scheduled meeting and the user's side of it; NotFound when the user is not in it."""
    meeting = session.scalar(select(Meeting).where(Meeting.event_id == event.id, Meeting.public_id == public_id))
    if meeting is None:
        raise NotFound(_l("Ce rendez-vous n'existe pas."))
    for side in (meeting.request.requester, meeting.request.target):
        if is_member(user, side):
            return meeting, side
    raise NotFound(_l("Ce rendez-vous n'existe pas."))


def record_feedback(
    session: Session, user: User, event: Event, meeting_public_id: str, verdict: str, now: datetime | None = None
) -> MeetingFeedback:
    """Store a participant's one-click verdict on a meeting that took place, as a label with who/when/score."""
    if verdict not in {v.value for v in FeedbackVerdict}:
        raise InvalidQuery(_l("Avis inconnu."), field="verdict")
    meeting, side = get_meeting(session, user, event, meeting_public_id)
    if meeting.request.status != MeetingRequestStatus.ACCEPTED.value:
        raise Conflict(_l("Ce rendez-vous a été annulé."))
    if (now or local_now()) < meeting.slot.ends_at:
        raise Conflict(_l("Vous pourrez donner votre avis une fois le rendez-vous passé."))
    request = meeting.request
    other = request.target if side.id == request.requester_id else request.requester
    label = MeetingFeedback(
        meeting_id=meeting.id,
        event_id=event.id,
        registration_id=side.id,
        about_registration_id=other.id,
        author_id=user.id,
        verdict=verdict,
        score=request.score,
        score_parts=dict(request.score_parts or {}),
    )
    session.add(label)
    session.flush()
    audit.record(session, user, "meeting.feedback", "meeting", meeting.public_id, verdict=verdict)
    session.commit()
    return label


def latest_feedback(meeting: Meeting, registration: EventRegistration) -> MeetingFeedback | None:
    """Return the participant's latest verdict on a meeting (labels are kept, the last one counts)."""
    own = [f for f in meeting.feedback if f.registration_id == registration.id]
    return own[-1] if own else None
