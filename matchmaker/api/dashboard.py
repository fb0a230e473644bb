"""JSON endpoints of the staff dashboard: the figures behind every chart, staff and administrators only."""

from __future__ import annotations

from flask import jsonify, request, url_for

from matchmaker import chart_tables as tables
from matchmaker.access import STAFF_ROLES, roles_required
from matchmaker.api import bp
from matchmaker.extensions import db
from matchmaker.models import utcnow
from matchmaker.services import dashboard
from matchmaker.services.coverage import engine_weights
from matchmaker.services.search import get_engine


@bp.get("/dashboard/")
@roles_required(*STAFF_ROLES)
def dashboard_index():
    """Return the key figures of the dashboard and the address of every chart's figures."""
    figures = dashboard.overview(db.session, now=utcnow(), weights=engine_weights(get_engine()))
    funnel = {stage.category: stage.count for stage in figures.funnel.stages}
    return jsonify({
        "generated_at": figures.now.isoformat(timespec="seconds"),
        "organisations": figures.organisations["kind"].total,
        "needs_funnel": funnel,
        "median_days_to_first_accepted_match": figures.time_to_acceptance.median_days,
        "acceptance_rate": figures.curation.acceptance_rate,
        "coverage_gaps": len(figures.gaps.gaps),
        "weak_match_threshold": figures.gaps.threshold,
        "weak_match_calibration": figures.gaps.calibration,
        "stale_profiles": figures.freshness.stale,
        "unclaimed_profiles": figures.freshness.unclaimed,
        "charts": {name: url_for("api.dashboard_chart", chart=name) for name in tables.TABLES},
    })


@bp.get("/dashboard/<chart>")
@roles_required(*STAFF_ROLES)
def dashboard_chart(chart: str):
    """Return the figures of one chart (the rows of its CSV export) as JSON."""
    table_request = tables.Request(db.session, get_engine(), utcnow(), request.args.to_dict())
    return jsonify(tables.to_json(tables.build(chart, table_request)))
