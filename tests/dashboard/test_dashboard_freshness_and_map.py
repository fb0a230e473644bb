"""Profile freshness and reminders, the competence map and the chart helpers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sqlalchemy import func, select

from matchmaker.dashboard.charts import Series, bar_chart, funnel_chart, line_chart, nice_max
from matchmaker.dashboard.regionmap import METROPOLE, OVERSEAS, class_bounds, colour_class, region_map
from matchmaker.errors import Conflict
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Evidence, Organisation, OutboxMessage
from matchmaker.ranking import EvidenceDoc, FakeEncoder, HybridMatcher
from matchmaker.services.freshness import freshness_report, send_reminder
from matchmaker.services.search import competences

from .conftest import NOW


def test_freshness_lists_stale_and_unclaimed_profiles_oldest_first(world):
    report = freshness_report(db.session, now=NOW)
    assert (report.stale, report.unclaimed, report.flagged) == (1, 3, 3)
    assert [(p.key, p.reasons, p.contactable) for p in report.profiles] == [
        ("lab-b", ("stale", "unclaimed"), False),
        ("startup-c", ("unclaimed",), True),  # contact address
        ("sub-e", ("unclaimed",), True),  # a member account
    ]
    assert [p.key for p in freshness_report(db.session, now=NOW, reason="stale").profiles] == ["lab-b"]
    assert [p.key for p in freshness_report(db.session, now=NOW, region="Île-de-France").profiles] == ["startup-c"]
    page = freshness_report(db.session, now=NOW, limit=2)
    assert len(page.profiles) == 2 and page.has_next


def test_reminder_goes_to_the_contact_and_members_once_a_month(world, staff_user):
    startup = db.session.scalar(select(Organisation).where(Organisation.key == "startup-c"))
    messages = send_reminder(db.session, staff_user, startup, profile_url="http://x/organisations/startup-c", now=NOW)
    assert [(m.recipient, m.kind, m.user_id) for m in messages] == [("c@startup.example", "reminder", None)]
    assert "revendiquer" in messages[0].body and "http://x/organisations/startup-c" in messages[0].body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.reminder"))
    assert (event.object_id, event.actor_id, event.details["recipients"]) == ("startup-c", staff_user.id, 1)
    with pytest.raises(Conflict):
        send_reminder(db.session, staff_user, startup, profile_url="http://x", now=event.created_at)
    sub = db.session.scalar(select(Organisation).where(Organisation.key == "sub-e"))
    member_messages = send_reminder(db.session, staff_user, sub, profile_url="http://x", now=NOW)
    assert [m.recipient for m in member_messages] == ["member@sub-e.example"]
    assert member_messages[0].user_id is not None
    lab = db.session.scalar(select(Organisation).where(Organisation.key == "lab-b"))
    with pytest.raises(Conflict):
        send_reminder(db.session, staff_user, lab, profile_url="http://x", now=NOW)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    report = freshness_report(db.session, now=NOW)
    assert {p.key: p.reminded_at is not None for p in report.profiles} == {"lab-b": False, "startup-c": True,
                                                                          "sub-e": True}


TOPICS = {
    "antibodies": "Production d'anticorps monoclonaux, lignées cellulaires, purification d'anticorps thérapeutiques.",
    "implants": "Usinage de pièces en titane pour implants orthopédiques, prothèses de hanche, usinage de précision.",
}


@pytest.fixture()
def clustered(blank_app):
    """Six organisations in Normandie, three per topic, each with two evidence texts."""
    with blank_app.app_context():
        for topic, text in TOPICS.items():
            for i in range(3):
                org = Organisation(key=f"{topic}-{i}", kind="lab", name=f"{topic.title()} {i}", region="Normandie",
                                   keywords=["Biologie, médecine et santé"] if topic == "antibodies" else [])
                org.evidence = [
                    Evidence(key=f"{topic}-{i}-1", kind="description", text=f"{text} Équipe {i}."),
                    Evidence(key=f"{topic}-{i}-2", kind="description", text=text.split(",")[0] + f" ({i})."),
                ]
                db.session.add(org)
        db.session.add(Organisation(key="elsewhere", kind="lab", name="Ailleurs", region="Bretagne"))
        db.session.commit()
        yield blank_app


def _groups(figure: competences.CompetenceMap) -> list[set[str]]:
    return sorted(({m.key.split("-")[0] for m in c.members} for c in figure.clusters), key=sorted)


def test_competence_map_clusters_related_organisations_from_embeddings(clustered):
    matcher = clustered.extensions["matchmaker"].build(db.session)
    figure = competences.competence_map(db.session, matcher, region="Normandie")
    assert (figure.total, figure.shown, figure.vectors, len(figure.clusters)) == (6, 6, "embeddings", 2)
    assert _groups(figure) == [{"antibodies"}, {"implants"}]
    labels = {next(iter({m.key.split("-")[0] for m in c.members})): c.label for c in figure.clusters}
    assert "anticorps" in labels["antibodies"] and "usinage" in labels["implants"]


def test_competence_map_falls_back_to_tfidf_and_filters_by_domain(clustered):
    figure = competences.competence_map(db.session, None, region="Normandie")
    assert figure.vectors == "tfidf" and _groups(figure) == [{"antibodies"}, {"implants"}]
    only = competences.competence_map(db.session, None, domain="health_biotech")
    assert only.total == 3
    assert {m.key for c in only.clusters for m in c.members} == {f"antibodies-{i}" for i in range(3)}
    assert competences.competence_map(db.session, None, region="Corse").clusters == ()


def test_competence_map_samples_evenly_above_the_limit(clustered):
    figure = competences.competence_map(db.session, None, region="Normandie", limit=4)
    assert (figure.total, figure.shown) == (6, 4)


def test_organisation_vectors_average_the_evidence_embeddings():
    docs = [EvidenceDoc(id="d1", org_id="a", text="anticorps"), EvidenceDoc(id="d2", org_id="a", text="titane"),
            EvidenceDoc(id="d3", org_id="b", text="titane usinage")]
    matcher = HybridMatcher(encoder=FakeEncoder()).fit(docs)
    vectors, known = competences.organisation_vectors(matcher, ["a", "unknown", "b"])
    encoded = FakeEncoder().encode_passages(["anticorps", "titane"])
    expected = encoded.mean(axis=0)
    assert known.tolist() == [True, False, True] and vectors.shape == (2, encoded.shape[1])
    assert np.allclose(vectors[0], expected / np.linalg.norm(expected))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert competences.organisation_vectors(HybridMatcher().fit(docs), ["a"]) is None


def test_organisations_without_indexed_evidence_are_listed_apart(clustered):
    matcher = clustered.extensions["matchmaker"].build(db.session)
    db.session.add(Organisation(key="bare", kind="startup", name="Sans preuve", region="Normandie"))
    db.session.commit()
    figure = competences.competence_map(db.session, matcher, region="Normandie")
    assert figure.vectors == "embeddings" and len(figure.clusters) == 3
    assert figure.clusters[-1].unindexed and [m.key for m in figure.clusters[-1].members] == ["bare"]
    assert {frozenset(m.key.split("-")[0] for m in c.members) for c in figure.clusters[:2]} == {
        frozenset({"antibodies"}), frozenset({"implants"})}


def test_large_tfidf_matrices_are_reduced_before_clustering():
    import scipy.sparse as sp

    wide = sp.random(300, 20_000, density=0.002, format="csr", random_state=0)
    rows = competences.dense_rows(wide)
    assert rows.shape == (300, 100) and np.allclose(np.linalg.norm(rows, axis=1)[np.linalg.norm(rows, axis=1) > 0], 1)


@pytest.mark.parametrize(("n", "k"), [(0, 0), (3, 1), (4, 2), (50, 5), (200, 10), (5000, 12)])
def test_number_of_clusters_rule(n, k):
    assert competences.choose_k(n) == k


def test_charts_are_escaped_svg_with_titles():
    chart = bar_chart("c1", "Titre <b>", ["<script>", "B"], [Series("S", [3, 1])], links=["/x?a=1&b=2", None])
    assert chart.startswith('<svg class="chart" id="c1"') and "<script>" not in chart
    assert "&lt;script&gt;" in chart and 'href="/x?a=1&amp;b=2"' in chart
    assert chart.count('class="chart-bar"') == 2 and "style=" not in chart
    line = line_chart("c2", "Lignes", ["jan", "fév"], [Series("a", [0, 5]), Series("b", [2, 1])])
    assert line.count("<polyline") == 2 and line.count("<circle") == 4
    funnel = funnel_chart("c3", "Entonnoir", [("Déposés", 10), ("Validés", 5)], pct=lambda r: f"{r:.0%}")
    assert "50%" in funnel and funnel.count('class="chart-bar"') == 2
    assert nice_max(0) == (1.0, 0.25) and nice_max(7) == (8.0, 2.0) and nice_max(2825) == (3000.0, 1000.0)


def test_region_map_has_a_labelled_tile_per_region():
    counts = {"Île-de-France": 2825, "Bretagne": 388, "Corse": 0, "La Réunion": 49}
    svg = region_map("m", "Carte", counts, link=lambda r: f"/carte?region={r}", legend_title="Organisations")
    assert svg.count('class="map-tile"') == len(METROPOLE) + len(OVERSEAS) == 21
    assert svg.count("<a href=") == 21 and "Île-de-France : 2825" in svg and "style=" not in svg
    assert re.search(r'fill="#000091"[^>]*><title>Île-de-France', svg)  # the largest count is the darkest
    assert colour_class(0, 10) == -1 and colour_class(10, 10) == 5 and colour_class(1, 1) == 5
    assert class_bounds(2825)[0] == (0, 1, 3) and class_bounds(2825)[-1] == (5, 752, 2825)
