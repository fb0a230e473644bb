"""Privacy (GDPR) use cases: an organisation exports, or deletes, everything the platform holds about it.

The scope is the user's organisation and every account attached to it, or the account alone when it
speaks for no organisation. Deleting removes the profile and its evidence, the needs, shortlists,
saved searches, claims, introductions, event registrations and messages, and anonymises the accounts
(the rows stay, so that the minimal audit record — who did what and when — keeps its references;
the details written into the audit events are cleared).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from matchmaker.errors import InvalidQuery
from matchmaker.models import (
    AuditEvent,
    CertificationVerification,
    CurationDecision,
    Evidence,
    EvidenceEmbedding,
    Introduction,
    IntroductionEvent,
    IntroductionStatus,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    Need,
    Organisation,
    OrganisationLink,
    OutboxMessage,
    ProfileClaim,
    ProfileRevision,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
    Suggestion,
    User,
    utcnow,
)
from matchmaker.models.events import EventRegistration
from matchmaker.services import audit
from matchmaker.services.profiles import refresh_index
from matchmaker.services.search.engine import SearchEngine

DELETE_CONFIRMATION = "SUPPRIMER"
HIDDEN_FROM_ORGANISATION = (IntroductionStatus.REQUESTED.value, IntroductionStatus.REJECTED.value)


@dataclass
class PrivacyScope:
    """Whose data a request covers: an organisation and its accounts, or one account alone."""

    organisation: Organisation | None
    members: list[User] = field(default_factory=list)

    @property
    def member_ids(self) -> list[int]:
        """Return the database ids of the accounts in scope."""
        return [member.id for member in self.members]


def scope_of(session: Session, user: User) -> PrivacyScope:
    """Return the organisation the user speaks for (with all its accounts), or the user alone."""
    org = user.organisation
    if org is None:
        return PrivacyScope(organisation=None, members=[user])
    members = list(session.scalars(select(User).where(User.organisation_id == org.id).order_by(User.id)))
    return PrivacyScope(organisation=org, members=members)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(org: Organisation) -> dict[str, Any]:
    return {
        "key": org.key, "name": org.name, "kind": org.kind, "acronym": org.acronym,
        "description_fr": org.description_fr, "description_en": org.description_en,
        "keywords": list(org.keywords or ()), "certifications": list(org.certifications or ()),
        "city": org.city, "postcode": org.postcode, "region": org.region, "siren": org.siren,
        "rnsr_id": org.rnsr_id, "website": org.website, "contact_email": org.contact_email,
        "source": org.source, "source_url": org.source_url, "claimed": org.claimed,
        "created_at": _iso(org.created_at), "updated_at": _iso(org.updated_at),
        "evidence": [{"key": e.key, "kind": e.kind, "title": e.title, "text": e.text, "source": e.source,
                      "updated_at": _iso(e.updated_at)} for e in org.evidence],
    }


def _introduction(intro: Introduction, received: bool) -> dict[str, Any]:
    # Double opt-in: the organisation learns who asked only once it has accepted.
    reveal = not received or intro.status == IntroductionStatus.ACCEPTED
    return {
        "id": intro.public_id, "organisation": intro.organisation.key, "status": intro.status,
        "message": intro.message, "requester": intro.requester.email if reveal else None,
        "created_at": _iso(intro.created_at), "accepted_at": _iso(intro.accepted_at),
        "timeline": [{"status": e.status, "at": _iso(e.created_at)} for e in intro.events],
    }


def _owned(session: Session, model: Any, owner_column: Any, ids: list[int]) -> list[Any]:
    return list(session.scalars(select(model).where(owner_column.in_(ids)).order_by(model.id))) if ids else []


def _registrations(session: Session, scope: PrivacyScope) -> list[EventRegistration]:
    conditions = [EventRegistration.user_id.in_(scope.member_ids)]
    if scope.organisation is not None:
        conditions.append(EventRegistration.organisation_id == scope.organisation.id)
    return list(session.scalars(select(EventRegistration).where(or_(*conditions)).order_by(EventRegistration.id)))


def _introductions(session: Session, scope: PrivacyScope) -> tuple[list[Introduction], list[Introduction]]:
    sent = _owned(session, Introduction, Introduction.requester_id, scope.member_ids)
    received: list[Introduction] = []
    if scope.organisation is not None:
        received = list(session.scalars(select(Introduction).where(
            Introduction.organisation_id == scope.organisation.id).order_by(Introduction.id)))
    return sent, received


def _object_refs(session: Session, scope: PrivacyScope, *, hidden: bool) -> list[tuple[str, str]]:
    """Return (object_type, object_id) of every audited object in scope (with the requests staff held back)."""
    ids = scope.member_ids
    refs = [("need", n.public_id) for n in _owned(session, Need, Need.owner_id, ids)]
    refs += [("shortlist", s.public_id) for s in _owned(session, Shortlist, Shortlist.owner_id, ids)]
    refs += [("saved_search", s.public_id) for s in _owned(session, SavedSearch, SavedSearch.owner_id, ids)]
    refs += [("claim", c.public_id) for c in _owned(session, ProfileClaim, ProfileClaim.user_id, ids)]
    sent, received = _introductions(session, scope)
    if not hidden:
        received = [i for i in received if i.status not in HIDDEN_FROM_ORGANISATION]
    refs += [("introduction", i.public_id) for i in {*sent, *received}]
    refs += [("event_registration", r.public_id) for r in _registrations(session, scope)]
    if scope.organisation is not None:
        refs.append(("organisation", scope.organisation.key))
    return refs


def _audit_query(session: Session, scope: PrivacyScope, *, hidden: bool):
    refs = _object_refs(session, scope, hidden=hidden)
    conditions = [AuditEvent.actor_id.in_(scope.member_ids)]
    for object_type in {kind for kind, _ in refs}:
        conditions.append((AuditEvent.object_type == object_type)
                          & AuditEvent.object_id.in_([ref for kind, ref in refs if kind == object_type]))
    return select(AuditEvent).where(or_(*conditions))


def _actor_label(event: AuditEvent, members: list[int]) -> str:
    if event.actor_id in members:
        return "member"
    if event.actor is None:
        return "system"
    return "staff" if event.actor.is_staff else "other user"


def export_data(session: Session, user: User) -> dict[str, Any]:
    """Return everything the platform holds about the user's organisation and its accounts, as JSON data."""
    scope = scope_of(session, user)
    ids = scope.member_ids
    sent, received = _introductions(session, scope)
    visible = [i for i in received if i.status not in HIDDEN_FROM_ORGANISATION]
    # Requests that staff have not forwarded (or refused) stay unknown to the organisation, here too.
    events = session.scalars(_audit_query(session, scope, hidden=False).order_by(AuditEvent.id))
    return {
        "generated_at": _iso(utcnow()),
        "organisation": _profile(scope.organisation) if scope.organisation is not None else None,
        "accounts": [{"email": m.email, "name": m.name, "role": m.role, "locale": m.locale,
                      "active": m.is_active_account, "created_at": _iso(m.created_at)} for m in scope.members],
        "needs": [{"id": n.public_id, "title": n.title, "description": n.description, "status": n.status,
                   "sought_kinds": list(n.sought_kinds or ()), "certifications": list(n.certifications or ()),
                   "region": n.region, "deadline": _iso(n.deadline), "confidentiality": n.confidentiality,
                   "review_note": n.review_note, "created_at": _iso(n.created_at)}
                  for n in _owned(session, Need, Need.owner_id, ids)],
        "shortlists": [{"id": s.public_id, "name": s.name, "entries": [
            {"organisation": e.organisation.key, "note": e.note, "added_at": _iso(e.added_at)} for e in s.entries]}
            for s in _owned(session, Shortlist, Shortlist.owner_id, ids)],
        "saved_searches": [{"id": s.public_id, "name": s.name, "query": s.query, "alerts": s.alerts_enabled}
                           for s in _owned(session, SavedSearch, SavedSearch.owner_id, ids)],
        "profile_claims": [{"id": c.public_id, "kind": c.kind, "status": c.status, "message": c.message,
                            "created_at": _iso(c.created_at)}
                           for c in _owned(session, ProfileClaim, ProfileClaim.user_id, ids)],
        "profile_revisions": [{"id": r.public_id, "status": r.status, "proposed": r.proposed,
                               "review_note": r.review_note, "created_at": _iso(r.created_at)}
                              for r in _owned(session, ProfileRevision, ProfileRevision.author_id, ids)],
        "introductions": {"requested": [_introduction(i, received=False) for i in sent],
                          "received": [_introduction(i, received=True) for i in visible]},
        "event_registrations": [{"id": r.public_id, "event": r.event.name, "status": r.status,
                                 "offer": r.offer_text, "seek": r.seek_text} for r in _registrations(session, scope)],
        "messages": [{"subject": m.subject, "body": m.body, "status": m.status, "created_at": _iso(m.created_at)}
                     for m in _owned(session, OutboxMessage, OutboxMessage.user_id, ids)],
        # Who acted is said as a role only: other people's identities are not the organisation's data.
        "audit": [{"action": e.action, "object_type": e.object_type, "object_id": e.object_id,
                   "at": _iso(e.created_at), "by": _actor_label(e, ids),
                   **({"details": e.details} if e.actor_id in ids else {})} for e in events],
    }


