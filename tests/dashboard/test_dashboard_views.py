"""Dashboard pages, CSV exports and JSON API: who may see them, and what they show."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from matchmaker.chart_tables import TABLES
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Need, Organisation, OutboxMessage, User

PAGES = [
    "/staff/dashboard/",
    "/staff/dashboard/?dimension=region",
    "/staff/dashboard/carte",
    f"/staff/dashboard/carte?layer=needs&region={quote('Île-de-France')}",
    "/staff/dashboard/carte?domain=health_biotech",
    "/staff/dashboard/fraicheur?reason=unclaimed&kind=lab",
    "/staff/dashboard/export/needs-funnel.csv",
    f"/staff/dashboard/export/competences.csv?region={quote('Île-de-France')}",
]
API = ["/api/dashboard/", "/api/dashboard/needs-funnel", "/api/dashboard/freshness?reason=stale"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_and_exports_are_for_staff_and_admins_only(as_role, url):
    response = as_role(None).get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for role in ("buyer", "startup"):
        assert as_role(role).get(url).status_code == 403, role
    for role in ("staff", "admin"):
        response = as_role(role).get(url)
        assert response.status_code == 200, (role, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("url", API)
def test_api_is_for_staff_and_admins_only(as_role, url):
    response = as_role(None).get(url)
    assert response.status_code == 401 and response.is_json
    for role in ("buyer", "startup"):
        assert as_role(role).get(url).status_code == 403, role
    for role in ("staff", "admin"):
        response = as_role(role).get(url)
        assert response.status_code == 200 and response.is_json, role


def test_reminder_is_staff_only_and_needs_a_csrf_token(app, users, as_role):
    with app.app_context():  # the start-up account speaks for a lab: the reminder goes to that member
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        db.session.scalar(select(User).where(User.email == users["startup"])).organisation_id = org.id
        key = org.key
        db.session.commit()
    url = f"/staff/dashboard/fraicheur/{key}/relance"
    assert "/auth/login" in as_role(None).post(url).headers["Location"]
    assert as_role("buyer").post(url).status_code == 403
    with app.app_context():
        before = db.session.scalar(select(func.count(OutboxMessage.id)))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        staff = as_role("staff")
        assert staff.post(url).status_code == 400
        page = staff.get("/staff/dashboard/fraicheur").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = staff.post(url, data={"csrf_token": token, "next": "/staff/dashboard/fraicheur?kind=platform"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302 and response.headers["Location"] == "/staff/dashboard/fraicheur?kind=platform"
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == before + 1
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.reminder"))
        assert event.object_id == key
    again = staff.post(url, follow_redirects=True).get_data(as_text=True)
    assert "déjà été envoyée" in again
    assert as_role("staff").post("/staff/dashboard/fraicheur/inconnue:1/relance").status_code == 404


def test_unknown_chart_is_a_404(as_role):
    staff = as_role("staff")
    assert staff.get("/staff/dashboard/export/nope.csv").status_code == 404
    assert staff.get("/api/dashboard/nope").status_code == 404


@pytest.fixture()
def world_client(blank_app, world):
    """A client logged in as the known world's staff member."""
    client = blank_app.test_client()
    session_id = db.session.scalar(select(User).where(User.email == "staff@example.org")).get_id()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    return client


def rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_overview_draws_every_chart_with_the_world_figures(world_client, world):
    html = world_client.get("/staff/dashboard/").get_data(as_text=True)
    charts = re.findall(r'<svg class="chart" id="([^"]+)"', html)
    assert charts == ["chart-organisations-kind", "chart-organisations-domain", "chart-organisations-region",
                      "chart-organisations-trend", "chart-needs-funnel", "chart-needs-monthly", "chart-curation",
                      "chart-demand-domain", "chart-demand-region"]
    assert "style=" not in html and "<script" not in html
    assert "2 j" in html and "50 %" in html  # median delay, acceptance rate
    assert html.count("/staff/dashboard/export/") >= 11
    for public_id in (world.needs["N2"], world.needs["N3"]):
        assert f"/equipe/besoins/{public_id}/curation" in html
    assert world.needs["N1"] + "/curation" not in html


def test_every_chart_exports_csv_and_the_same_figures_as_json(world_client):
    for name in TABLES:
        table = rows(world_client.get(f"/staff/dashboard/export/{name}.csv"))
        data = world_client.get(f"/api/dashboard/{name}").get_json()
        assert data["chart"] == name and table[0] == data["columns"], name
        assert len(table) - 1 == len(data["rows"]), name
    funnel = rows(world_client.get("/staff/dashboard/export/needs-funnel.csv"))
    assert funnel[1:] == [["posted", "Déposés", "6"], ["validated", "Validés", "4"],
                          ["matched", "Avec suggestions", "3"], ["introduced", "Mis en relation", "1"],
                          ["closed", "Clos", "2"]]
    summary = world_client.get("/api/dashboard/").get_json()
    assert summary["needs_funnel"] == {"posted": 6, "validated": 4, "matched": 3, "introduced": 1, "closed": 2}
    assert summary["median_days_to_first_accepted_match"] == 2.0 and summary["acceptance_rate"] == 0.5
    assert (summary["coverage_gaps"], summary["weak_match_threshold"]) == (2, 4.0)
    assert set(summary["charts"]) == set(TABLES)


def test_csv_cells_cannot_start_a_formula(world_client, world):
    need = db.session.scalar(select(Need).where(Need.public_id == world.needs["N3"]))
    need.title = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    table = rows(world_client.get("/staff/dashboard/export/coverage-gaps.csv"))
    assert table[2][1] == "'=HYPERLINK(\"http://evil.example\")"
    assert table[1][3] == "2.5"  # numbers are written as numbers
    assert world_client.get("/api/dashboard/coverage-gaps").get_json()["rows"][1]["title"].startswith("=")


def test_map_page_links_regions_and_lists_clusters(world_client):
    html = world_client.get("/staff/dashboard/carte?region=Bretagne").get_data(as_text=True)
    assert html.count('class="map-tile') == 21 and html.count('class="map-tile is-selected"') == 1
    assert "/staff/dashboard/carte?layer=organisations&amp;region=Occitanie#competences" in html
    assert html.count('class="card cluster-card"') == 1 and "/organisations/lab-a" in html


def test_freshness_page_offers_a_reminder_only_when_a_contact_exists(world_client):
    html = world_client.get("/staff/dashboard/fraicheur").get_data(as_text=True)
    assert "/organisations/lab-b" in html and "Aucun contact connu" in html
    assert "/staff/dashboard/fraicheur/lab-b/relance" not in html
    assert "/staff/dashboard/fraicheur/startup-c/relance" in html and "/staff/dashboard/fraicheur/sub-e/relance" in html


def test_dashboard_speaks_english(world_client):
    html = world_client.get("/staff/dashboard/?lang=en").get_data(as_text=True)
    assert "Ecosystem dashboard" in html and "Needs funnel" in html


def test_staff_see_the_dashboard_in_the_navigation(as_role):
    assert 'href="/staff/dashboard/"' in as_role("staff").get("/equipe/").get_data(as_text=True)
    assert 'href="/staff/dashboard/"' not in as_role("buyer").get("/besoins/").get_data(as_text=True)
