"""The figures behind every dashboard chart as named tables: the CSV exports and the JSON API share them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from matchmaker.errors import NotFound
from matchmaker.labels import (
    FRESHNESS_REASON_LABELS,
    GAP_REASON_LABELS,
    category_label,
)
from matchmaker.services import dashboard
from matchmaker.services.coverage import coverage_gaps, demand_supply, engine_weights
from matchmaker.services.domains import DOMAINS
from matchmaker.services.freshness import REASONS, freshness_report
from matchmaker.services.search.competences import competence_map, served_matcher
from matchmaker.services.search.engine import SearchEngine
from matchmaker.services.shortlists import escape_csv_cell

FRESHNESS_EXPORT_LIMIT = 20_000


@dataclass(frozen=True)
class Request:
    """What a table is computed from: the session, the engine, the time and the query arguments."""

    session: Session
    engine: SearchEngine
    now: datetime
    args: Mapping[str, str] = field(default_factory=dict)

    def choice(self, name: str, allowed: tuple[str, ...] | list[str], default: str | None = None) -> str | None:
        """Return an argument when it is one of the allowed values, else the default."""
        value = self.args.get(name) or None
        return value if value in allowed else default


@dataclass(frozen=True)
class Table:
    """Columns, rows and a few summary figures of one chart."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    meta: dict[str, Any] = field(default_factory=dict)


def _counts(dimension: str) -> Callable[[Request], Table]:
    def build(request: Request) -> Table:
        figure = dashboard.organisation_breakdown(request.session, dimension, now=request.now)
        rows = [(c.category, category_label(dimension, c.category), c.count) for c in figure.counts]
        return Table(f"organisations-{dimension}", (dimension, "label", "organisations"), rows,
                     {"total": figure.total})

    return build


def organisations_trend(request: Request) -> Table:
    """New organisations per month and category of the chosen dimension (?dimension=kind|region|domain)."""
    dimension = request.choice("dimension", dashboard.DIMENSIONS, "kind") or "kind"
    figure = dashboard.organisation_breakdown(request.session, dimension, now=request.now)
    rows = [(s.category, category_label(dimension, s.category), *s.counts) for s in figure.trend]
    return Table("organisations-trend", (dimension, "label", *figure.months), rows, {"dimension": dimension})


def needs_funnel(request: Request) -> Table:
    """Needs per stage of the funnel."""
    figure = dashboard.needs_funnel(request.session, now=request.now)
    rows = [(s.category, category_label("stage", s.category), s.count) for s in figure.stages]
    return Table("needs-funnel", ("stage", "label", "needs"), rows)


def needs_monthly(request: Request) -> Table:
    """Needs posted and validated per month."""
    figure = dashboard.needs_funnel(request.session, now=request.now)
    rows = list(zip(figure.months, figure.posted_per_month, figure.validated_per_month, strict=True))
    return Table("needs-monthly", ("month", "posted", "validated"), rows)


def time_to_match(request: Request) -> Table:
    """Days from validation to the first accepted suggestion, per need, and their median."""
    figure = dashboard.time_to_first_acceptance(request.session)
    return Table("time-to-match", ("need", "days"), list(figure.delays),
                 {"median_days": figure.median_days, "needs": len(figure.delays)})


def curation(request: Request) -> Table:
    """Accepted and rejected suggestions, rejections per reason category."""
    figure = dashboard.curation_rates(request.session)
    rows: list[tuple[Any, ...]] = [("accept", "", "", figure.accepted)]
    rows += [("reject", r.category, category_label("reason", r.category), r.count) for r in figure.rejections_by_reason]
    rows.append(("added_by_hand", "", "", figure.added_by_hand))
    return Table("curation", ("decision", "reason", "label", "suggestions"), rows,
                 {"acceptance_rate": figure.acceptance_rate, "accepted": figure.accepted, "rejected": figure.rejected,
                  "added_by_hand": figure.added_by_hand})


