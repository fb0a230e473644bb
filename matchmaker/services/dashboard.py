"""Staff dashboard figures from the platform's own data: organisations, the needs funnel, curation.

Every function reads the session and returns frozen dataclasses; nothing here knows about Flask, charts
or labels (coverage gaps and demand vs supply live in ``services/coverage.py``). Definitions:

- **Organisations** are counted by kind, region (``unknown`` when missing) and domain (``services/domains.py``);
  their trend is the number created per month over the last ``TREND_MONTHS`` months.
- **Needs funnel**: *posted* = submitted at least once; *validated* = validated by staff; *matched* =
  validated with at least one suggestion; *introduced* = at least one introduction about the need was
  accepted by the organisation (double opt-in complete); *closed* = status closed. Each stage counts the
  needs that reached it, so a need its owner closed early counts as closed without the middle stages.
- **Time to first accepted match**: from validation (submission when never validated) to the first
  "accept" curation decision on the need, in days; the median over the needs that have both.
- **Acceptance rate**: accepted / (accepted + rejected) over the engine's suggestions staff decided on
  (latest decision of each); organisations staff added by hand are accepted by construction and counted apart.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.models import (
    CurationDecision,
    CurationVerdict,
    Introduction,
    IntroductionStatus,
    Need,
    NeedStatus,
    RejectionReason,
    Suggestion,
)
from matchmaker.services.coverage import CoverageGaps, DemandSupply, coverage_gaps, demand_supply
from matchmaker.services.domains import OrganisationCategories, organisation_categories
from matchmaker.services.freshness import FreshnessReport, freshness_report

DIMENSIONS = ("kind", "region", "domain")
FUNNEL_STAGES = ("posted", "validated", "matched", "introduced", "closed")
TREND_MONTHS = 12


@dataclass(frozen=True)
class CategoryCount:
    """How many items fall in one category (a kind, region, domain, stage or reason)."""

    category: str
    count: int


@dataclass(frozen=True)
class MonthlyCounts:
    """New items of one category per month, aligned with the months of the figure that holds it."""

    category: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class OrganisationBreakdown:
    """Organisations counted by kind, region or domain, with the new ones per month."""

    dimension: str
    total: int
    counts: tuple[CategoryCount, ...]
    months: tuple[str, ...]
    trend: tuple[MonthlyCounts, ...]


@dataclass(frozen=True)
class NeedsFunnel:
    """Needs per stage, and needs posted and validated per month."""

    stages: tuple[CategoryCount, ...]
    months: tuple[str, ...]
    posted_per_month: tuple[int, ...]
    validated_per_month: tuple[int, ...]


@dataclass(frozen=True)
class TimeToAcceptance:
    """The median delay from need validation to its first accepted suggestion."""

    median_days: float | None
    delays: tuple[tuple[str, float], ...]  # (need public id, days), oldest need first


@dataclass(frozen=True)
class CurationRates:
    """How staff decided on the engine's suggestions, and why they rejected them."""

    accepted: int
    rejected: int
    added_by_hand: int
    acceptance_rate: float | None
    rejections_by_reason: tuple[CategoryCount, ...]


def month_key(moment: datetime) -> str:
    """Return the ``YYYY-MM`` month of a timestamp."""
    return f"{moment.year:04d}-{moment.month:02d}"


def last_months(now: datetime, count: int = TREND_MONTHS) -> tuple[str, ...]:
    """Return the ``count`` months ending with the month of ``now``, oldest first."""
    year, month, keys = now.year, now.month, []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return tuple(reversed(keys))


def _per_month(moments: Iterable[datetime | None], months: Sequence[str]) -> tuple[int, ...]:
    found = Counter(month_key(m) for m in moments if m is not None)
    return tuple(found.get(month, 0) for month in months)


def organisation_breakdowns(
    session: Session,
    *,
    now: datetime,
    months: int = TREND_MONTHS,
    dimensions: Sequence[str] = DIMENSIONS,
    organisations: Sequence[OrganisationCategories] | None = None,
) -> dict[str, OrganisationBreakdown]:
    """Count organisations by each dimension (kind, region, domain) and the new ones of the last months."""
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {unknown[0]!r}")
    window = last_months(now, months)
    rows = organisations if organisations is not None else organisation_categories(session)
    result = {}
    for dimension in dimensions:
        totals: Counter[str] = Counter()
        created: dict[str, list[datetime]] = defaultdict(list)
        for row in rows:
            totals[row.category(dimension)] += 1
            created[row.category(dimension)].append(row.created_at)
        counts = tuple(CategoryCount(c, n) for c, n in sorted(totals.items(), key=lambda item: (-item[1], item[0])))
        trend = tuple(MonthlyCounts(c.category, _per_month(created[c.category], window)) for c in counts)
        result[dimension] = OrganisationBreakdown(dimension, sum(totals.values()), counts, window, trend)
    return result


