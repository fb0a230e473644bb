"""Need use cases: write, check, submit, review and rank a buyer's need."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, Forbidden, InvalidQuery, NotFound
from matchmaker.geo import canonical_region
from matchmaker.models import (
    Confidentiality,
    Evidence,
    Need,
    NeedStatus,
    Organisation,
    User,
    utcnow,
)
from matchmaker.ranking import Match
from matchmaker.ranking.intent import KINDS_FOR, SERVICE, SUBCONTRACTING
from matchmaker.ranking.text import analyse, fold
from matchmaker.services import audit
from matchmaker.services.alerts import notify_staff, notify_user
from matchmaker.services.pages import Page
from matchmaker.services.profiles import refresh_index
from matchmaker.services.search import parse_search_request, search_organisations
from matchmaker.services.search.engine import SearchEngine
from matchmaker.vocabulary import CERTIFICATIONS, SOUGHT_KINDS, EvidenceKind

MIN_DESCRIPTION_WORDS = 20
MAX_DESCRIPTION_CHARS = 3500
NEED_EVIDENCE_SOURCE = "platform-need"

# Word stems that reviewers look for; accent-folded, matched at word starts.
_SEEK_WORDS = ("cherch", "recherch", "besoin", "souhait", "need", "looking", "seek", "requir", "want")
_PURPOSE_WORDS = (
    "pour", "afin", "objectif", "but", "application", "destin", "en vue", "dans le cadre", "usage",
    "for", "in order", "aim", "goal", "purpose", "intended", "use case",
)
_CONSTRAINT_WORDS = (
    "norme", "iso", "certif", "delai", "budget", "volume", "quantit", "cout", "prix", "cahier des charges",
    "exig", "contrainte", "mois", "semaine", "avant", "standard", "deadline", "cost", "price", "must",
    "constraint", "month", "week", "compliance", "conform", "mdr", "gmp", "bpf", "rgpd", "gdpr", "hds",
)


@dataclass(frozen=True)
class NeedInput:
    """What a buyer writes in the need form."""

    title: str
    description: str
    sought_kinds: Sequence[str] = ()
    certifications: Sequence[str] = ()
    region: str | None = None
    deadline: date | None = None
    confidentiality: str = Confidentiality.PUBLIC.value


@dataclass(frozen=True)
class MustHave:
    """A must-have of the need (a certification, the region) and whether an organisation meets it."""

    label: str
    met: bool


@dataclass(frozen=True)
class NeedHit:
    """One ranked organisation for a need, with its must-haves checked."""

    rank: int
    organisation: Organisation
    match: Match
    must_haves: tuple[MustHave, ...] = ()
    origin_labs: tuple[tuple[str, str], ...] = ()
    region_met: bool | None = None


def _mentions(text: str, stems: Sequence[str]) -> bool:
    folded = fold(text)
    return any(re.search(rf"(?<!\w){re.escape(stem)}", folded) for stem in stems)


def quality_warnings(data: NeedInput) -> list[str]:
    """Return what a reviewer would object to: too_short, missing_what, missing_purpose, missing_constraints."""
    text = f"{data.title}. {data.description}"
    warnings = []
    if len(data.description.split()) < MIN_DESCRIPTION_WORDS or len(set(analyse(text))) < 6:
        warnings.append("too_short")
    if not data.sought_kinds and not _mentions(text, _SEEK_WORDS):
        warnings.append("missing_what")
    if not _mentions(data.description, _PURPOSE_WORDS):
        warnings.append("missing_purpose")
    if not (data.certifications or data.region or data.deadline) and not _mentions(text, _CONSTRAINT_WORDS):
        warnings.append("missing_constraints")
    return warnings


def _clean(data: NeedInput) -> NeedInput:
    title = " ".join(data.title.split())
    description = data.description.replace("\x00", "").strip()
    if not 3 <= len(title) <= 200:
        raise InvalidQuery(_l("Le titre doit faire entre 3 et 200 caractères."), field="title")
    if not description or len(description) > MAX_DESCRIPTION_CHARS:
        raise InvalidQuery(
            _l("La description doit faire entre 1 et %(n)d caractères.", n=MAX_DESCRIPTION_CHARS), field="description"
        )
    if any(kind not in SOUGHT_KINDS for kind in data.sought_kinds):
        raise InvalidQuery(_l("Type d'organisation recherché inconnu."), field="sought_kinds")
    if any(cert not in CERTIFICATIONS for cert in data.certifications):
        raise InvalidQuery(_l("Certification inconnue."), field="certifications")
    region = canonical_region(data.region) if data.region else None
    if data.region and region is None:
        raise InvalidQuery(_l("Région inconnue."), field="region")
    if data.confidentiality not in {c.value for c in Confidentiality}:
        raise InvalidQuery(_l("Niveau de confidentialité inconnu."), field="confidentiality")
    return NeedInput(
        title=title,
        description=description,
        sought_kinds=tuple(dict.fromkeys(data.sought_kinds)),
        certifications=tuple(dict.fromkeys(data.certifications)),
        region=region,
        deadline=data.deadline,
        confidentiality=data.confidentiality,
    )


def _apply(need: Need, data: NeedInput) -> None:
    need.title = data.title
    need.description = data.description
    need.sought_kinds = list(data.sought_kinds)
    need.certifications = list(data.certifications)
    need.region = data.region
    need.deadline = data.deadline
    need.confidentiality = data.confidentiality


def create_need(session: Session, owner: User, data: NeedInput) -> Need:
    """Store a new draft need for its owner."""
    need = Need(owner_id=owner.id, status=NeedStatus.DRAFT.value)
    _apply(need, _clean(data))
    session.add(need)
    session.flush()
    audit.record(session, owner, "need.create", "need", need.public_id)
    session.commit()
    return need


def update_need(session: Session, actor: User, need: Need, data: NeedInput) -> Need:
    """Edit a need: its owner while it is a draft or was rejected, staff at any open stage."""
    editable = (NeedStatus.DRAFT, NeedStatus.REJECTED)
    if actor.is_staff:
        editable = (NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.VALIDATED, NeedStatus.REJECTED)
    if need.status not in editable:
        raise Conflict(_l("Ce besoin ne peut plus être modifié à ce stade."))
    _apply(need, _clean(data))
    audit.record(session, actor, "need.edit", "need", need.public_id, by_staff=actor.is_staff or None)
    session.commit()
    return need


def need_input(need: Need) -> NeedInput:
    """Return the editable fields of a stored need."""
    return NeedInput(
        title=need.title,
        description=need.description,
        sought_kinds=tuple(need.sought_kinds or ()),
        certifications=tuple(need.certifications or ()),
        region=need.region,
        deadline=need.deadline,
        confidentiality=need.confidentiality,
    )


def submit_need(session: Session, owner: User, need: Need, *, acknowledge_warnings: bool = False) -> list[str]:
    """Send a draft to staff review; return the quality warnings, refusing until they are acknowledged."""
    if need.status not in (NeedStatus.DRAFT, NeedStatus.REJECTED):
        raise Conflict(_l("Ce besoin a déjà été soumis."))
    warnings = quality_warnings(need_input(need))
    if warnings and not acknowledge_warnings:
        raise InvalidQuery(
            _l("Le besoin semble incomplet : complétez-le ou confirmez l'envoi malgré les remarques."),
            field="acknowledge",
        )
    need.status = NeedStatus.SUBMITTED.value
    need.quality_warnings = warnings
    need.submitted_at = utcnow()
    need.review_note = None
    audit.record(session, owner, "need.submit", "need", need.public_id, warnings=warnings or None)
    notify_staff(session, "need", f"Nouveau besoin à valider : {need.title}",
                 f"{owner.email} a soumis le besoin « {need.title} ». Il attend votre revue.")
    session.commit()
    return warnings


def _need_evidence_key(need: Need) -> str:
    return f"need:{need.public_id}"


def validate_need(engine: SearchEngine, session: Session, staff: User, need: Need) -> None:
    """Validate a submitted need; a public one becomes evidence of its buyer's organisation."""
    if need.status != NeedStatus.SUBMITTED:
        raise Conflict(_l("Seul un besoin soumis peut être validé."))
    need.status = NeedStatus.VALIDATED.value
    need.validated_at = utcnow()
    need.reviewed_by_id = staff.id
    audit.record(session, staff, "need.validate", "need", need.public_id)
    notify_user(session, need.owner, "need", f"Besoin validé : {need.title}",
                "Votre besoin a été validé par l'équipe : les organisations classées sont consultables.")
    changed = False
    organisation = need.owner.organisation
    # A public need also documents what its buyer looks for, so start-ups searching buyers find it.
    if need.confidentiality == Confidentiality.PUBLIC and organisation is not None:
        session.add(
            Evidence(
                key=_need_evidence_key(need), organisation_id=organisation.id, kind=EvidenceKind.NEED,
                title=need.title[:300], text=need.query_text, source=NEED_EVIDENCE_SOURCE, lang=None,
            )
        )
        changed = True
    session.commit()
    if changed:
        refresh_index(engine, session)