def _delete(session: Session, model: Any, condition: Any) -> int:
    return session.execute(delete(model).where(condition)).rowcount or 0


def _ids(rows: Iterable[Any]) -> list[int]:
    return [row.id for row in rows]


def _check_deletion(user: User, confirmation: str, password: str) -> None:
    if confirmation.strip().upper() != DELETE_CONFIRMATION:
        raise InvalidQuery(
            _l("Tapez %(word)s pour confirmer la suppression.", word=DELETE_CONFIRMATION), field="confirmation"
        )
    if not user.check_password(password):
        raise InvalidQuery(_l("Mot de passe incorrect."), field="password")


def _delete_event_rows(session: Session, registrations: list[int], need_ids: list[int]) -> None:
    """Delete the event registrations, their meeting requests, meetings and feedback."""
    requests = list(session.scalars(select(MeetingRequest.id).where(
        or_(MeetingRequest.requester_id.in_(registrations), MeetingRequest.target_id.in_(registrations)))))
    _delete(session, MeetingFeedback, or_(MeetingFeedback.registration_id.in_(registrations),
                                          MeetingFeedback.about_registration_id.in_(registrations)))
    _delete(session, Meeting, Meeting.request_id.in_(requests))
    _delete(session, MeetingRequest, MeetingRequest.id.in_(requests))
    _delete(session, EventRegistration, EventRegistration.id.in_(registrations))
    session.execute(update(EventRegistration).where(EventRegistration.need_id.in_(need_ids)).values(need_id=None))


