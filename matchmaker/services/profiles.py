"""Profile use cases: claim or create an organisation profile, edit it, find what matches it."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.geo import canonical_region
from matchmaker.models import ClaimStatus, Evidence, Organisation, ProfileClaim, User, utcnow
from matchmaker.ranking.errors import IndexMissingError
from matchmaker.ranking.text import fold
from matchmaker.services import audit
from matchmaker.services.alerts import notify_staff, notify_user
from matchmaker.services.certifications import forget_undeclared
from matchmaker.services.livret import sync_declared_certifications
from matchmaker.services.memberships import join, owner_of
from matchmaker.services.search import SearchResults, parse_search_request, search_organisations
from matchmaker.services.search.engine import SearchEngine
from matchmaker.vocabulary import CERTIFICATIONS, PROFILE_KINDS, PROJECT_MATCH_KINDS, EvidenceKind

logger = logging.getLogger(__name__)

PROFILE_SOURCE = "platform"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ProfileInput:
    """What an organisation says about itself."""

    name: str
    kind: str
    description: str
    competences: Sequence[str] = ()
    certifications: Sequence[str] = ()
    region: str | None = None
    city: str | None = None
    website: str | None = None
    contact_email: str | None = None


def refresh_index(engine: SearchEngine, session: Session) -> None:
    """Make changed evidence searchable; without an index yet, the next build will include it."""
    try:
        engine.refresh(session)
    except IndexMissingError:
        logger.warning("no search index yet: the change will be searchable after build-index")


def clean_profile_input(data: ProfileInput) -> ProfileInput:
    """Return the input normalised, or raise InvalidQuery naming the field at fault."""
    name = " ".join(data.name.split())
    description = data.description.replace("\x00", "").strip()
    if not 2 <= len(name) <= 300:
        raise InvalidQuery(_l("Le nom doit faire entre 2 et 300 caractères."), field="name")
    if data.kind not in PROFILE_KINDS:
        raise InvalidQuery(_l("Type d'organisation inconnu."), field="kind")
    if not 20 <= len(description) <= 5000:
        raise InvalidQuery(_l("Décrivez l'activité en 20 à 5000 caractères."), field="description")
    competences = [" ".join(c.split())[:120] for c in data.competences if c.strip()][:50]
    if any(c not in CERTIFICATIONS for c in data.certifications):
        raise InvalidQuery(_l("Certification inconnue."), field="certifications")
    region = canonical_region(data.region) if data.region else None
    if data.region and region is None:
        raise InvalidQuery(_l("Région inconnue."), field="region")
    email = (data.contact_email or "").strip()
    if email and (not _EMAIL.match(email) or len(email) > 254):
        raise InvalidQuery(_l("Adresse de contact invalide."), field="contact_email")
    website = (data.website or "").strip()
    if website and not re.match(r"^https?://[^\s<>\"]+$", website):
        raise InvalidQuery(_l("Adresse web invalide (https://...)."), field="website")
    return ProfileInput(
        name=name, kind=data.kind, description=description, competences=tuple(competences),
        certifications=tuple(dict.fromkeys(data.certifications)), region=region,
        city=" ".join((data.city or "").split())[:120] or None, website=website[:500] or None,
        contact_email=email or None,
    )


def profile_input(org: Organisation) -> ProfileInput:
    """Return the editable fields of an organisation."""
    return ProfileInput(
        name=org.name, kind=org.kind, description=org.description_fr or org.description_en or "",
        competences=tuple(org.keywords or ()), certifications=tuple(org.certifications or ()), region=org.region,
        city=org.city, website=org.website, contact_email=org.contact_email,
    )


def _set_evidence(org: Organisation, suffix: str, kind: str, title: str, text: str) -> None:
    key = f"{org.key}/{PROFILE_SOURCE}-{suffix}"
    current = next((e for e in org.evidence if e.key == key), None)
    if not text:
        if current is not None:
            org.evidence.remove(current)
        return
    if current is None:
        current = Evidence(key=key, kind=kind, source=PROFILE_SOURCE)
        org.evidence.append(current)
    current.title, current.text, current.lang = title, text, None
    # Touch the row even when the text is unchanged: the engine refreshes its kind/region/certification
    # facets only when the evidence fingerprint moves.
    current.updated_at = utcnow()


def apply_profile(org: Organisation, data: ProfileInput) -> None:
    """Write cleaned profile values to the organisation and its profile evidence (the caller commits)."""
    declared_before = list(org.certifications or ())
    org.name, org.kind, org.description_fr = data.name, data.kind, data.description
    org.keywords, org.certifications = list(data.competences), list(data.certifications)
    sync_declared_certifications(org, declared_before)
    org.region, org.city, org.website, org.contact_email = data.region, data.city, data.website, data.contact_email
    _set_evidence(org, "description", EvidenceKind.DESCRIPTION, "Description", data.description)
    competences = "Compétences : " + "; ".join(data.competences) if data.competences else ""
    _set_evidence(org, "competences", EvidenceKind.COMPETENCES, "Compétences", competences)
    forget_undeclared(org)  # a certification no longer declared loses its verification
    org.updated_at = utcnow()


def profile_values(org: Organisation) -> dict[str, object]:
    """Return the editable fields of an organisation as plain JSON values (what a revision is compared with)."""
    values = asdict(profile_input(org))
    values["competences"], values["certifications"] = list(org.keywords or ()), list(org.certifications or ())
    return values


def is_member(user: User, org: Organisation) -> bool:
    """Return True when the user speaks for this organisation."""
    return user.organisation_id is not None and user.organisation_id == org.id


def find_claimable(session: Session, text: str, *, limit: int = 20) -> list[Organisation]:
    """Return the profiles (of every kind but buyers) whose name or acronym contains the text, accents ignored.

    Unclaimed ones can be claimed; a claimed one can be joined (staff validate both).
    """
    wanted = fold(" ".join(text.split()))[:100]
    if len(wanted) < 2:
        return []
    # Folding accents is not portable in SQL (SQLite lower() is ASCII only): compare names in Python.
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.acronym)
        .where(Organisation.kind != "buyer")
    )
    ids = [row_id for row_id, name, acronym in rows if wanted in fold(f"{name} {acronym or ''}")]
    if not ids:
        return []
    query = (select(Organisation).where(Organisation.id.in_(ids[:500]))
             .order_by(Organisation.claimed, Organisation.name).limit(limit))
    return list(session.scalars(query))


def get_organisation(session: Session, key: str) -> Organisation:
    """Return an organisation by key, or NotFound."""
    org = session.scalar(select(Organisation).where(Organisation.key == key))
    if org is None:
        raise NotFound(_l("Cette organisation n'existe pas."))
    return org


def _pending_claim(session: Session, user: User) -> ProfileClaim | None:
    return session.scalar(
        select(ProfileClaim).where(ProfileClaim.user_id == user.id, ProfileClaim.status == ClaimStatus.PENDING.value)
    )


def _check_can_claim(session: Session, user: User) -> None:
    if user.organisation_id is not None:
        raise Conflict(_l("Votre compte est déjà rattaché à une organisation."))
    if _pending_claim(session, user) is not None:
        raise Conflict(_l("Une demande est déjà en attente de validation pour votre compte."))


def claim_profile(session: Session, user: User, org: Organisation, message: str) -> ProfileClaim:
    """Ask staff to link the user to a profile: to claim it, or to join its team when it is already claimed."""
    _check_can_claim(session, user)
    if org.kind == "buyer":
        raise Conflict(_l("Les fiches des donneurs d'ordre ne se revendiquent pas."))
    kind = "join" if org.claimed else "claim"
    claim = ProfileClaim(user_id=user.id, organisation_id=org.id, kind=kind, message=message.strip()[:2000])
    session.add(claim)
    session.flush()
    audit.record(session, user, f"profile.{kind}", "organisation", org.key, claim=claim.public_id)
    what = "demande à rejoindre l'équipe de" if kind == "join" else "revendique la fiche"
    return _send_to_staff(session, claim, f"Fiche revendiquée : {org.name}", f"{user.email} {what} {org.name}.")


def propose_profile(session: Session, user: User, data: ProfileInput, message: str) -> ProfileClaim:
    """Ask staff to create a new profile for the user's organisation."""
    _check_can_claim(session, user)
    clean = clean_profile_input(data)
    claim = ProfileClaim(user_id=user.id, kind="create", payload=asdict(clean), message=message.strip()[:2000])
    claim.payload = {**claim.payload, "competences": list(clean.competences),
                     "certifications": list(clean.certifications)}
    session.add(claim)
    session.flush()
    audit.record(session, user, "profile.propose", "claim", claim.public_id, name=clean.name)
    return _send_to_staff(session, claim, f"Nouveau profil proposé : {clean.name}", f"{user.email} propose un profil.")


