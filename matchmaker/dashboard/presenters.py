"""Turn dashboard figures into translated SVG charts for the templates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from flask import url_for
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup

from matchmaker.dashboard.charts import PALETTE, Series, bar_chart, funnel_chart, line_chart
from matchmaker.dashboard.regionmap import region_map
from matchmaker.labels import DIMENSION_LABELS, category_label
from matchmaker.services.coverage import DemandSupply
from matchmaker.services.dashboard import CurationRates, NeedsFunnel, OrganisationBreakdown, Overview
from matchmaker.services.domains import UNKNOWN_REGION

TREND_SERIES = 6
WIDE = 1150
"""Drawing width of the charts that span the page (the others are drawn 560 wide, half the page)."""
DEMAND_ROWS = 10


def number(value: float) -> str:
    """Format a count or a decimal the local way."""
    return format_decimal(value, format="#,##0.#")


def percent(value: float) -> str:
    """Format a ratio as a percentage the local way."""
    return format_percent(value, format="#,##0 %")


def month_label(month: str) -> str:
    """Return a short local label of a ``YYYY-MM`` month ("juil. 25")."""
    year, number_ = (int(part) for part in month.split("-"))
    return format_date(date(year, number_, 1), "MMM yy")


def organisation_bars(
    figure: OrganisationBreakdown, link: Callable[[str], str | None] | None = None, *, width: int = 560
) -> Markup:
    """Draw the organisations counted by one dimension."""
    categories = [category_label(figure.dimension, c.category) for c in figure.counts]
    title = _("Organisations par %(dimension)s", dimension=str(DIMENSION_LABELS[figure.dimension]).lower())
    return bar_chart(f"chart-organisations-{figure.dimension}", title, categories,
                     [Series(_("Organisations"), [c.count for c in figure.counts])], fmt=number, width=width,
                     links=[link(c.category) for c in figure.counts] if link else None)


def organisation_trend(figure: OrganisationBreakdown) -> Markup:
    """Draw the organisations created per month, for the largest categories and the others together."""
    shown, rest = figure.trend[:TREND_SERIES], figure.trend[TREND_SERIES:]
    series = [Series(category_label(figure.dimension, s.category), s.counts, PALETTE[i]) for i, s in enumerate(shown)]
    if rest:
        others = [sum(values) for values in zip(*(s.counts for s in rest), strict=True)]
        series.append(Series(_("Autres"), others, PALETTE[-1]))
    title = _("Nouvelles organisations par mois et par %(dimension)s",
              dimension=str(DIMENSION_LABELS[figure.dimension]).lower())
    return line_chart("chart-organisations-trend", title, [month_label(m) for m in figure.months], series,
                      fmt=number, width=WIDE)


def needs_funnel(figure: NeedsFunnel) -> Markup:
    """Draw the needs funnel."""
    stages = [(category_label("stage", s.category), s.count) for s in figure.stages]
    return funnel_chart("chart-needs-funnel", _("Parcours des besoins"), stages, fmt=number, pct=percent,
                        of_previous=_("de l'étape précédente"))


def needs_monthly(figure: NeedsFunnel) -> Markup:
    """Draw needs posted and validated per month."""
    series = [Series(_("Déposés"), figure.posted_per_month, PALETTE[0]),
              Series(_("Validés"), figure.validated_per_month, PALETTE[2])]
    return line_chart("chart-needs-monthly", _("Besoins déposés et validés par mois"),
                      [month_label(m) for m in figure.months], series, fmt=number)


def curation_bars(figure: CurationRates) -> Markup:
    """Draw accepted suggestions and rejections per reason category."""
    categories = [_("Retenues")] + [_("Écartées : %(reason)s", reason=category_label("reason", r.category))
                                    for r in figure.rejections_by_reason]
    values = [figure.accepted] + [r.count for r in figure.rejections_by_reason]
    return bar_chart("chart-curation", _("Décisions sur les suggestions du moteur"), categories,
                     [Series(_("Suggestions"), values, PALETTE[2])], fmt=number, width=WIDE)


def demand_bars(rows: Sequence[DemandSupply], dimension: str) -> Markup:
    """Draw the shares of needs and of organisations of the categories with the most demand pressure."""
    shown = [r for r in rows if r.demand][:DEMAND_ROWS]
    categories = [category_label(dimension, r.category) + (" ▲" if r.exceeds else "") for r in shown]
    series = [Series(_("Part des besoins"), [r.demand_share for r in shown], PALETTE[1]),
              Series(_("Part des organisations"), [r.supply_share for r in shown], PALETTE[0])]
    title = _("Demande et offre par %(dimension)s", dimension=str(DIMENSION_LABELS[dimension]).lower())
    return bar_chart(f"chart-demand-{dimension}", title, categories, series, fmt=percent,
                     empty=_("Aucun besoin validé pour l'instant."))


def regions(
    counts: dict[str, int], title: str, legend: str, link_args: dict[str, str] | None = None,
    selected: str | None = None,
) -> Markup:
    """Draw the tile map of regions (the selected one outlined); each tile opens its region's competence map."""
    args = link_args or {}
    return region_map(
        "chart-region-map", title, counts, fmt=number, legend_title=legend, overseas_label=_("Outre-mer"),
        unknown_label=_("Région non renseignée"), unknown=counts.get(UNKNOWN_REGION, 0), selected=selected,
        link=lambda region: url_for("dashboard.competence_map", **{**args, "region": region}) + "#competences",
    )


def overview_charts(figures: Overview, trend_dimension: str) -> dict[str, Markup]:
    """Draw every chart of the dashboard's first page."""
    organisations = figures.organisations
    return {
        "kind": organisation_bars(organisations["kind"]),
        "domain": organisation_bars(
            organisations["domain"], link=lambda d: url_for("dashboard.competence_map", domain=d) + "#competences"
        ),
        "region": organisation_bars(
            organisations["region"],
            link=lambda r: None if r == UNKNOWN_REGION else url_for("dashboard.competence_map", region=r)
            + "#competences",
            width=WIDE,
        ),
        "trend": organisation_trend(organisations[trend_dimension]),
        "funnel": needs_funnel(figures.funnel),
        "monthly": needs_monthly(figures.funnel),
        "curation": curation_bars(figures.curation),
        "demand_domain": demand_bars(figures.demand_by_domain, "domain"),
        "demand_region": demand_bars(figures.demand_by_region, "region"),
    }