def organisation_breakdown(
    session: Session, dimension: str, *, now: datetime, months: int = TREND_MONTHS
) -> OrganisationBreakdown:
    """Count organisations by one dimension (kind, region or domain) and the new ones of the last months."""
    return organisation_breakdowns(session, now=now, months=months, dimensions=(dimension,))[dimension]


def needs_funnel(session: Session, *, now: datetime, months: int = TREND_MONTHS) -> NeedsFunnel:
    """Count needs per stage of the funnel, and posted and validated needs per month."""
    needs = list(session.scalars(select(Need).options(selectinload(Need.suggestions))))
    introduced = set(
        session.scalars(
            select(Introduction.need_id).where(
                Introduction.need_id.is_not(None), Introduction.status == IntroductionStatus.ACCEPTED.value
            )
        )
    )
    reached = {
        "posted": [n for n in needs if n.submitted_at is not None],
        "validated": [n for n in needs if n.validated_at is not None],
        "matched": [n for n in needs if n.validated_at is not None and n.suggestions],
        "introduced": [n for n in needs if n.id in introduced],
        "closed": [n for n in needs if n.status == NeedStatus.CLOSED],
    }
    window = last_months(now, months)
    return NeedsFunnel(
        stages=tuple(CategoryCount(stage, len(reached[stage])) for stage in FUNNEL_STAGES),
        months=window,
        posted_per_month=_per_month((n.submitted_at for n in needs), window),
        validated_per_month=_per_month((n.validated_at for n in needs), window),
    )


def time_to_first_acceptance(session: Session) -> TimeToAcceptance:
    """Return the median number of days from validation (else submission) to the first accepted suggestion."""
    first_accept: dict[int, datetime] = {}
    # A label holds the decision in force: updated_at is when it was taken (created_at, the first decision).
    for need_id, decided_at in session.execute(
        select(CurationDecision.need_id, CurationDecision.updated_at)
        .where(CurationDecision.decision == CurationVerdict.ACCEPT.value)
        .order_by(CurationDecision.updated_at, CurationDecision.id)
    ):
        first_accept.setdefault(need_id, decided_at)
    delays = []
    needs = session.scalars(select(Need).where(Need.id.in_(list(first_accept))).order_by(Need.id))
    for need in needs:
        start = need.validated_at or need.submitted_at
        if start is None or first_accept[need.id] < start:
            continue
        delays.append((need.public_id, round((first_accept[need.id] - start).total_seconds() / 86400, 2)))
    median = round(statistics.median(d for _, d in delays), 2) if delays else None
    return TimeToAcceptance(median_days=median, delays=tuple(delays))


def curation_rates(session: Session) -> CurationRates:
    """Return the acceptance rate of the engine's suggestions and the rejections per reason category."""
    latest: dict[int, CurationDecision] = {}
    for decision in session.scalars(select(CurationDecision).order_by(CurationDecision.id)):
        latest[decision.suggestion_id] = decision
    query = select(Suggestion.id, Suggestion.source).where(Suggestion.id.in_(list(latest)))
    sources = {suggestion_id: source for suggestion_id, source in session.execute(query)}
    accepted = rejected = by_hand = 0
    reasons: Counter[str] = Counter()
    for suggestion_id, decision in latest.items():
        if sources.get(suggestion_id) == "staff":
            by_hand += 1
        elif decision.decision == CurationVerdict.ACCEPT:
            accepted += 1
        else:
            rejected += 1
            reasons[decision.reason_category or RejectionReason.OTHER.value] += 1
    decided = accepted + rejected
    return CurationRates(
        accepted=accepted, rejected=rejected, added_by_hand=by_hand,
        acceptance_rate=round(accepted / decided, 4) if decided else None,
        rejections_by_reason=tuple(CategoryCount(r.value, reasons.get(r.value, 0)) for r in RejectionReason),
    )


@dataclass(frozen=True)
class Overview:
    """Every figure of the dashboard's first page."""

    now: datetime
    organisations: dict[str, OrganisationBreakdown]  # by dimension
    funnel: NeedsFunnel
    time_to_acceptance: TimeToAcceptance
    curation: CurationRates
    gaps: CoverageGaps
    demand_by_domain: tuple[DemandSupply, ...]
    demand_by_region: tuple[DemandSupply, ...]
    freshness: FreshnessReport


def overview(
    session: Session, *, now: datetime, months: int = TREND_MONTHS, weights: Mapping[str, float] | None = None
) -> Overview:
    """Compute every figure of the dashboard's first page (``weights``: the fusion weights in use)."""
    organisations = organisation_categories(session)
    return Overview(
        now=now,
        organisations=organisation_breakdowns(session, now=now, months=months, organisations=organisations),
        funnel=needs_funnel(session, now=now, months=months),
        time_to_acceptance=time_to_first_acceptance(session),
        curation=curation_rates(session),
        gaps=coverage_gaps(session, weights=weights),
        demand_by_domain=demand_supply(session, "domain", organisations),
        demand_by_region=demand_supply(session, "region", organisations),
        freshness=freshness_report(session, now=now, limit=0),
    )

