"""Suggested meetings: rank the other participants of an event for one participant, offer ↔ seek both ways.

Three signals, each in [0, 1]:

- ``they_offer``: what the other offers answers what this participant seeks (meaning: encoder
  cosine of the two short texts; words: idf-weighted share of the sought terms found in the offer);
- ``you_offer``: the same the other way round — what this participant offers answers what the other seeks;
- ``evidence``: the other's organisation profile (its evidence in the index) ranked by the ranking
  core for what this participant seeks, among the event's participants.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from matchmaker.models import EventRegistration, MeetingRequest, MeetingRequestStatus, RegistrationStatus
from matchmaker.ranking import Match, Passage, RankingError
from matchmaker.ranking.explain import best_passage
from matchmaker.ranking.text import analyse
from matchmaker.services.search.engine import SearchEngine

WEIGHTS = {"they_offer": 0.45, "you_offer": 0.30, "evidence": 0.25}
ENGAGED_STATUSES = (
    MeetingRequestStatus.REQUESTED.value,
    MeetingRequestStatus.ACCEPTED.value,
    MeetingRequestStatus.DECLINED.value,
)
_CACHE_SIZE = 20_000
_vectors: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class MeetingSuggestion:
    """Another participant worth meeting, with why: the score parts and the quoted texts and evidence."""

    registration: EventRegistration
    score: float
    parts: dict[str, float] = field(default_factory=dict)
    offer_passage: Passage | None = None
    seek_passage: Passage | None = None
    evidence: Match | None = None


def engaged_with(session: Session, registration: EventRegistration) -> set[int]:
    """Return the ids of the participants this one already has a request or meeting with (or was declined by)."""
    rows = session.execute(
        select(MeetingRequest.requester_id, MeetingRequest.target_id).where(
            MeetingRequest.event_id == registration.event_id,
            MeetingRequest.status.in_(ENGAGED_STATUSES),
            or_(MeetingRequest.requester_id == registration.id, MeetingRequest.target_id == registration.id),
        )
    )
    return {b if a == registration.id else a for a, b in rows}


def suggest_meetings(
    engine: SearchEngine, session: Session, registration: EventRegistration, limit: int = 20
) -> list[MeetingSuggestion]:
    """Return the best other validated participants for ``registration``, excluding those already engaged."""
    engaged = engaged_with(session, registration)
    others = [
        r
        for r in registration.event.registrations
        if r.id != registration.id and r.status == RegistrationStatus.VALIDATED.value and r.id not in engaged
    ]
    ranked = rank_participants(engine, session, registration, others)
    return [s for s in ranked if s.score > 0][:limit]


def pair_score(
    engine: SearchEngine, session: Session, registration: EventRegistration, other: EventRegistration
) -> tuple[float, dict[str, float]]:
    """Return the suggestion score of ``other`` for ``registration`` (stored with a request as a snapshot)."""
    pool = [
        r
        for r in registration.event.registrations
        if r.id != registration.id and r.status == RegistrationStatus.VALIDATED.value
    ]
    if other not in pool:
        pool.append(other)
    for suggestion in rank_participants(engine, session, registration, pool):
        if suggestion.registration.id == other.id:
            return suggestion.score, suggestion.parts
    return 0.0, {}


def rank_participants(
    engine: SearchEngine, session: Session, registration: EventRegistration, others: Sequence[EventRegistration]
) -> list[MeetingSuggestion]:
    """Score every participant of ``others`` for ``registration`` and return them best first."""
    if not others:
        return []
    texts = [registration.offer_text, registration.seek_text]
    for other in others:
        texts.extend((other.offer_text, other.seek_text))
    idf = _idf(texts)
    seek_terms = {t: idf[t] for t in analyse(registration.seek_text)}
    offer_terms = {t: idf[t] for t in analyse(registration.offer_text)}
    they_offer = _cosines(engine, registration.seek_text, [o.offer_text for o in others])
    you_offer = _cosines(engine, registration.offer_text, [o.seek_text for o in others])
    evidence = _evidence(engine, session, registration.seek_text, others)

    ranked = []
    for n, other in enumerate(others):
        key = other.organisation.key if other.organisation is not None else None
        match, evidence_part = evidence.get(key, (None, 0.0)) if key else (None, 0.0)
        parts = {
            "they_offer": 0.5 * max(they_offer[n], 0.0) + 0.5 * _coverage(seek_terms, other.offer_text),
            "you_offer": 0.5 * max(you_offer[n], 0.0) + 0.5 * _coverage(offer_terms, other.seek_text),
            "evidence": evidence_part,
        }
        score = sum(WEIGHTS[name] * value for name, value in parts.items())
        ranked.append(
            MeetingSuggestion(
                registration=other,
                score=round(score, 4),
                parts={name: round(value, 4) for name, value in parts.items()},
                offer_passage=_passage(other, "offer", other.offer_text, seek_terms),
                seek_passage=_passage(other, "seek", other.seek_text, offer_terms),
                evidence=match,
            )
        )
    ranked.sort(key=lambda s: (-s.score, s.registration.id))
    return ranked


def _idf(texts: Sequence[str]) -> dict[str, float]:
    """Return a smoothed idf per stem over the event's short texts (unknown stems get the largest)."""
    documents = [set(analyse(text)) for text in texts]
    frequency: dict[str, int] = {}
    for stems in documents:
        for stem in stems:
            frequency[stem] = frequency.get(stem, 0) + 1
    n = len(documents)
    return {stem: math.log(1 + (n - df + 0.5) / (df + 0.5)) for stem, df in frequency.items()}


