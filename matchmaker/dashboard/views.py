"""Dashboard pages: overview, region and competence map, profile freshness with reminders, CSV exports."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from matchmaker import chart_tables as tables
from matchmaker.access import current_account
from matchmaker.dashboard import bp, presenters
from matchmaker.downloads import attachment
from matchmaker.errors import Conflict
from matchmaker.extensions import db
from matchmaker.formtools import ActionForm, offset_arg, safe_next
from matchmaker.geo import REGIONS
from matchmaker.links import external_url
from matchmaker.models import utcnow
from matchmaker.services import dashboard
from matchmaker.services.coverage import demand_supply, engine_weights
from matchmaker.services.domains import DOMAINS
from matchmaker.services.freshness import REASONS, freshness_report, send_reminder
from matchmaker.services.livret import priorities
from matchmaker.services.profiles import get_organisation
from matchmaker.services.search import get_engine
from matchmaker.services.search.competences import competence_map as cluster_competences
from matchmaker.services.search.competences import served_matcher
from matchmaker.vocabulary import PROFILE_KINDS

MAP_LAYERS = ("organisations", "needs")


def _choice(name: str, allowed, default: str | None = None) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else default


@bp.context_processor
def dashboard_formats() -> dict[str, object]:
    """Expose the dashboard's number formats to its templates (the labels are app-wide)."""
    return {
        "number": presenters.number,
        "percent": presenters.percent,
    }


@bp.get("/")
def overview():
    """Show the ecosystem at a glance: organisations, needs funnel, curation, coverage gaps, demand vs supply."""
    dimension = _choice("dimension", dashboard.DIMENSIONS, "kind") or "kind"
    figures = dashboard.overview(db.session, now=utcnow(), weights=engine_weights(get_engine()))
    return render_template("dashboard/overview.html", figures=figures, dimension=dimension,
                           charts=presenters.overview_charts(figures, dimension))


@bp.get("/carte")
def competence_map():
    """Show the regions coloured by organisations or needs, and the competence clusters of a region or domain."""
    layer = _choice("layer", MAP_LAYERS, "organisations") or "organisations"
    region = _choice("region", REGIONS)
    domain = _choice("domain", DOMAINS)
    if layer == "needs":
        counts = {row.category: row.demand for row in demand_supply(db.session, "region")}
        title, legend = _("Besoins validés par région"), _("Besoins")
    else:
        figure = dashboard.organisation_breakdown(db.session, "region", now=utcnow())
        counts = {c.category: c.count for c in figure.counts}
        title, legend = _("Organisations par région"), _("Organisations")
    clusters = None
    if region or domain:
        engine = get_engine()
        clusters = cluster_competences(db.session, served_matcher(engine, db.session), region=region, domain=domain)
    link_args = {"layer": layer, **({"domain": domain} if domain else {})}
    return render_template(
        "dashboard/map.html", layer=layer, region=region, domain=domain, clusters=clusters,
        regions=sorted(REGIONS), domains=DOMAINS,
        region_map=presenters.regions(counts, title, legend, link_args, selected=region),
    )


@bp.get("/fraicheur")
def freshness():
    """List profiles not updated for a year or never claimed, with a reminder button each."""
    reason, kind, region = _choice("reason", REASONS), _choice("kind", PROFILE_KINDS), _choice("region", REGIONS)
    report = freshness_report(db.session, now=utcnow(), reason=reason, kind=kind, region=region,
                              offset=offset_arg(), limit=current_app.config["PAGE_SIZE"])
    return render_template("dashboard/freshness.html", report=report, reason=reason, kind=kind, region=region,
                           kinds=PROFILE_KINDS, regions=sorted(REGIONS), reasons=REASONS)


@bp.get("/livrets")
def livrets():
    """List the profiles whose livret is worth completing, ordered by how often recent needs ask for what they offer."""
    kind, region = _choice("kind", PROFILE_KINDS), _choice("region", REGIONS)
    page = priorities.profiles_to_complete(db.session, kind=kind, region=region, offset=offset_arg(),
                                           limit=current_app.config["PAGE_SIZE"], lang=str(get_locale() or "fr")[:2])
    return render_template("dashboard/livrets.html", page=page, kind=kind, region=region, kinds=PROFILE_KINDS,
                           regions=sorted(REGIONS), window=priorities.WINDOW_DAYS,
                           threshold=priorities.COMPLETE_SCORE, cooldown=priorities.NUDGE_COOLDOWN_DAYS)


@bp.post("/livrets/<path:key>/relance")
def nudge_livret(key: str):
    """Ask an organisation to complete its livret (members, else its contact address); rate-limited."""
    org = get_organisation(db.session, key)
    if ActionForm().validate_on_submit():
        target = "members.livret" if org.claimed else "members.claim"
        url = external_url(target) if org.claimed else external_url(target, key=org.key)
        try:
            priorities.nudge(db.session, current_account(), org, livret_url=url)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("Relance envoyée à « %(org)s ».", org=org.name), "success")
    else:
        flash(_("Le formulaire a expiré. Merci de recommencer."), "error")
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.livrets"))


@bp.post("/fraicheur/<path:key>/relance")
def remind(key: str):
    """Queue a reminder asking the organisation to update (or claim) its profile."""
    org = get_organisation(db.session, key)
    if ActionForm().validate_on_submit():
        try:
            send_reminder(db.session, current_account(), org, now=utcnow(),
                          profile_url=external_url("main.organisation", key=org.key))
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("Relance envoyée à « %(org)s ».", org=org.name), "success")
    else:
        flash(_("Le formulaire a expiré. Merci de recommencer."), "error")
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.freshness"))


@bp.get("/export/<chart>.csv")
def export(chart: str):
    """Download the figures of one chart as CSV."""
    table_request = tables.Request(db.session, get_engine(), utcnow(), request.args.to_dict())
    table = tables.build(chart, table_request)
    filename = f"{table.name}-{utcnow():%Y-%m-%d}.csv"
    return attachment(tables.to_csv(table), filename=filename, mimetype="text/csv")
