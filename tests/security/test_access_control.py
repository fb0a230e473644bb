"""Every route of the application × every role → the expected outcome, enforced server-side.

ACCESS lists one row per (endpoint, method, URL): the status each role gets, or L for "sent to the
login page" (a 302 to /auth/login, or a 401 under /api). URLs are filled with the public ids of the
objects of the shared world (tests/security/conftest.py): the buyer owns {need}, {draft},
{shortlist}/{entry} and asked for {intro} (addressed to the start-up's organisation {org}); the
second buyer owns {other_need}, {other_shortlist}/{other_entry} and {other_intro}; {claim} and
{other_search} belong to the second start-up; the buyer, the second buyer and the start-up are registered
to {event}, where the second buyer asked the start-up for a meeting ({request}) and the buyer meets the
second buyer ({meeting}). Rows on someone else's object check that it is a 404, and
test_guessed_ids_lead_nowhere replays every row with guessed ids (1, 999999): never anything but a 404.

POSTs are sent with CSRF off and an empty form (or the row's data), so they reach the view: a
wrong role is refused before anything is read. Each case starts from a fresh copy of the world.

test_every_route_has_a_row fails when a route exists without a row: adding a page or an endpoint
means adding its line here.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import pytest
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from matchmaker.extensions import db
from matchmaker.models import Organisation, User

from .conftest import ROLES

L = "login"  # anonymous visitors are sent to the login page (401 JSON under /api)


class Row(NamedTuple):
    endpoint: str
    method: str
    url: str
    anonymous: int | str
    buyer: int | str
    startup: int | str
    staff: int | str
    admin: int | str
    data: dict[str, Any] | None = None


R = Row
INTRO_BODY = {"organisation": "{lab}", "message": "court"}
ACCESS = [
    # endpoint, method, url, then the outcome for: anonymous, buyer, startup (the member account of a start-up),
    # staff, admin
    # -- public pages and the public API
    R("main.index", "GET", "/", 200, 200, 200, 200, 200),
    R("main.index", "GET", "/?q=biomat%C3%A9riaux", 200, 200, 200, 200, 200),
    R("main.organisation", "GET", "/organisations/{lab}", 200, 200, 200, 200, 200),
    R("main.organisation", "GET", "/organisations/rnsr:000000000X", 404, 404, 404, 404, 404),
    R("main.health", "GET", "/health", 200, 200, 200, 200, 200),
    R("main.about", "GET", "/a-propos", 200, 200, 200, 200, 200),
    R("static", "GET", "/static/css/matchmaker.css", 200, 200, 200, 200, 200),
    R("api.search", "GET", "/api/search?q=biomat%C3%A9riaux", 200, 200, 200, 200, 200),
    R("api.organisation", "GET", "/api/organisations/{lab}", 200, 200, 200, 200, 200),
    R("api.health", "GET", "/api/health", 200, 200, 200, 200, 200),
    # -- accounts
    R("auth.login", "GET", "/auth/login", 200, 302, 302, 302, 302),
    R("auth.login", "POST", "/auth/login", 400, 302, 302, 302, 302),
    R("auth.logout", "POST", "/auth/logout", L, 302, 302, 302, 302),
    # -- buyers' needs
    R("needs.index", "GET", "/besoins/", L, 200, 403, 403, 403),
    R("needs.new", "GET", "/besoins/nouveau", L, 200, 403, 403, 403),
    R("needs.new", "POST", "/besoins/nouveau", L, 400, 403, 403, 403),
    R("needs.detail", "GET", "/besoins/{need}", L, 200, 403, 403, 403),
    R("needs.detail", "GET", "/besoins/{other_need}", L, 404, 403, 403, 403),
    R("needs.edit", "GET", "/besoins/{draft}/modifier", L, 200, 403, 403, 403),
    R("needs.edit", "POST", "/besoins/{draft}/modifier", L, 400, 403, 403, 403),
    R("needs.edit", "GET", "/besoins/{other_need}/modifier", L, 404, 403, 403, 403),
    R("needs.submit", "POST", "/besoins/{need}/soumettre", L, 409, 403, 403, 403),
    R("needs.submit", "POST", "/besoins/{other_need}/soumettre", L, 404, 403, 403, 403),
    R("needs.close", "POST", "/besoins/{need}/clore", L, 302, 403, 403, 403),
    R("needs.close", "POST", "/besoins/{other_need}/clore", L, 404, 403, 403, 403),
    # -- shortlists (buyers and start-ups)
    R("shortlists.index", "GET", "/listes/", L, 200, 200, 403, 403),
    R("shortlists.create", "POST", "/listes/nouvelle", L, 400, 400, 403, 403),
    R("shortlists.add", "POST", "/listes/ajouter", L, 302, 302, 403, 403),
    R("shortlists.detail", "GET", "/listes/{shortlist}", L, 200, 404, 403, 403),
    R("shortlists.detail", "GET", "/listes/{other_shortlist}", L, 404, 404, 403, 403),
    R("shortlists.note", "POST", "/listes/{shortlist}/entrees/{entry}/note", L, 302, 404, 403, 403),
    R("shortlists.note", "POST", "/listes/{shortlist}/entrees/{other_entry}/note", L, 404, 404, 403, 403),
    R("shortlists.remove", "POST", "/listes/{shortlist}/entrees/{entry}/retirer", L, 302, 404, 403, 403),
    R("shortlists.remove", "POST", "/listes/{other_shortlist}/entrees/{other_entry}/retirer", L, 404, 404, 403, 403),
    R("shortlists.delete", "POST", "/listes/{shortlist}/supprimer", L, 302, 404, 403, 403),
    R("shortlists.delete", "POST", "/listes/{other_shortlist}/supprimer", L, 404, 404, 403, 403),
    R("shortlists.export", "GET", "/listes/{shortlist}/export.csv", L, 200, 404, 403, 403),
    R("shortlists.export", "GET", "/listes/{other_shortlist}/export.csv", L, 404, 404, 403, 403),
    # -- introductions (double opt-in)
    R("introductions.index", "GET", "/mises-en-relation/", L, 200, 200, 200, 200),
    R("introductions.new", "GET", "/mises-en-relation/nouvelle?organisation={lab}", L, 200, 200, 403, 403),
    R("introductions.new", "POST", "/mises-en-relation/nouvelle", L, 400, 400, 403, 403, INTRO_BODY),
    R("introductions.detail", "GET", "/mises-en-relation/{intro}", L, 200, 200, 200, 200),
    R("introductions.detail", "GET", "/mises-en-relation/{other_intro}", L, 404, 404, 200, 200),
    R("introductions.detail", "GET", "/mises-en-relation/{intro_id}", L, 404, 404, 404, 404),
    R("introductions.answer", "POST", "/mises-en-relation/{intro}/repondre", L, 403, 302, 302, 302,
      {"answer": "accept"}),  # only the organisation asked (or staff for it) may accept
    R("introductions.answer", "POST", "/mises-en-relation/{other_intro}/repondre", L, 404, 404, 400, 400),
    # -- members' area (organisations of every kind: the start-up's member here)
    R("members.index", "GET", "/membre/", L, 403, 200, 403, 403),
    R("members.find", "GET", "/membre/revendiquer?q=lab", L, 403, 200, 403, 403),
    R("members.claim", "GET", "/membre/revendiquer/{lab}", L, 403, 200, 403, 403),
    R("members.claim", "POST", "/membre/revendiquer/{lab}", L, 403, 400, 403, 403),
    R("members.create", "GET", "/membre/creer", L, 403, 200, 403, 403),
    R("members.create", "POST", "/membre/creer", L, 403, 400, 403, 403),
    R("members.profile", "GET", "/membre/profil", L, 403, 200, 403, 403),
    R("members.profile", "POST", "/membre/profil", L, 403, 400, 403, 403),
    R("members.matches", "GET", "/membre/correspondances", L, 403, 200, 403, 403),
    R("members.searches", "GET", "/membre/recherches", L, 403, 200, 403, 403),
    R("members.save_search", "POST", "/membre/recherches", L, 403, 400, 403, 403),
    R("members.delete_search", "POST", "/membre/recherches/{search}/supprimer", L, 403, 302, 403, 403),
    R("members.delete_search", "POST", "/membre/recherches/{other_search}/supprimer", L, 403, 404, 403, 403),
    R("members.livret", "GET", "/membre/livret", L, 403, 200, 403, 403),
    R("members.save_livret_view", "POST", "/membre/livret", L, 403, 302, 403, 403),  # an empty draft
    R("members.team", "GET", "/membre/equipe", L, 403, 200, 403, 403),  # the start-up's member owns its account
    R("members.invite_colleague", "POST", "/membre/equipe/inviter", L, 403, 400, 403, 403),
    R("members.remove_colleague", "POST", "/membre/equipe/{member_user}/retirer", L, 403, 302, 403, 403),
    R("members.remove_colleague", "POST", "/membre/equipe/{user}/retirer", L, 403, 404, 403, 403),
    R("members.transfer_ownership", "POST", "/membre/equipe/{member_user}/responsable", L, 403, 302, 403, 403),
    R("members.transfer_ownership", "POST", "/membre/equipe/{user}/responsable", L, 403, 404, 403, 403),
    # -- personal data (GDPR): export and erasure for the organisation's accounts
    R("privacy.index", "GET", "/mes-donnees/", L, 200, 200, 403, 403),
    R("privacy.export", "GET", "/mes-donnees/export.json", L, 200, 200, 403, 403),
    R("privacy.erase", "POST", "/mes-donnees/supprimer", L, 400, 400, 403, 403),
    # -- staff: review queue, claims, introductions, organisations, audit log, curation
    R("staff.queue", "GET", "/equipe/", L, 403, 403, 200, 200),
    R("staff.claim", "GET", "/equipe/revendications/{claim}", L, 403, 403, 200, 200),
    R("staff.approve", "POST", "/equipe/revendications/{claim}/valider", L, 403, 403, 302, 302),
    R("staff.refuse", "POST", "/equipe/revendications/{claim}/refuser", L, 403, 403, 400, 400),
    R("staff.queue", "GET", "/equipe/?tab=revisions", L, 403, 403, 200, 200),
    R("staff.revision", "GET", "/equipe/modifications/{revision}", L, 403, 403, 200, 200),
    R("staff.approve_revision_view", "POST", "/equipe/modifications/{revision}/valider", L, 403, 403, 302, 302),
    R("staff.reject_revision_view", "POST", "/equipe/modifications/{revision}/refuser", L, 403, 403, 400, 400),
    R("staff.verify_certification", "POST", "/equipe/organisations/{org}/certifications", L, 403, 403, 302, 302,
      {"label": "ISO 13485", "action": "verify"}),
    R("staff.member_list", "GET", "/equipe/import", L, 403, 403, 200, 200),
    R("staff.import_members", "POST", "/equipe/import", L, 403, 403, 400, 400),
    R("staff.member_list_template", "GET", "/equipe/import/modele.xlsx", L, 403, 403, 200, 200),
    R("staff.member_list_template", "GET", "/equipe/import/modele.csv", L, 403, 403, 200, 200),
    R("staff.member_list_template", "GET", "/equipe/import/modele.pdf", L, 403, 403, 404, 404),
    R("staff.edit_organisation", "GET", "/equipe/organisations/{lab}/modifier", L, 403, 403, 200, 200),
    R("staff.edit_organisation", "POST", "/equipe/organisations/{lab}/modifier", L, 403, 403, 400, 400),
    R("staff.introduction", "GET", "/equipe/mises-en-relation/{other_intro}", L, 403, 403, 200, 200),
    R("staff.review_introduction", "POST", "/equipe/mises-en-relation/{other_intro}/examiner", L, 403, 403, 400, 400),
    R("staff.edit_introduction", "POST", "/equipe/mises-en-relation/{other_intro}/message", L, 403, 403, 400, 400),
    R("staff.audit_log", "GET", "/equipe/journal", L, 403, 403, 200, 200),
    R("staff.labels", "GET", "/equipe/etiquettes", L, 403, 403, 200, 200),
    R("staff.need", "GET", "/equipe/besoins/{need}", L, 403, 403, 200, 200),
    R("staff.validate", "POST", "/equipe/besoins/{need}/valider", L, 403, 403, 409, 409),
    R("staff.reject", "POST", "/equipe/besoins/{need}/refuser", L, 403, 403, 400, 400),
    R("staff.edit_need", "GET", "/equipe/besoins/{need}/modifier", L, 403, 403, 200, 200),
    R("staff.edit_need", "POST", "/equipe/besoins/{need}/modifier", L, 403, 403, 400, 400),
    R("staff.curate", "GET", "/equipe/besoins/{need}/curation", L, 403, 403, 200, 200),
    R("staff.decide", "POST", "/equipe/besoins/{need}/suggestions/{suggestion}/decision", L, 403, 403, 302, 302),
    R("staff.decide", "POST", "/equipe/besoins/{need}/suggestions/{other_suggestion}/decision", L, 403, 403, 404, 404),
    R("staff.move", "POST", "/equipe/besoins/{need}/suggestions/{suggestion}/deplacer", L, 403, 403, 302, 302),
    R("staff.add_suggestion", "POST", "/equipe/besoins/{need}/suggestions/ajouter", L, 403, 403, 400, 400),
    R("staff.propose", "POST", "/equipe/besoins/{need}/suggestions/proposer", L, 403, 403, 302, 302),
    R("staff.publish", "POST", "/equipe/besoins/{need}/publier", L, 403, 403, 302, 302),
    # -- events: participants (the buyer, the second buyer and the start-up are registered)
    R("events.index", "GET", "/events/", L, 200, 200, 200, 200),
    R("events.detail", "GET", "/events/{event}", L, 200, 200, 200, 200),
    R("events.detail", "GET", "/events/{draft_event}", L, 404, 404, 200, 200),
    R("events.register", "GET", "/events/{event}/inscription", L, 200, 200, 403, 403),
    R("events.register", "POST", "/events/{event}/inscription", L, 400, 400, 403, 403),
    R("events.register", "GET", "/events/{draft_event}/inscription", L, 404, 404, 403, 403),
    R("events.suggestions", "GET", "/events/{event}/suggestions", L, 200, 200, 404, 404),
    R("events.requests", "GET", "/events/{event}/demandes", L, 200, 200, 404, 404),
    R("events.request_meeting", "POST", "/events/{event}/demandes", L, 302, 302, 404, 404),
    R("events.accept", "POST", "/events/{event}/demandes/{request}/accepter", L, 404, 302, 302, 302),
    R("events.decline", "POST", "/events/{event}/demandes/{request}/refuser", L, 404, 302, 302, 302),
    R("events.cancel", "POST", "/events/{event}/demandes/{request}/annuler", L, 404, 302, 302, 302),
    R("events.agenda", "GET", "/events/{event}/agenda", L, 200, 200, 404, 404),
    R("events.agenda", "GET", "/events/{event}/agenda?participant={registration}", L, 404, 200, 200, 200),
    R("events.agenda_pdf", "GET", "/events/{event}/agenda.pdf", L, 200, 200, 404, 404),
    R("events.agenda_pdf", "GET", "/events/{event}/agenda.pdf?participant={registration}", L, 404, 200, 200, 200),
    R("events.agenda_ics", "GET", "/events/{event}/agenda.ics", L, 200, 200, 404, 404),
    R("events.agenda_ics", "GET", "/events/{event}/agenda.ics?participant={registration}", L, 404, 200, 200, 200),
    R("events.feedback", "POST", "/events/{event}/rendez-vous/{meeting}/avis", L, 302, 404, 404, 404,
      {"verdict": "useful"}),
    # -- events: organisers
    R("events.create", "GET", "/events/nouveau", L, 403, 403, 200, 200),
    R("events.create", "POST", "/events/nouveau", L, 403, 403, 400, 400),
    R("events.edit", "GET", "/events/{event}/modifier", L, 403, 403, 200, 200),
    R("events.edit", "POST", "/events/{event}/modifier", L, 403, 403, 400, 400),
    R("events.registrations", "GET", "/events/{event}/inscriptions", L, 403, 403, 200, 200),
    R("events.review", "POST", "/events/{event}/inscriptions/{registration}/examiner", L, 403, 403, 302, 302),
    R("events.meetings", "GET", "/events/{event}/rendez-vous", L, 403, 403, 200, 200),
    R("events.add_meeting", "POST", "/events/{event}/rendez-vous/ajouter", L, 403, 403, 302, 302),
    R("events.schedule", "POST", "/events/{event}/planifier", L, 403, 403, 302, 302),
    R("events.grid", "GET", "/events/{event}/grille", L, 403, 403, 200, 200),
    R("events.export_csv", "GET", "/events/{event}/rendez-vous.csv", L, 403, 403, 200, 200),
    # -- JSON API: needs and curation
    R("api.needs_index", "GET", "/api/needs", L, 200, 403, 200, 200),
    R("api.needs_create", "POST", "/api/needs", L, 400, 403, 403, 403),
    R("api.needs_detail", "GET", "/api/needs/{need}", L, 200, 403, 200, 200),
    R("api.needs_detail", "GET", "/api/needs/{other_need}", L, 404, 403, 200, 200),
    R("api.needs_detail", "GET", "/api/needs/1", L, 404, 403, 404, 404),
    R("api.needs_submit", "POST", "/api/needs/{need}/submit", L, 409, 403, 403, 403),
    R("api.needs_submit", "POST", "/api/needs/{other_need}/submit", L, 404, 403, 403, 403),
    R("api.needs_matches", "GET", "/api/needs/{need}/matches", L, 200, 403, 200, 200),
    R("api.needs_matches", "GET", "/api/needs/{other_need}/matches", L, 404, 403, 200, 200),
    R("api.suggestions_index", "GET", "/api/needs/{need}/suggestions", L, 403, 403, 200, 200),
    R("api.suggestions_decide", "POST", "/api/needs/{need}/suggestions/{suggestion}/decision", L, 403, 403, 400, 400),
    R("api.suggestions_decide", "POST", "/api/needs/{need}/suggestions/{other_suggestion}/decision",
      L, 403, 403, 404, 404),
    R("api.decisions_index", "GET", "/api/curation/decisions", L, 403, 403, 200, 200),
    # -- JSON API: shortlists and introductions
    R("api.shortlists_index", "GET", "/api/shortlists", L, 200, 200, 403, 403),
    R("api.shortlists_create", "POST", "/api/shortlists", L, 400, 400, 403, 403),
    R("api.shortlists_detail", "GET", "/api/shortlists/{shortlist}", L, 200, 404, 403, 403),
    R("api.shortlists_detail", "GET", "/api/shortlists/{other_shortlist}", L, 404, 404, 403, 403),
    R("api.shortlists_add", "POST", "/api/shortlists/{shortlist}/entries", L, 201, 404, 403, 403,
      {"organisation": "{org}"}),
    R("api.shortlists_add", "POST", "/api/shortlists/{other_shortlist}/entries", L, 404, 404, 403, 403,
      {"organisation": "{org}"}),
    R("api.introductions_index", "GET", "/api/introductions", L, 200, 200, 200, 200),
    R("api.introductions_create", "POST", "/api/introductions", L, 400, 400, 403, 403, INTRO_BODY),
    R("api.introductions_detail", "GET", "/api/introductions/{intro}", L, 200, 200, 200, 200),
    R("api.introductions_detail", "GET", "/api/introductions/{other_intro}", L, 404, 404, 200, 200),
    # -- staff dashboard (issue 8) and its JSON figures
    R("dashboard.overview", "GET", "/staff/dashboard/", L, 403, 403, 200, 200),
    R("dashboard.competence_map", "GET", "/staff/dashboard/carte", L, 403, 403, 200, 200),
    R("dashboard.freshness", "GET", "/staff/dashboard/fraicheur", L, 403, 403, 200, 200),
    R("dashboard.remind", "POST", "/staff/dashboard/fraicheur/{lab}/relance", L, 403, 403, 302, 302),
    R("dashboard.livrets", "GET", "/staff/dashboard/livrets", L, 403, 403, 200, 200),
    R("dashboard.livrets", "GET", "/staff/dashboard/livrets?kind=manufacturer&region=Bretagne", L, 403, 403, 200,
      200),
    R("dashboard.nudge_livret", "POST", "/staff/dashboard/livrets/{org}/relance", L, 403, 403, 302, 302),
    R("dashboard.export", "GET", "/staff/dashboard/export/freshness.csv", L, 403, 403, 200, 200),
    R("dashboard.export", "GET", "/staff/dashboard/export/nope.csv", L, 403, 403, 404, 404),
    R("api.dashboard_index", "GET", "/api/dashboard/", L, 403, 403, 200, 200),
    R("api.dashboard_chart", "GET", "/api/dashboard/needs-funnel", L, 403, 403, 200, 200),
    # -- admin area: accounts and roles ({user} is the second buyer's account), administrators only
    R("admin.users_index", "GET", "/admin/", L, 403, 403, 403, 200),
    R("admin.users_index", "GET", "/admin/?role=staff&status=active&q=example", L, 403, 403, 403, 200),
    R("admin.invite", "GET", "/admin/inviter", L, 403, 403, 403, 200),
    R("admin.invite", "POST", "/admin/inviter", L, 403, 403, 403, 400),
    R("admin.user", "GET", "/admin/utilisateurs/{user}", L, 403, 403, 403, 200),
    R("admin.change_role", "POST", "/admin/utilisateurs/{user}/role", L, 403, 403, 403, 400),
    R("admin.change_role", "POST", "/admin/utilisateurs/{user}/role", L, 403, 403, 403, 302, {"role": "member"}),
    R("admin.deactivate", "POST", "/admin/utilisateurs/{user}/desactiver", L, 403, 403, 403, 302),
    R("admin.reactivate", "POST", "/admin/utilisateurs/{user}/reactiver", L, 403, 403, 403, 302),
    R("admin.reset_password", "POST", "/admin/utilisateurs/{user}/mot-de-passe", L, 403, 403, 403, 302),
    R("admin.unlock", "POST", "/admin/utilisateurs/{user}/debloquer", L, 403, 403, 403, 302),
    # -- password links (invitation, forced reset): anyone holding a valid link; a bad one is a 404
    R("auth.set_password", "GET", "/auth/mot-de-passe/not-a-valid-token", 404, 404, 404, 404, 404),
    R("auth.set_password", "POST", "/auth/mot-de-passe/not-a-valid-token", 404, 404, 404, 404, 404),
]


def _fill(world, data: dict[str, Any] | None) -> dict[str, Any]:
    return {name: world.url(value) if isinstance(value, str) else value for name, value in (data or {}).items()}


def _routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_row(world):
    covered = {(row.endpoint, row.method) for row in ACCESS}
    missing = sorted(_routes(world.app) - covered)
    assert not missing, f"routes without a row in ACCESS (add one line each): {missing}"
    stale = sorted(covered - _routes(world.app))
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_every_row_points_at_its_endpoint(world):
    adapter = world.app.url_map.bind("localhost")
    for row in ACCESS:
        path = world.url(row.url).split("?")[0]
        try:
            endpoint, _ = adapter.match(path, method=row.method)
        except (NotFound, MethodNotAllowed, RequestRedirect) as exc:
            pytest.fail(f"{row.method} {row.url} does not reach {row.endpoint}: {exc!r}")
        assert endpoint == row.endpoint, row


CASES = [(row, role) for row in ACCESS for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CASES, ids=[f"{r.method} {r.url} {role}" for r, role in CASES])
def test_route_and_role_give_the_expected_outcome(fresh_world, row, role):
    client = fresh_world.client(role)
    url = fresh_world.url(row.url)
    api = url.startswith("/api/")
    data = _fill(fresh_world, row.data)
    if row.method == "GET":
        response = client.get(url)
    elif api:
        response = client.open(url, method=row.method, json=data)
    else:
        response = client.open(url, method=row.method, data=data)
    expected = getattr(row, role)
    body = response.get_data()[:300].decode("utf-8", "replace")
    response.close()
    location = response.headers.get("Location", "")
    if expected == L:
        if api:
            assert response.status_code == 401 and response.is_json, (response.status_code, body)
        else:
            assert response.status_code == 302 and "/auth/login" in location, (response.status_code, location)
        return
    assert response.status_code == expected, (response.status_code, location, body)
    if expected == 302:
        assert "/auth/login" not in location, "a logged-in user was sent to the login page"


# -- objects are not reachable by guessing their ids -----------------------------------------------------------

PUBLIC_KEYS = {"lab", "org"}  # organisation keys are public: profiles are meant to be found
GUESSES = {"suggestion": "999999", "other_suggestion": "999999", "entry": "999999", "other_entry": "999999"}
GUESSABLE = [row for row in ACCESS if set(re.findall(r"{(\w+)}", row.url)) - PUBLIC_KEYS]


@pytest.mark.parametrize("row", GUESSABLE, ids=[f"{r.method} {r.url}" for r in GUESSABLE])
def test_guessed_ids_lead_nowhere(fresh_world, row):
    """Replace every object id of the URL by a guess (a small integer): no role may get anything but a 404."""
    guessed = {name: GUESSES.get(name, "1") for name in fresh_world.ids}
    url = row.url.format(**{**guessed, **{key: fresh_world.ids[key] for key in PUBLIC_KEYS}})
    data = {name: value.format(**fresh_world.ids) if isinstance(value, str) else value
            for name, value in (row.data or {}).items()}
    for role in ROLES:
        client = fresh_world.client(role)
        if url.startswith("/api/"):
            response = client.open(url, method=row.method, json=data)
        else:
            response = client.open(url, method=row.method, data=data or None)
        expected = getattr(row, role)
        allowed = {404} | ({403} if expected == 403 else set())
        if expected == L:
            allowed = {401, 302}
        assert response.status_code in allowed, (role, url, response.status_code)


def test_public_ids_are_long_random_tokens(world):
    ids = [value for key, value in world.ids.items() if key not in PUBLIC_KEYS | set(GUESSES) | {"intro_id"}]
    assert all(len(value) >= 16 and not value.isdigit() for value in ids)
    assert len(set(ids)) == len(ids)


# -- the members' area for each place a member can have in an organisation ------------------------------------
# ACCESS checks the member role as one column (the start-up's owner). The organisation's routes also depend on
# the member's place: its owner, a colleague of the same organisation, a member of no organisation yet (a claim
# waiting), and the owner of another organisation. {colleague} is a colleague of the start-up's organisation.

MEMBER_PLACES = ("owner", "colleague", "unattached", "other_owner")


class MemberRow(NamedTuple):
    endpoint: str
    method: str
    url: str
    owner: int
    colleague: int
    unattached: int
    other_owner: int
    data: dict[str, Any] | None = None


M = MemberRow
MEMBER_ACCESS = [
    M("members.index", "GET", "/membre/", 200, 200, 200, 200),
    M("members.profile", "GET", "/membre/profil", 200, 200, 404, 200),
    M("members.profile", "POST", "/membre/profil", 400, 400, 404, 400),  # an empty form
    M("members.livret", "GET", "/membre/livret", 200, 200, 404, 200),
    M("members.save_livret_view", "POST", "/membre/livret", 302, 302, 404, 302),  # an empty draft of its own
    M("members.team", "GET", "/membre/equipe", 200, 200, 404, 200),
    M("members.invite_colleague", "POST", "/membre/equipe/inviter", 302, 403, 404, 302,
      {"email": "nouveau@example.org"}),
    M("members.remove_colleague", "POST", "/membre/equipe/{colleague}/retirer", 302, 403, 404, 404),
    M("members.transfer_ownership", "POST", "/membre/equipe/{colleague}/responsable", 302, 403, 404, 404),
]
MEMBER_CASES = [(row, place) for row in MEMBER_ACCESS for place in MEMBER_PLACES]


def _member_clients(world) -> tuple[dict[str, Any], dict[str, str]]:
    """Add a colleague to the start-up's organisation and an owner to another one; return clients and ids."""
    with world.app.app_context():
        owner = world.user("startup")
        other_org = db.session.scalar(select(Organisation).where(Organisation.claimed.is_(False),
                                                                 Organisation.kind != "buyer")
                                      .order_by(Organisation.id.desc()))
        other_org.claimed = True
        colleague = User(email="colleague@example.org", name="Colleague", role="member",
                         organisation_id=owner.organisation_id, organisation_role="colleague", password_hash="x")
        other = User(email="other-owner@example.org", name="Other", role="member", organisation_id=other_org.id,
                     organisation_role="owner", password_hash="x")
        db.session.add_all([colleague, other])
        db.session.commit()
        sessions = {"owner": owner.get_id(), "colleague": colleague.get_id(), "other_owner": other.get_id(),
                    "unattached": world.user("startup2").get_id()}
        ids = {"colleague": colleague.public_id}
    clients = {}
    for place, session_id in sessions.items():
        client = world.app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id, True
        clients[place] = client
    return clients, ids


def test_every_members_area_route_with_an_organisation_has_a_member_row(world):
    organisation_routes = {(row.endpoint, row.method) for row in ACCESS
                           if row.endpoint.startswith("members.") and row.endpoint not in
                           {"members.find", "members.claim", "members.create", "members.matches",
                            "members.searches", "members.save_search", "members.delete_search"}}
    assert organisation_routes <= {(row.endpoint, row.method) for row in MEMBER_ACCESS}


@pytest.mark.parametrize(("row", "place"), MEMBER_CASES, ids=[f"{r.method} {r.url} {p}" for r, p in MEMBER_CASES])
def test_members_area_route_and_place_give_the_expected_outcome(fresh_world, row, place):
    clients, ids = _member_clients(fresh_world)
    url = row.url.format(**ids)
    response = clients[place].open(url, method=row.method, data=row.data)
    expected = getattr(row, place)
    assert response.status_code == expected, (response.status_code, response.headers.get("Location"))
    if expected == 302:
        assert "/auth/login" not in response.headers.get("Location", "")
