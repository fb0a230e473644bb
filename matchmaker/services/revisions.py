"""Reviewed profile edits: a member's change to a claimed profile waits for staff; the live profile stays.

One pending revision per organisation and scope (a new edit replaces the pending one). Staff approve it
(the profile and the index change then) or reject it with a reason the member reads. The revision holds
its values as JSON; its scope says what they are: the profile fields (``profile``) or the livret de
compétences (``livret``, whose member side lives in ``services.livret.review``). Both go through the same
queue, review page, approval and audit trail.
"""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.models import Organisation, ProfileRevision, RevisionScope, RevisionStatus, User, utcnow
from matchmaker.services import audit
from matchmaker.services.alerts import notify_staff, notify_user
from matchmaker.services.livret import apply_livret, clean_livret, live_livret, livret_from_json, livret_to_json
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


def pending_revision(session: Session, org: Organisation,
                     scope: str = RevisionScope.PROFILE) -> ProfileRevision | None:
    """Return the organisation's revision of this scope waiting for staff, if any."""
    return session.scalar(select(ProfileRevision).where(
        ProfileRevision.organisation_id == org.id, ProfileRevision.scope == scope,
        ProfileRevision.status == RevisionStatus.PENDING.value))


def latest_revision(session: Session, org: Organisation, scope: str = RevisionScope.PROFILE) -> ProfileRevision | None:
    """Return the organisation's most recent revision of this scope, whatever its status."""
    return session.scalar(select(ProfileRevision).where(ProfileRevision.organisation_id == org.id,
                                                        ProfileRevision.scope == scope)
                          .order_by(ProfileRevision.id.desc()).limit(1))


def live_values(org: Organisation, scope: str) -> dict[str, object]:
    """Return the live values a revision of this scope is compared with."""
    return livret_to_json(live_livret(org)) if scope == RevisionScope.LIVRET else profile_values(org)


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
    live = live_values(revision.organisation, revision.scope)
    return [(name, live.get(name), value) for name, value in revision.proposed.items() if live.get(name) != value]


def _publish(revision: ProfileRevision, staff: User) -> None:
    org = revision.organisation
    if revision.scope == RevisionScope.LIVRET:
        apply_livret(org, clean_livret(livret_from_json(revision.proposed)), publisher=staff)
    else:
        apply_profile(org, clean_profile_input(ProfileInput(**revision.proposed)))


def _check_pending(revision: ProfileRevision) -> None:
    if revision.status != RevisionStatus.PENDING:
        raise Conflict(_l("Cette modification a déjà été traitée."))


def approve_revision(engine: SearchEngine, session: Session, staff: User, revision: ProfileRevision) -> None:
    """Publish a revision: the profile takes the proposed values and becomes searchable as such."""
    _check_pending(revision)
    org = revision.organisation
    changed = [name for name, _, _ in changes(revision)]
    _publish(revision, staff)
    revision.status, revision.reviewed_by_id, revision.reviewed_at = RevisionStatus.APPROVED.value, staff.id, utcnow()
    audit.record(session, staff, "profile.revision_approve", "organisation", org.key, revision=revision.public_id,
                 scope=revision.scope, fields=changed)
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
                 scope=revision.scope, reason=revision.review_note)
    if revision.author is not None:
        notify_user(session, revision.author, "profile", f"Modification refusée : {org.name}",
                    f"L'équipe n'a pas publié votre modification. Motif : {revision.review_note}")
    session.commit()