def gaps(request: Request) -> Table:
    """Validated needs with a weak best match or no accepted match."""
    figure = coverage_gaps(request.session, weights=engine_weights(request.engine))
    rows = [(g.public_id, g.title, g.region or "", g.best_score, g.accepted, " | ".join(g.reasons),
             " | ".join(str(GAP_REASON_LABELS.get(r, r)) for r in g.reasons)) for g in figure.gaps]
    meta = {"threshold": figure.threshold, "calibration": figure.calibration, "scored_needs": figure.scored_needs}
    return Table("coverage-gaps", ("need", "title", "region", "best_score", "accepted", "reasons", "labels"), rows,
                 meta)


def _demand(dimension: str) -> Callable[[Request], Table]:
    def build(request: Request) -> Table:
        rows = [(r.category, category_label(dimension, r.category), r.demand, r.supply, r.demand_share,
                 r.supply_share, r.pressure, r.exceeds) for r in demand_supply(request.session, dimension)]
        return Table(f"demand-supply-{dimension}", (dimension, "label", "needs", "organisations", "needs_share",
                                                    "organisations_share", "pressure", "demand_exceeds_supply"), rows)

    return build


def freshness(request: Request) -> Table:
    """Stale or unclaimed profiles (?reason=stale|unclaimed, ?kind=, ?region=), least recently updated first."""
    report = freshness_report(
        request.session, now=request.now, reason=request.choice("reason", REASONS), kind=request.args.get("kind"),
        region=request.args.get("region"), limit=FRESHNESS_EXPORT_LIMIT,
    )
    rows = [(p.key, p.name, p.kind, p.region or "", p.updated_at.date().isoformat(), p.claimed,
             " | ".join(str(FRESHNESS_REASON_LABELS.get(r, r)) for r in p.reasons), p.contactable,
             p.reminded_at.isoformat(timespec="minutes") if p.reminded_at else "") for p in report.items]
    return Table("freshness", ("organisation", "name", "kind", "region", "updated", "claimed", "reasons",
                               "contactable", "reminded_at"), rows,
                 {"stale": report.stale, "unclaimed": report.unclaimed, "flagged": report.flagged})


def competences(request: Request) -> Table:
    """The competence clusters of a region and/or domain (?region=, ?domain=) and their organisations."""
    region = request.args.get("region") or None
    domain = request.choice("domain", DOMAINS)
    figure = competence_map(request.session, served_matcher(request.engine, request.session), region=region,
                            domain=domain)
    rows = [(c.number, c.label, m.key, m.name, m.kind, m.region or "") for c in figure.clusters for m in c.members]
    return Table("competences", ("cluster", "cluster_label", "organisation", "name", "kind", "region"), rows,
                 {"region": region, "domain": domain, "organisations": figure.total, "clustered": figure.shown,
                  "vectors": figure.vectors, "clusters": len(figure.clusters)})


TABLES: dict[str, Callable[[Request], Table]] = {
    "organisations-kind": _counts("kind"),
    "organisations-region": _counts("region"),
    "organisations-domain": _counts("domain"),
    "organisations-trend": organisations_trend,
    "needs-funnel": needs_funnel,
    "needs-monthly": needs_monthly,
    "time-to-match": time_to_match,
    "curation": curation,
    "coverage-gaps": gaps,
    "demand-supply-domain": _demand("domain"),
    "demand-supply-region": _demand("region"),
    "freshness": freshness,
    "competences": competences,
}


def build(name: str, request: Request) -> Table:
    """Compute the named table, or raise NotFound."""
    builder = TABLES.get(name)
    if builder is None:
        raise NotFound(_l("Ce graphique n'existe pas."))
    return builder(request)


def to_csv(table: Table) -> str:
    """Return the table as CSV (UTF-8 with BOM for spreadsheets), formulas neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([value if isinstance(value, int | float) else escape_csv_cell(value) for value in row])
    return buffer.getvalue()


def to_json(table: Table) -> dict[str, Any]:
    """Return the table as a JSON-ready dict: one object per row, keyed by column."""
    return {"chart": table.name, "columns": list(table.columns), "meta": table.meta,
            "rows": [dict(zip(table.columns, row, strict=True)) for row in table.rows]}
