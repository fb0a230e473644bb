"""Reviewed profile edits: a member's change to a claimed profile waits for staff; the live profile stays.

One pending revision per organisation (a new edit replaces the pending one). Staff approve it (the
profile and the index change then) or reject it with a reason the member reads. The revision holds
any profile field as JSON, so every kind of organisation and any future section use the same queue.
"""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.models import Organisation, ProfileRevision, RevisionStatus, User, utcnow
from matchmaker.services import audit
from matchmaker.services.alerts import notify_staff, notify_user
from matchmaker.services.pages import Page
from matchmaker.services.profiles import (
    ProfileInput,
    apply_profile,
    clean_profile_input,
    is_member,
    profile_values,
    refresh_index,
)
from matchmaker.services.search.engine import SearchEngine


def _json(data: ProfileInput) -> dict[str, object]:
    values = asdict(data)
    values["competences"], values["certifications"] = list(data.competences), list(data.certifications)
    return values


def pending_revision(session: Session, org: Organisation) -> ProfileRevision | None:
    """Return the organisation's revision waiting for staff, if any."""
    return session.scalar(select(ProfileRevision).where(
        ProfileRevision.organisation_id == org.id, ProfileRevision.status == RevisionStatus.PENDING.value))


def latest_revision(session: Session, org: Organisation) -> ProfileRevision | None:
    """Return the organisation's most recent revision, whatever its status."""
    return session.scalar(select(ProfileRevision).where(ProfileRevision.organisation_id == org.id)
                          .order_by(ProfileRevision.id.desc()).limit(1))


def propose_revision(session: Session, member: User, org: Organisation, data: ProfileInput,
                     message: str = "") -> ProfileRevision:
    """Submit a member's edit of their organisation's profile to staff (replacing a pending one)."""
    if not is_member(member, org):
        raise Forbidden(_l("Vous ne pouvez modifier que la fiche de votre organisation."))
    proposed = _json(clean_profile_input(data))
    live = profile_values(org)
    if proposed == live:
        raise InvalidQuery(_l("Aucune modification par rapport à la fiche en ligne."))
    revision = pending_revision(session, org)
    replaced = revision is not None
    if revision is None:
        revision = ProfileRevision(organisation_id=org.id)
        session.add(revision)
    revision.author_id, revision.proposed, revision.previous = member.id, proposed, live
    revision.message, revision.updated_at = message.strip()[:2000], utcnow()
    session.flush()
    changed = sorted(name for name, value in proposed.items() if live.get(name) != value)
    audit.record(session, member, "profile.revision", "organisation", org.key, revision=revision.public_id,
                 fields=changed, replaces_pending=replaced or None)
    notify_staff(session, "profile", f"Modification de fiche à valider : {org.name}",
                 f"{member.email} propose de modifier la fiche {org.name} ({', '.join(changed)}).")
    session.commit()
    return revision


def get_revision(session: Session, public_id: str) -> ProfileRevision:
    """Return a revision by public id (staff), or NotFound."""
    revision = session.scalar(select(ProfileRevision).where(ProfileRevision.public_id == public_id))
    if revision is None:
        raise NotFound(_l("Cette modification n'existe pas."))
    return revision


def pending_revisions(session: Session, *, offset: int = 0, limit: int = 20) -> Page[ProfileRevision]:
    """Return one page of the revisions waiting for staff, oldest first."""
    query = select(ProfileRevision).where(ProfileRevision.status == RevisionStatus.PENDING.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(session.scalars(query.order_by(ProfileRevision.updated_at, ProfileRevision.id)
                                 .offset(offset).limit(limit)))
    return Page(items=items, total=total, offset=offset, limit=limit)


def changes(revision: ProfileRevision) -> list[tuple[str, object, object]]:
    """Return (field, live value now, proposed value) for every field the revision would change."""
    live = profile_values(revision.organisation)
    return [(name, live.get(name), value) for name, value in revision.proposed.items() if live.get(name) != value]


def _check_pending(revision: ProfileRevision) -> None:
    if revision.status != RevisionStatus.PENDING:
        raise Conflict(_l("Cette modification a déjà été traitée."))


def approve_revision(engine: SearchEngine, session: Session, staff: User, revision: ProfileRevision) -> None:
    """Publish a revision: the profile takes the proposed values and becomes searchable as such."""
    _check_pending(revision)
    org = revision.organisation
    changed = [name for name, _, _ in changes(revision)]
    apply_profile(org, clean_profile_input(ProfileInput(**revision.proposed)))
    revision.status, revision.reviewed_by_id, revision.reviewed_at = RevisionStatus.APPROVED.value, staff.id, utcnow()
    audit.record(session, staff, "profile.revision_approve", "organisation", org.key, revision=revision.public_id,
                 fields=changed)
    if revision.author is not None:
        notify_user(session, revision.author, "profile", f"Modification publiée : {org.name}",
                    "L'équipe a validé votre modification : la fiche en ligne est à jour.")
    session.commit()
    refresh_index(engine, session)


def reject_revision(session: Session, staff: User, revision: ProfileRevision, reason: str) -> None:
    """Refuse a revision with the reason given to its author; the live profile does not change."""
    if not reason.strip():
        raise InvalidQuery(_l("Indiquez la raison du refus."), field="reason")
    _check_pending(revision)
    revision.status, revision.review_note = RevisionStatus.REJECTED.value, reason.strip()[:2000]
    revision.reviewed_by_id, revision.reviewed_at = staff.id, utcnow()
    org = revision.organisation
    audit.record(session, staff, "profile.revision_reject", "organisation", org.key, revision=revision.public_id,
                 reason=revision.review_note)
    if revision.author is not None:
        notify_user(session, revision.author, "profile", f"Modification refusée : {org.name}",
                    f"L'équipe n'a pas publié votre modification. Motif : {revision.review_note}")
    session.commit()