def _delete_workflow_rows(
    session: Session, members: list[int], org_id: int, need_ids: list[int], intro_ids: list[int], shortlists: list[int]
) -> None:
    """Delete curation, introductions, shortlists, saved searches, claims and messages of the scope."""
    _delete(session, CurationDecision, or_(CurationDecision.need_id.in_(need_ids),
                                           CurationDecision.organisation_id == org_id))
    _delete(session, Suggestion, or_(Suggestion.need_id.in_(need_ids), Suggestion.organisation_id == org_id))
    _delete(session, IntroductionEvent, IntroductionEvent.introduction_id.in_(intro_ids))
    _delete(session, Introduction, Introduction.id.in_(intro_ids))
    session.execute(update(Introduction).where(Introduction.need_id.in_(need_ids)).values(need_id=None))
    _delete(session, ShortlistEntry, or_(ShortlistEntry.shortlist_id.in_(shortlists),
                                         ShortlistEntry.organisation_id == org_id))
    _delete(session, Shortlist, Shortlist.id.in_(shortlists))
    session.execute(update(Shortlist).where(Shortlist.need_id.in_(need_ids)).values(need_id=None))
    _delete(session, SavedSearch, SavedSearch.owner_id.in_(members))
    _delete(session, ProfileClaim, or_(ProfileClaim.user_id.in_(members), ProfileClaim.organisation_id == org_id))
    _delete(session, ProfileRevision, or_(ProfileRevision.author_id.in_(members),
                                          ProfileRevision.organisation_id == org_id))
    _delete(session, CertificationVerification, CertificationVerification.organisation_id == org_id)
    _delete(session, OutboxMessage, OutboxMessage.user_id.in_(members))