def _coverage(terms: dict[str, float], text: str) -> float:
    """Return the idf-weighted share of ``terms`` that appear in ``text``."""
    total = sum(terms.values())
    if total <= 0:
        return 0.0
    present = set(analyse(text))
    return sum(w for t, w in terms.items() if t in present) / total


def _passage(other: EventRegistration, which: str, text: str, terms: dict[str, float]) -> Passage | None:
    passage = best_passage(f"{which}:{other.public_id}", text, terms)
    return passage if passage.highlights else None


def _vector(engine: SearchEngine, role: str, text: str) -> np.ndarray:
    """Return the embedding of a short text, memoised per process (participants' texts are re-ranked often)."""
    key = (engine.encoder_name, role, text)
    with _lock:
        cached = _vectors.get(key)
    if cached is not None:
        return cached
    encoder = engine.encoder
    vector = (encoder.encode_queries if role == "q" else encoder.encode_passages)([text])[0]
    with _lock:
        _vectors[key] = vector
        if len(_vectors) > _CACHE_SIZE:
            _vectors.popitem(last=False)
    return vector


def _cosines(engine: SearchEngine, query: str, passages: Sequence[str]) -> list[float]:
    """Return the cosine of the query text with each passage text (0 when a text is empty)."""
    if not query.strip():
        return [0.0] * len(passages)
    q = _vector(engine, "q", query)
    return [float(np.dot(q, _vector(engine, "p", p))) if p.strip() else 0.0 for p in passages]


def _evidence(
    engine: SearchEngine, session: Session, query: str, others: Sequence[EventRegistration]
) -> dict[str, tuple[Match, float]]:
    """Rank the participants' organisations on their evidence; return key -> (match, 1 for the best .. 0)."""
    keys = {o.organisation.key for o in others if o.organisation is not None}
    if not keys or not query.strip():
        return {}
    try:
        matches = engine.matcher(session).search(query, k=len(keys), candidate_orgs=keys)
    except RankingError:
        return {}  # no index yet: suggestions still work on the participants' own texts
    n = len(keys)
    return {m.org_id: (m, 1.0 - i / n) for i, m in enumerate(matches)}
