"""The dashboard figures on a small world with fixed timestamps: exact counts, medians, rates and gap lists."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.extensions import db
from matchmaker.models import Suggestion
from matchmaker.services import coverage, dashboard
from matchmaker.services.domains import erc_domain, keyword_domain, organisation_domain

from .conftest import NOW, WEIGHTS


def counts(figure: dashboard.OrganisationBreakdown) -> list[tuple[str, int]]:
    return [(c.category, c.count) for c in figure.counts]


def test_organisations_by_kind_region_and_domain(world):
    figures = dashboard.organisation_breakdowns(db.session, now=NOW)
    assert counts(figures["kind"]) == [("lab", 2), ("buyer", 1), ("manufacturer", 1), ("startup", 1),
                                       ("subcontractor", 1)]
    assert counts(figures["region"]) == [("Bretagne", 2), ("Île-de-France", 2), ("Occitanie", 1), ("unknown", 1)]
    assert counts(figures["domain"]) == [("health_biotech", 2), ("digital", 1), ("industry_services", 1),
                                         ("medical_devices", 1), ("unclassified", 1)]
    assert {f.total for f in figures.values()} == {6}


def test_organisations_trend_counts_new_organisations_per_month(world):
    figure = dashboard.organisation_breakdown(db.session, "kind", now=NOW)
    assert figure.months[0] == "2024-07" and figure.months[-1] == "2025-06" and len(figure.months) == 12
    trend = {series.category: dict(zip(figure.months, series.counts, strict=True)) for series in figure.trend}
    assert trend["lab"]["2025-01"] == 1 and sum(trend["lab"].values()) == 1  # lab-b was created in 2024-01
    assert trend["startup"]["2025-03"] == 1
    assert trend["manufacturer"]["2025-03"] == 1
    assert trend["subcontractor"]["2025-06"] == 1 and trend["buyer"]["2025-06"] == 1


def test_last_months_crosses_the_year():
    assert dashboard.last_months(NOW.replace(month=2), 3) == ("2024-12", "2025-01", "2025-02")


def test_needs_funnel(world):
    funnel = dashboard.needs_funnel(db.session, now=NOW)
    assert [(s.category, s.count) for s in funnel.stages] == [
        ("posted", 6), ("validated", 4), ("matched", 3), ("introduced", 1), ("closed", 2),
    ]
    posted = dict(zip(funnel.months, funnel.posted_per_month, strict=True))
    validated = dict(zip(funnel.months, funnel.validated_per_month, strict=True))
    assert {m: n for m, n in posted.items() if n} == {"2025-01": 1, "2025-02": 1, "2025-03": 1, "2025-04": 1,
                                                      "2025-05": 2}
    assert {m: n for m, n in validated.items() if n} == {"2025-01": 1, "2025-02": 1, "2025-03": 1, "2025-04": 1}


def test_median_time_to_first_accepted_suggestion(world):
    figure = dashboard.time_to_first_acceptance(db.session)
    needs = world.needs
    assert figure.delays == ((needs["N1"], 2.0), (needs["N2"], 4.0), (needs["N4"], 1.0))
    assert figure.median_days == 2.0


def test_acceptance_rate_uses_the_latest_decision_and_leaves_hand_additions_apart(world):
    figure = dashboard.curation_rates(db.session)
    assert (figure.accepted, figure.rejected, figure.added_by_hand) == (2, 2, 1)
    assert figure.acceptance_rate == 0.5
    assert [(r.category, r.count) for r in figure.rejections_by_reason] == [
        ("off_topic", 1), ("no_capacity", 1), ("not_certified", 0), ("too_early", 0), ("other", 0),
    ]


def test_coverage_gaps_with_the_default_threshold(world):
    figure = coverage.coverage_gaps(db.session, weights=WEIGHTS)
    assert (figure.threshold, figure.calibration, figure.scored_needs) == (4.0, "default", 3)
    assert [(g.public_id, g.best_score, g.accepted, g.reasons) for g in figure.gaps] == [
        (world.needs["N2"], 2.5, 1, ("weak_match",)),
        (world.needs["N3"], None, 0, ("no_suggestion", "no_accepted_match")),
    ]


def test_coverage_gaps_with_a_given_threshold(world):
    figure = coverage.coverage_gaps(db.session, weights=WEIGHTS, threshold=7.0)
    assert [(g.public_id, g.reasons) for g in figure.gaps] == [
        (world.needs["N1"], ("weak_match",)),
        (world.needs["N2"], ("weak_match",)),
        (world.needs["N3"], ("no_suggestion", "no_accepted_match")),
    ]
    assert figure.calibration == "given"


def test_threshold_is_a_percentile_of_top_scores_once_enough_needs_are_scored():
    assert coverage.calibrate_weak_threshold([5.0] * 19, 4.0) == (4.0, "default")
    assert coverage.calibrate_weak_threshold([float(i) for i in range(1, 21)], 4.0) == (5.75, "percentile")


def test_default_threshold_scales_with_the_fusion_weights():
    assert coverage.default_weak_score(WEIGHTS) == 4.0
    e5 = coverage.fusion_weights()  # the learned weights of the production encoder
    assert coverage.default_weak_score(e5) == round(1.6 * sum(abs(w) for w in e5.values()), 4)
    assert coverage.fusion_weights({"weights": {"lexical": 2.0}}, "fake") == {"lexical": 2.0}


def test_fused_score_is_recomputed_from_parts_when_a_reranker_replaced_the_score():
    assert coverage.fused_score(Suggestion(score=6.0, score_parts={"lexical": 3.0}), WEIGHTS) == 6.0
    reranked = Suggestion(score=0.9, score_parts={"lexical": 3.0, "lexical_org": 2.0, "dense": 2.0, "curation": 0.9})
    assert coverage.fused_score(reranked, WEIGHTS) == 6.0
    assert coverage.fused_score(reranked, {"lexical": 2.0}) == 6.0
    assert coverage.fused_score(reranked, {"hybrid": 1.0}) is None  # no way back to the fused scale


def test_demand_and_supply_by_domain(world):
    rows = coverage.demand_supply(db.session, "domain")
    assert [(r.category, r.demand, r.supply, r.demand_share, r.supply_share, r.pressure, r.exceeds) for r in rows] == [
        ("digital", 1, 1, 0.25, 0.2, 1.25, True),
        ("industry_services", 1, 1, 0.25, 0.2, 1.25, True),
        ("health_biotech", 1, 2, 0.25, 0.4, 0.625, False),
        ("medical_devices", 0, 1, 0.0, 0.2, 0.0, False),
        ("unclassified", 1, 0, 0.25, 0.0, None, False),
    ]


def test_demand_and_supply_by_region(world):
    rows = coverage.demand_supply(db.session, "region")
    assert [(r.category, r.demand, r.supply, r.pressure, r.exceeds) for r in rows] == [
        ("Occitanie", 1, 0, None, True),  # N1 has no region: its buyer's organisation is in Occitanie
        ("Bretagne", 2, 2, 1.25, True),
        ("Île-de-France", 1, 2, 0.625, False),
        ("unknown", 0, 1, 0.0, False),
    ]


def test_overview_gathers_every_figure(world):
    figures = dashboard.overview(db.session, now=NOW, weights=WEIGHTS)
    assert figures.organisations["region"].total == 6
    assert figures.time_to_acceptance.median_days == 2.0
    assert len(figures.gaps.gaps) == 2
    assert (figures.freshness.stale, figures.freshness.unclaimed, figures.freshness.flagged) == (1, 3, 3)


@pytest.mark.parametrize(
    ("kind", "keywords", "attributes", "expected"),
    [
        ("lab", ["Sciences humaines et humanités", "Chimie"], {}, "humanities"),
        ("lab", [], {"erc_panels": ["LS7"]}, "health_biotech"),
        ("lab", [], {"erc_panels": ["PE10"]}, "chemistry_environment"),
        ("startup", [], {"technology_domain": "Informatique, logiciel & TIC"}, "digital"),
        ("manufacturer", ["ORTHOPAEDIC PROSTHETICS INSTRUMENTS, REUSABLE - OTHER"], {}, "medical_devices"),
        ("manufacturer", [], {}, "medical_devices"),
        ("service_provider", [], {}, "industry_services"),
        ("platform", ["Un mot inconnu"], {}, "unclassified"),
    ],
)
def test_domain_mapping(kind, keywords, attributes, expected):
    assert organisation_domain(kind, keywords, attributes) == expected


def test_domain_mapping_ignores_case_and_accents():
    assert keyword_domain("ELECTRONIQUE, SIGNAL & TELECOMMUNICATIONS") == "electronics"
    assert erc_domain("sh3") == "humanities" and erc_domain("") is None
    assert np.isclose(len(set(map(keyword_domain, ["Chimie", "Physique"]))), 2)
