"""Curation use cases: propose matches for a need, label them, reorder, publish, and learn from the labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.errors import Conflict, InvalidQuery, one_with_id
from matchmaker.models import (
    CurationDecision,
    CurationVerdict,
    Need,
    NeedStatus,
    Organisation,
    RejectionReason,
    Suggestion,
    SuggestionStatus,
    User,
    utcnow,
)
from matchmaker.ranking import Match
from matchmaker.ranking.reranker import feature_row
from matchmaker.services import audit
from matchmaker.services.alerts import notify_user
from matchmaker.services.needs import rank_need
from matchmaker.services.search.engine import SearchEngine

SUGGESTION_DEPTH = 20


def _check_open(need: Need) -> None:
    if need.status != NeedStatus.VALIDATED:
        raise Conflict(_l("Les suggestions ne se gèrent que pour un besoin validé."))


def propose_suggestions(
    engine: SearchEngine, session: Session, need: Need, *, depth: int = SUGGESTION_DEPTH, max_chars: int,
    max_results: int,
) -> int:
    """Add the engine's best matches for a validated need as suggestions; return how many are new."""
    _check_open(need)
    results = rank_need(engine, session, need, limit=min(depth, max_results), max_chars=max_chars,
                        max_results=max_results)
    present = {s.organisation_id for s in need.suggestions}
    position = max((s.position for s in need.suggestions), default=0)
    added = 0
    for hit in results.items:
        if hit.organisation.id in present:
            continue
        position += 1
        need.suggestions.append(
            Suggestion(organisation_id=hit.organisation.id, position=position, engine_rank=hit.rank,
                       score=float(hit.match.score), score_parts={k: float(v) for k, v in hit.match.parts.items()})
        )
        added += 1
    session.commit()
    return added


def suggestion_matches(
    engine: SearchEngine, session: Session, need: Need, *, max_chars: int, max_results: int
) -> dict[int, Match]:
    """Return, per suggestion id, the match that explains it today: passages, strength and score parts.

    The need is ranked as its buyer sees it, so a suggestion quotes the same passages as the search;
    suggestions outside that ranking (added by hand, or fallen lower) are matched on their own.
    """
    if not need.suggestions:
        return {}
    depth = min(max_results, max(SUGGESTION_DEPTH, max((s.engine_rank or 0) for s in need.suggestions)))
    results = rank_need(engine, session, need, limit=depth, max_chars=max_chars, max_results=max_results)
    by_key = {hit.organisation.key: hit.match for hit in results.items}
    missing = [s.organisation.key for s in need.suggestions if s.organisation.key not in by_key]
    if missing:
        found = engine.matcher(session).search(need.query_text[:max_chars], k=len(missing), candidate_orgs=missing)
        by_key.update((match.org_id, match) for match in found)
    return {s.id: by_key[s.organisation.key] for s in need.suggestions if s.organisation.key in by_key}


def get_suggestion(need: Need, suggestion_id: int) -> Suggestion:
    """Return one suggestion of this need, or NotFound."""
    return one_with_id(need.suggestions, suggestion_id, _l("Cette suggestion n'existe pas."))


def _label(
    session: Session, staff: User, suggestion: Suggestion, verdict: CurationVerdict, category: str | None, text: str
) -> tuple[CurationDecision, str | None]:
    """Store the staff member's label on this suggestion (updating theirs); return it and the decision replaced."""
    decision = session.scalar(select(CurationDecision).where(
        CurationDecision.need_id == suggestion.need_id, CurationDecision.organisation_id == suggestion.organisation_id,
        CurationDecision.staff_id == staff.id,
    )) if suggestion.id is not None else None
    now = utcnow()
    previous = decision.decision if decision is not None else None
    if decision is None:
        decision = CurationDecision(suggestion=suggestion, need_id=suggestion.need_id,
                                    organisation_id=suggestion.organisation_id, staff_id=staff.id, created_at=now)
        session.add(decision)
    decision.decision, decision.reason_category, decision.reason_text = verdict.value, category, text
    decision.rank_position, decision.engine_rank = suggestion.position, suggestion.engine_rank
    decision.score, decision.score_parts = suggestion.score, dict(suggestion.score_parts or {})
    decision.updated_at = now
    return decision, previous


def decide(
    session: Session,
    staff: User,
    suggestion: Suggestion,
    verdict: str,
    *,
    reason_category: str | None = None,
    reason_text: str = "",
) -> CurationDecision:
    """Accept or reject a suggestion; store the label with who, when, why and the engine's scores.

    Deciding again on the same suggestion updates the staff member's label (the last decision wins);
    the audit log keeps every decision.
    """
    _check_open(suggestion.need)
    try:
        chosen = CurationVerdict(verdict)
    except ValueError:
        raise InvalidQuery(_l("Décision inconnue."), field="decision") from None
    text = reason_text.strip()[:2000]
    category = None
    if chosen is CurationVerdict.REJECT:
        if reason_category not in {r.value for r in RejectionReason}:
            raise InvalidQuery(_l("Choisissez la raison du rejet."), field="reason_category")
        if reason_category == RejectionReason.OTHER and not text:
            raise InvalidQuery(_l("Précisez la raison du rejet."), field="reason_text")
        category = reason_category
    accepted = chosen is CurationVerdict.ACCEPT
    suggestion.status = (SuggestionStatus.ACCEPTED if accepted else SuggestionStatus.REJECTED).value
    decision, previous = _label(session, staff, suggestion, chosen, category, text)
    audit.record(session, staff, f"suggestion.{chosen.value}", "need", suggestion.need.public_id,
                 organisation=suggestion.organisation.key, reason_category=category, reason=text or None,
                 previous=previous)
    session.commit()
    return decision


