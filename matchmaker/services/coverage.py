"""Coverage of demand: needs the engine answers weakly, and domains or regions where demand outruns supply.

- **Weak match**: the best engine suggestion of a validated need has a fused score under a threshold.
  The score is ``Suggestion.score``, the matcher's fused score; when a trained re-ranker replaced it
  with log-odds (the parts then hold a ``curation`` entry), the fused score is recomputed from the
  stored parts and the fusion weights in use (``fusion_weights``).
- **Calibration**: the fused score is a weighted sum of signals standardised over the candidates, so
  its scale grows with the weights, not with the catalogue. Until ``MIN_CALIBRATION_NEEDS`` validated
  or closed needs have scores, the threshold is ``WEAK_SCORE_PER_WEIGHT`` standard deviations per unit
  of weight (7.2 with the e5 weights, which sum to 4.5): on the test catalogue off-topic queries score
  about 1 per unit of weight, real needs 2.5 to 5. From then on it is the ``WEAK_PERCENTILE``-th
  percentile of those needs' top-1 scores: the weakest quarter of what the platform usually finds.
- **Coverage gaps**: validated needs with a weak best match, no engine suggestion, or no accepted match.
- **Demand vs supply**: demand = validated needs per domain or region; supply = organisations other than
  buyers. A need's region is its own, else its owner's organisation's; its domain is the most common
  domain of its accepted suggestions, else of its first ``DOMAIN_SAMPLE`` suggestions. Demand exceeds
  supply where the category's share of demand is larger than its share of supply (unknown regions and
  unclassified domains are shown but never flagged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.models import Need, NeedStatus, Organisation, Suggestion, SuggestionStatus, User
from matchmaker.ranking.settings import merge_settings, resolve_weights
from matchmaker.services.domains import UNCLASSIFIED, UNKNOWN_REGION, OrganisationCategories, organisation_categories
from matchmaker.services.search.engine import SearchEngine

WEAK_SCORE_PER_WEIGHT = 1.6
WEAK_PERCENTILE = 25
MIN_CALIBRATION_NEEDS = 20
DOMAIN_SAMPLE = 5
WEAK_MATCH, NO_SUGGESTION, NO_ACCEPTED_MATCH = "weak_match", "no_suggestion", "no_accepted_match"
_NOT_ACTIONABLE = {UNKNOWN_REGION, UNCLASSIFIED}


@dataclass(frozen=True)
class CoverageGap:
    """A validated need staff should work on by hand, and why."""

    public_id: str
    title: str
    region: str | None
    best_score: float | None
    accepted: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CoverageGaps:
    """Validated needs with a weak best match or no accepted match, and the threshold used."""

    threshold: float
    calibration: str  # "percentile", "default" or "given"
    scored_needs: int
    gaps: tuple[CoverageGap, ...]


@dataclass(frozen=True)
class DemandSupply:
    """Needs and organisations of one domain or region, and their shares of all needs and organisations."""

    category: str
    demand: int
    supply: int
    demand_share: float
    supply_share: float
    pressure: float | None  # demand share / supply share, None without supply
    exceeds: bool


def fusion_weights(settings: Mapping[str, Any] | None = None, encoder_name: str | None = "e5") -> dict[str, float]:
    """Return the fusion weights a matcher with these settings and encoder uses (nothing is loaded)."""
    return dict(resolve_weights(merge_settings(dict(settings or {})), encoder_name)["weights"])


def engine_weights(engine: SearchEngine) -> dict[str, float]:
    """Return the fusion weights of the engine's matcher, from its settings and encoder name."""
    return fusion_weights(engine.settings, engine.encoder_name)


def fused_score(suggestion: Suggestion, weights: Mapping[str, float]) -> float | None:
    """Return the matcher's fused score of a suggestion (recomputed from its parts after a re-ranker)."""
    parts = suggestion.score_parts or {}
    if "curation" not in parts:
        return suggestion.score
    if weights and all(name in parts for name in weights):
        return round(sum(float(w) * float(parts[name]) for name, w in weights.items()), 4)
    return None  # log-odds without the parts to undo them: not on the fused scale


def best_score(need: Need, weights: Mapping[str, float]) -> float | None:
    """Return the best fused score among the engine's suggestions for a need."""
    scores = [fused_score(s, weights) for s in need.suggestions if s.source == "engine"]
    present = [s for s in scores if s is not None]
    return max(present) if present else None


def default_weak_score(weights: Mapping[str, float]) -> float:
    """Return the threshold used before calibration: WEAK_SCORE_PER_WEIGHT per unit of fusion weight."""
    return round(WEAK_SCORE_PER_WEIGHT * sum(abs(float(w)) for w in weights.values()), 4)