def _delete_profile(session: Session, org: Organisation | None, needs: list[Need]) -> int:
    """Delete the organisation, its evidence (and that of its needs) and the needs; return the evidence count."""
    org_id = org.id if org is not None else -1
    need_evidence = [f"need:{need.public_id}" for need in needs]
    evidence = list(session.scalars(select(Evidence.id).where(
        or_(Evidence.organisation_id == org_id, Evidence.key.in_(need_evidence)))))
    _delete(session, EvidenceEmbedding, EvidenceEmbedding.evidence_id.in_(evidence))
    _delete(session, Evidence, Evidence.id.in_(evidence))
    _delete(session, Need, Need.id.in_(_ids(needs)))
    if org is not None:
        _delete(session, OrganisationLink, or_(OrganisationLink.from_id == org.id, OrganisationLink.to_key == org.key))
        session.execute(update(User).where(User.organisation_id == org.id).values(organisation_id=None))
        _delete(session, Organisation, Organisation.id == org.id)
    return len(evidence)


def _anonymise_accounts(session: Session, members: list[int]) -> None:
    for member_id in members:
        session.execute(update(User).where(User.id == member_id).values(
            email=f"deleted-{member_id}@deleted.invalid", name="", locale=None, is_active_account=False,
            organisation_id=None, password_hash=f"!deleted:{secrets.token_hex(16)}",
            session_version=User.session_version + 1,
        ))


def delete_data(
    engine: SearchEngine, session: Session, user: User, *, confirmation: str, password: str
) -> dict[str, int]:
    """Erase the organisation's profile and content and anonymise its accounts; return what was removed.

    Rows are deleted explicitly, children first, so that SQLite (no foreign key enforcement) and
    PostgreSQL (ON DELETE rules) end in the same state.
    """
    _check_deletion(user, confirmation, password)
    scope = scope_of(session, user)
    org, members = scope.organisation, scope.member_ids
    audit_ids = list(session.scalars(_audit_query(session, scope, hidden=True).with_only_columns(AuditEvent.id)))
    needs = _owned(session, Need, Need.owner_id, members)
    need_ids = _ids(needs)
    sent, received = _introductions(session, scope)
    intro_ids = _ids({*sent, *received})
    registrations = _ids(_registrations(session, scope))
    shortlists = _ids(_owned(session, Shortlist, Shortlist.owner_id, members))
    counts = {
        "needs": len(need_ids), "introductions": len(intro_ids), "shortlists": len(shortlists),
        "event_registrations": len(registrations), "accounts": len(members),
    }
    _delete_event_rows(session, registrations, need_ids)
    _delete_workflow_rows(session, members, org.id if org is not None else -1, need_ids, intro_ids, shortlists)
    counts["evidence"] = _delete_profile(session, org, needs)
    _anonymise_accounts(session, members)
    # Keep the minimal audit record (who, what, on which object, when), not what was written in it.
    session.execute(update(AuditEvent).where(AuditEvent.id.in_(audit_ids)).values(details={}))
    session.expire_all()
    actor = session.get(User, user.id)
    audit.record(session, actor, "privacy.delete", "organisation" if org is not None else "account",
                 org.key if org is not None else user.id, **counts)
    session.commit()
    if counts["evidence"]:
        refresh_index(engine, session)
    return counts