def reject_need(session: Session, staff: User, need: Need, reason: str) -> None:
    """Send a submitted need back to its owner with the reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidQuery(_l("Indiquez la raison du refus."), field="reason")
    if need.status != NeedStatus.SUBMITTED:
        raise Conflict(_l("Seul un besoin soumis peut être refusé."))
    need.status = NeedStatus.REJECTED.value
    need.review_note = reason[:2000]
    need.reviewed_by_id = staff.id
    audit.record(session, staff, "need.reject", "need", need.public_id, reason=reason[:2000])
    notify_user(session, need.owner, "need", f"Besoin à compléter : {need.title}",
                f"L'équipe demande des précisions avant validation : {reason[:2000]}")
    session.commit()


def close_need(engine: SearchEngine, session: Session, actor: User, need: Need) -> None:
    """Close a need and withdraw it from its buyer's evidence."""
    if need.status == NeedStatus.CLOSED:
        raise Conflict(_l("Ce besoin est déjà clos."))
    need.status = NeedStatus.CLOSED.value
    audit.record(session, actor, "need.close", "need", need.public_id)
    evidence = session.scalar(select(Evidence).where(Evidence.key == _need_evidence_key(need)))
    if evidence is not None:
        session.delete(evidence)
    session.commit()
    if evidence is not None:
        refresh_index(engine, session)