def _send_to_staff(session: Session, claim: ProfileClaim, subject: str, body: str) -> ProfileClaim:
    """Tell staff a claim waits for review and commit it."""
    notify_staff(session, "profile", subject, body)
    session.commit()
    return claim


def get_claim(session: Session, public_id: str) -> ProfileClaim:
    """Return a claim by public id (staff only), or NotFound."""
    claim = session.scalar(select(ProfileClaim).where(ProfileClaim.public_id == public_id))
    if claim is None:
        raise NotFound(_l("Cette demande n'existe pas."))
    return claim


def user_claims(session: Session, user: User) -> list[ProfileClaim]:
    """Return a user's claims, newest first."""
    return list(
        session.scalars(select(ProfileClaim).where(ProfileClaim.user_id == user.id).order_by(ProfileClaim.id.desc()))
    )


def pending_claims(session: Session, *, offset: int = 0, limit: int = 20) -> tuple[list[ProfileClaim], int]:
    """Return one page of claims and profile creations awaiting review, oldest first, and the total."""
    query = select(ProfileClaim).where(ProfileClaim.status == ClaimStatus.PENDING.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(session.scalars(query.order_by(ProfileClaim.id).offset(offset).limit(limit))), total


def approve_claim(engine: SearchEngine, session: Session, staff: User, claim: ProfileClaim) -> Organisation:
    """Link the user to the claimed or newly created profile, mark it claimed and make it searchable."""
    if claim.status != ClaimStatus.PENDING:
        raise Conflict(_l("Cette demande a déjà été traitée."))
    if claim.user.organisation_id is not None:
        raise Conflict(_l("Ce compte est déjà rattaché à une organisation."))
    if claim.kind == "create":
        data = ProfileInput(**claim.payload)
        slug = re.sub(r"[^a-z0-9]+", "-", fold(data.name)).strip("-")[:60] or "organisation"
        org = Organisation(key=f"platform:{slug}-{secrets.token_hex(3)}", kind=data.kind, name=data.name,
                           source=PROFILE_SOURCE)
        session.add(org)
        apply_profile(org, clean_profile_input(data))
        claim.organisation = org
    else:
        org = claim.organisation
        if org is None:
            raise Conflict(_l("Cette fiche n'existe plus."))
    session.flush()
    owner = owner_of(session, org)
    role = join(session, claim.user, org)  # the first member is the owner, the next ones are colleagues
    claim.status, claim.reviewed_by_id, claim.reviewed_at = ClaimStatus.APPROVED.value, staff.id, utcnow()
    audit.record(session, staff, "profile.approve", "organisation", org.key, claim=claim.public_id,
                 user=claim.user.email, organisation_role=role.value)
    if owner is not None:
        notify_user(session, owner, "profile", f"Nouveau membre : {org.name}",
                    f"L'équipe a rattaché {claim.user.email} à {org.name} : cette personne peut compléter le livret.")
    notify_user(session, claim.user, "profile", f"Fiche validée : {org.name}",
                "L'équipe a validé votre fiche : vous pouvez la compléter et voir les organisations qui y répondent.")
    session.commit()
    refresh_index(engine, session)
    return org


def reject_claim(session: Session, staff: User, claim: ProfileClaim, reason: str) -> None:
    """Refuse a claim with the reason given to the user."""
    if not reason.strip():
        raise InvalidQuery(_l("Indiquez la raison du refus."), field="reason")
    if claim.status != ClaimStatus.PENDING:
        raise Conflict(_l("Cette demande a déjà été traitée."))
    claim.status, claim.review_note = ClaimStatus.REJECTED.value, reason.strip()[:2000]
    claim.reviewed_by_id, claim.reviewed_at = staff.id, utcnow()
    audit.record(session, staff, "profile.reject", "claim", claim.public_id, reason=claim.review_note)
    notify_user(session, claim.user, "profile", "Demande de fiche refusée", f"Motif : {claim.review_note}")
    session.commit()


def update_profile(engine: SearchEngine, session: Session, actor: User, org: Organisation, data: ProfileInput) -> None:
    """Apply a staff edit of a profile at once and make the new text searchable.

    Staff are the reviewers: their edits go live. A member's edit is a revision staff review first
    (``services.revisions.propose_revision``).
    """
    if not actor.is_staff:
        raise Forbidden(_l("Les modifications d'une fiche passent par la revue de l'équipe."))
    apply_profile(org, clean_profile_input(data))
    audit.record(session, actor, "profile.edit", "organisation", org.key, by_staff=True)
    session.commit()
    refresh_index(engine, session)


def project_text(org: Organisation) -> str:
    """Return the text a start-up's project is matched on."""
    parts = [org.description_fr or "", org.description_en or "", "; ".join(org.keywords or ())]
    return " ".join(" ".join(parts).split()) or org.name


def project_matches(
    engine: SearchEngine,
    session: Session,
    org: Organisation,
    *,
    kinds: Sequence[str] = (),
    offset: int | str | None = 0,
    limit: int = 20,
    max_chars: int,
    max_results: int,
    near_own_region: bool = True,
) -> SearchResults:
    """Rank the labs and platforms that match an organisation's own project.

    By default labs of the organisation's region get the soft proximity prior (``near_own_region``).
    """
    chosen = [k for k in kinds if k in PROJECT_MATCH_KINDS] or list(PROJECT_MATCH_KINDS)
    request = parse_search_request(
        project_text(org)[:max_chars], kinds=chosen, limit=limit, offset=offset,
        max_chars=max_chars, max_results=max_results,
        near_region=org.region if near_own_region and canonical_region(org.region) else None,
    )
    results = search_organisations(engine, session, request)
    results.items = [hit for hit in results.items if hit.organisation.id != org.id]
    return results