def move(session: Session, staff: User, suggestion: Suggestion, delta: int) -> None:
    """Move a suggestion up (delta < 0) or down in the curated order."""
    _check_open(suggestion.need)
    ordered = sorted(suggestion.need.suggestions, key=lambda s: (s.position, s.id))
    index = ordered.index(suggestion)
    target = max(0, min(len(ordered) - 1, index + (1 if delta > 0 else -1)))
    if target == index:
        return
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered, start=1):
        item.position = position
    audit.record(session, staff, "suggestion.move", "need", suggestion.need.public_id,
                 organisation=suggestion.organisation.key, position=target + 1)
    session.commit()


def add_by_hand(
    engine: SearchEngine, session: Session, staff: User, need: Need, organisation: Organisation, reason_text: str = ""
) -> Suggestion:
    """Add an organisation the engine missed; it is accepted and labelled with the engine's scores for it."""
    _check_open(need)
    if any(s.organisation_id == organisation.id for s in need.suggestions):
        raise Conflict(_l("Cette organisation est déjà proposée pour ce besoin."))
    matches = engine.matcher(session).search(need.query_text, k=1, candidate_orgs=[organisation.key])
    match = matches[0] if matches else None
    suggestion = Suggestion(
        organisation=organisation, position=max((s.position for s in need.suggestions), default=0) + 1,
        source="staff", status=SuggestionStatus.ACCEPTED.value,
        score=float(match.score) if match else None,
        score_parts={k: float(v) for k, v in match.parts.items()} if match else {},
    )
    need.suggestions.append(suggestion)
    session.flush()
    _label(session, staff, suggestion, CurationVerdict.ACCEPT, None, reason_text.strip()[:2000] or "ajout manuel")
    audit.record(session, staff, "suggestion.add", "need", need.public_id, organisation=organisation.key)
    session.commit()
    return suggestion


def curated_selection(need: Need) -> list[Suggestion]:
    """Return the accepted suggestions in curated order."""
    ordered = sorted(need.suggestions, key=lambda s: (s.position, s.id))
    return [s for s in ordered if s.status == SuggestionStatus.ACCEPTED]


def engine_list_exclusions(need: Need) -> set[str]:
    """Return the organisation keys a buyer's list of engine results leaves out.

    Organisations staff rejected for the need are never shown to its buyer; once the selection is
    published it is shown above the engine's list, so its organisations are not repeated there.
    """
    hidden = {s.organisation.key for s in need.suggestions if s.status == SuggestionStatus.REJECTED}
    if need.published_at is not None:
        hidden |= {s.organisation.key for s in curated_selection(need)}
    return hidden


def publish(session: Session, staff: User, need: Need) -> None:
    """Show the curated selection to the buyer and tell them."""
    _check_open(need)
    selection = curated_selection(need)
    if not selection:
        raise Conflict(_l("Acceptez au moins une suggestion avant de publier la sélection."))
    need.published_at = utcnow()
    audit.record(session, staff, "need.publish", "need", need.public_id, organisations=[s.organisation.key
                                                                                        for s in selection])
    notify_user(session, need.owner, "need", f"Sélection disponible : {need.title}",
                f"L'équipe a sélectionné {len(selection)} organisation(s) pour votre besoin.")
    session.commit()


def decisions(session: Session, need: Need | None = None, *, limit: int = 500) -> list[CurationDecision]:
    """Return curation labels, most recently decided first (for one need, or all)."""
    query = select(CurationDecision)
    if need is not None:
        query = query.where(CurationDecision.need_id == need.id)
    order = (CurationDecision.updated_at.desc(), CurationDecision.id.desc())
    return list(session.scalars(query.order_by(*order).limit(limit)))


def training_examples(session: Session) -> tuple[list[dict[str, float]], list[int]]:
    """Return one feature row and 1/0 label per (need, organisation), from the latest decision with scores."""
    rows, labels, _ = labelled_examples(session)
    return rows, labels


def labelled_examples(session: Session) -> tuple[list[dict[str, float]], list[int], list[int]]:
    """Return the rows and labels of ``training_examples`` and the need id of each row."""
    latest: dict[tuple[int, int], CurationDecision] = {}
    for decision in session.scalars(select(CurationDecision).order_by(CurationDecision.id)):
        if decision.score is not None:
            latest[(decision.need_id, decision.organisation_id)] = decision
    rows, labels, needs = [], [], []
    for decision in latest.values():
        match = Match(org_id=str(decision.organisation_id), score=decision.score or 0.0,
                      parts=dict(decision.score_parts or {}))
        rows.append(feature_row(match))
        labels.append(1 if decision.decision == CurationVerdict.ACCEPT else 0)
        needs.append(decision.need_id)
    return rows, labels, needs