def get_need(session: Session, user: User, public_id: str) -> Need:
    """Return a need its owner or staff may see; anyone else gets NotFound, never a hint it exists."""
    need = session.scalar(select(Need).where(Need.public_id == public_id))
    if need is None or not (user.is_staff or need.owner_id == user.id):
        raise NotFound(_l("Ce besoin n'existe pas."))
    return need


def get_own_need(session: Session, user: User, public_id: str) -> Need:
    """Return a need owned by the user (staff included only for their own needs)."""
    need = get_need(session, user, public_id)
    if need.owner_id != user.id:
        raise Forbidden(_l("Seul l'auteur du besoin peut faire cela."))
    return need


def list_needs(
    session: Session, owner: User | None = None, *, statuses: Sequence[str] = (), offset: int = 0, limit: int = 20
) -> tuple[list[Need], int]:
    """Return one page of needs (an owner's, or every need for staff), newest first, and the total."""
    query = select(Need)
    if owner is not None:
        query = query.where(Need.owner_id == owner.id)
    if statuses:
        query = query.where(Need.status.in_(list(statuses)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    needs = session.scalars(query.order_by(Need.updated_at.desc(), Need.id.desc()).offset(offset).limit(limit))
    return list(needs), total


NEED_KIND_ANSWERERS = {"subcontractor": KINDS_FOR[SUBCONTRACTING], "service_provider": KINDS_FOR[SERVICE]}


def must_haves(need: Need, organisation: Organisation) -> tuple[MustHave, ...]:
    """Check the need's certifications and region against an organisation's profile."""
    held = set(organisation.certifications or ())
    checks = [MustHave(label=cert, met=cert in held) for cert in need.certifications or ()]
    if need.region:
        checks.append(MustHave(label=need.region, met=organisation.region == need.region))
    return tuple(checks)


def rank_need(
    engine: SearchEngine,
    session: Session,
    need: Need,
    *,
    kinds: Sequence[str] = (),
    regions: Sequence[str] = (),
    certifications: Sequence[str] = (),
    offset: int | str | None = 0,
    limit: int | str = 20,
    max_chars: int,
    max_results: int,
    exclude: Collection[str] = (),
    verified_only: bool = False,
) -> Page[NeedHit]:
    """Rank organisations for a need; must-haves are shown as tags, filters only when the user picks them.

    ``exclude`` holds organisation keys left out before paging (the ones staff rejected, the published selection).
    """
    # the kinds the buyer ticked, widened to those who can answer them (manufacturers subcontract too);
    # none ticked: the need's parsed intent decides, as on the search page
    chosen_kinds = [k for k in kinds if k] or list(
        dict.fromkeys(k for sought in need.sought_kinds or () for k in NEED_KIND_ANSWERERS.get(sought, (sought,)))
    )
    request = parse_search_request(
        need.query_text[:max_chars], kinds=chosen_kinds, regions=regions, certifications=certifications,
        limit=limit, offset=offset, max_chars=max_chars, max_results=max_results, verified_only=verified_only,
    )
    request = replace(request, excluded=frozenset(exclude))
    results = search_organisations(engine, session, request)
    hits = [
        NeedHit(rank=hit.rank, organisation=hit.organisation, match=hit.match,
                must_haves=must_haves(need, hit.organisation), origin_labs=hit.origin_labs)
        for hit in results.items
    ]
    return Page(items=hits, total=results.total, offset=request.offset, limit=request.limit)