def calibrate_weak_threshold(top_scores: Sequence[float], default: float) -> tuple[float, str]:
    """Return the weak-match threshold and how it was set: a percentile of top-1 scores, or the default."""
    if len(top_scores) < MIN_CALIBRATION_NEEDS:
        return default, "default"
    return round(float(np.percentile(np.asarray(top_scores, float), WEAK_PERCENTILE)), 4), "percentile"


def coverage_gaps(
    session: Session, *, weights: Mapping[str, float] | None = None, threshold: float | None = None
) -> CoverageGaps:
    """List the validated needs whose best match is weak or that have no accepted match yet.

    ``weights`` are the fusion weights in use (default: those of the e5 encoder and default settings).
    """
    weights = weights if weights is not None else fusion_weights()
    needs = list(
        session.scalars(
            select(Need).where(Need.validated_at.is_not(None)).options(selectinload(Need.suggestions))
            .order_by(Need.validated_at, Need.id)
        )
    )
    scores = {need.id: best_score(need, weights) for need in needs}
    calibration_scores = [s for n in needs if n.status in (NeedStatus.VALIDATED, NeedStatus.CLOSED)
                          and (s := scores[n.id]) is not None]
    method = "given"
    if threshold is None:
        threshold, method = calibrate_weak_threshold(calibration_scores, default_weak_score(weights))
    gaps = []
    for need in needs:
        if need.status != NeedStatus.VALIDATED:
            continue
        score = scores[need.id]
        accepted = sum(1 for s in need.suggestions if s.status == SuggestionStatus.ACCEPTED)
        reasons = []
        if not any(s.source == "engine" for s in need.suggestions):
            reasons.append(NO_SUGGESTION)
        elif score is not None and score < threshold:
            reasons.append(WEAK_MATCH)
        if not accepted:
            reasons.append(NO_ACCEPTED_MATCH)
        if reasons:
            gaps.append(CoverageGap(need.public_id, need.title, need.region, score, accepted, tuple(reasons)))
    return CoverageGaps(threshold, method, len(calibration_scores), tuple(gaps))


def need_domain(need: Need, domains: Mapping[int, str]) -> str:
    """Return the most common domain of a need's accepted suggestions, else of its first suggestions."""
    ordered = sorted(need.suggestions, key=lambda s: (s.position, s.id))
    chosen = [s for s in ordered if s.status == SuggestionStatus.ACCEPTED] or ordered[:DOMAIN_SAMPLE]
    counted = Counter(domains.get(s.organisation_id, UNCLASSIFIED) for s in chosen)
    if not counted:
        return UNCLASSIFIED
    best = max(counted.values())
    return next(d for d in (domains.get(s.organisation_id, UNCLASSIFIED) for s in chosen) if counted[d] == best)


def demand_supply(
    session: Session, dimension: str, organisations: Sequence[OrganisationCategories] | None = None
) -> tuple[DemandSupply, ...]:
    """Compare validated needs with organisations per domain or region, highest demand pressure first.

    Unknown regions and unclassified domains come last: they are shown, never flagged.
    """
    if dimension not in ("domain", "region"):
        raise ValueError(f"unknown dimension {dimension!r}")
    rows = organisations if organisations is not None else organisation_categories(session)
    category = {row.id: row.domain for row in rows}  # a need's domain comes from its suggestions' organisations
    supply = Counter(row.category(dimension) for row in rows if row.kind != "buyer")
    owners = select(User.id, Organisation.region).join(Organisation, User.organisation_id == Organisation.id)
    owner_regions = {user_id: region for user_id, region in session.execute(owners)}
    demand: Counter[str] = Counter()
    needs = session.scalars(select(Need).where(Need.validated_at.is_not(None)).options(selectinload(Need.suggestions)))
    for need in needs:
        if dimension == "domain":
            demand[need_domain(need, category)] += 1
        else:
            demand[need.region or owner_regions.get(need.owner_id) or UNKNOWN_REGION] += 1
    total_demand, total_supply = sum(demand.values()), sum(supply.values())
    result = []
    for value in set(demand) | set(supply):
        d_share = demand[value] / total_demand if total_demand else 0.0
        s_share = supply[value] / total_supply if total_supply else 0.0
        exceeds = value not in _NOT_ACTIONABLE and demand[value] > 0 and d_share > s_share
        pressure = round(d_share / s_share, 4) if s_share else None
        result.append(DemandSupply(value, demand[value], supply[value], round(d_share, 4), round(s_share, 4),
                                   pressure, exceeds))
    return tuple(sorted(result, key=_by_pressure))


def _by_pressure(row: DemandSupply) -> tuple[bool, float, int, int, str]:
    """Sort actionable categories first, then by pressure (no supply at all first), demand, supply, name."""
    pressure = row.pressure if row.pressure is not None else float("inf")
    return (row.category in _NOT_ACTIONABLE, -(pressure if row.demand else 0.0), -row.demand, -row.supply,
            row.category)
