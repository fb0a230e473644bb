"""Who may open what in the events area: checked server-side, objects unreachable by guessing ids."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Event, MeetingRequest
from matchmaker.services import events as service

from .conftest import future_event_input

# Every route of the blueprint and who may use it: "any" (logged-in users), "participant" (a
# registered participant, 404 for others), "staff" (403 for other roles). Anonymous visitors are
# always sent to the login page.
ACCESS = {
    "events.index": "any",
    "events.detail": "any",
    "events.register": "participant-or-member",
    "events.suggestions": "participant",
    "events.requests": "participant",
    "events.request_meeting": "participant",
    "events.accept": "party",
    "events.decline": "party",
    "events.cancel": "party",
    "events.agenda": "participant",
    "events.agenda_pdf": "participant",
    "events.agenda_ics": "participant",
    "events.feedback": "party",
    "events.create": "staff",
    "events.edit": "staff",
    "events.registrations": "staff",
    "events.review": "staff",
    "events.meetings": "staff",
    "events.add_meeting": "staff",
    "events.schedule": "staff",
    "events.grid": "staff",
    "events.export_csv": "staff",
}

STAFF_PAGES = [
    ("get", "/events/nouveau"),
    ("post", "/events/nouveau"),
    ("get", "/events/{e}/modifier"),
    ("post", "/events/{e}/modifier"),
    ("get", "/events/{e}/inscriptions"),
    ("post", "/events/{e}/inscriptions/{r}/examiner"),
    ("get", "/events/{e}/rendez-vous"),
    ("post", "/events/{e}/rendez-vous/ajouter"),
    ("post", "/events/{e}/planifier"),
    ("get", "/events/{e}/grille"),
    ("get", "/events/{e}/rendez-vous.csv"),
]
PARTICIPANT_PAGES = [
    ("get", "/events/{e}/suggestions"),
    ("get", "/events/{e}/demandes"),
    ("post", "/events/{e}/demandes"),
    ("get", "/events/{e}/agenda"),
    ("get", "/events/{e}/agenda.pdf"),
    ("get", "/events/{e}/agenda.ics"),
]


def test_every_route_has_an_access_rule(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("events.")}
    assert routes == set(ACCESS), "add the new route to ACCESS and test who may use it"


def test_anonymous_visitors_are_sent_to_login(client, event_setup):
    e, r = event_setup.event_id, event_setup.participants["startup@example.org"]
    pages = [
        ("get", "/events/"),
        ("get", "/events/{e}"),
        ("get", "/events/{e}/inscription"),
        *STAFF_PAGES,
        *PARTICIPANT_PAGES,
        ("post", "/events/{e}/rendez-vous/x/avis"),
        ("post", "/events/{e}/demandes/x/annuler"),
    ]
    for method, url in pages:
        response = getattr(client, method)(url.format(e=e, r=r))
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


@pytest.mark.parametrize("email", ["startup@example.org", "buyer@example.org", "outsider@example.org"])
def test_only_staff_edit_the_event(client, auth, event_setup, email):
    e, r = event_setup.event_id, event_setup.participants["buyer2@example.org"]
    auth.login(email)
    for method, url in STAFF_PAGES:
        response = getattr(client, method)(url.format(e=e, r=r))
        assert response.status_code == 403, (method, url)


@pytest.mark.parametrize("email", ["staff@example.org", "admin@example.org"])
def test_staff_and_admin_open_the_organiser_pages(client, auth, event_setup, email):
    e, r = event_setup.event_id, event_setup.participants["buyer2@example.org"]
    auth.login(email)
    for method, url in STAFF_PAGES:
        if method == "get":
            assert getattr(client, method)(url.format(e=e, r=r)).status_code == 200, url


def test_only_participants_see_their_agenda(app, client, auth, event_setup):
    e, p = event_setup.event_id, event_setup.participants
    auth.login(event_setup.outsider)  # a member, not registered
    for method, url in PARTICIPANT_PAGES:
        assert getattr(client, method)(url.format(e=e), data={"target": p["buyer@example.org"]}).status_code == 404
    auth.logout()

    auth.login("startup@example.org")  # registered, but asking for someone else's agenda
    for suffix in ("agenda", "agenda.pdf", "agenda.ics"):
        response = client.get(f"/events/{e}/{suffix}", query_string={"participant": p["buyer@example.org"]})
        assert response.status_code == 404, suffix
        response = client.get(f"/events/{e}/{suffix}", query_string={"participant": "guessed-id"})
        assert response.status_code == 404, suffix
        assert client.get(f"/events/{e}/{suffix}").status_code == 200
    auth.logout()

    auth.login("staff@example.org")
    assert client.get(f"/events/{e}/agenda", query_string={"participant": p["buyer@example.org"]}).status_code == 200


def test_requests_are_reachable_only_by_their_parties(app, client, auth, event_setup):
    e, p = event_setup.event_id, event_setup.participants
    auth.login("startup@example.org")
    client.post(f"/events/{e}/demandes", data={"target": p["buyer@example.org"]})
    auth.logout()
    with app.app_context():
        request_id = db.session.scalar(select(MeetingRequest.public_id))
    for email in ("buyer2@example.org", "outsider@example.org"):
        auth.login(email)
        for action in ("accepter", "refuser", "annuler"):
            assert client.post(f"/events/{e}/demandes/{request_id}/{action}").status_code == 404
        auth.logout()
    with app.app_context():
        assert db.session.scalar(select(MeetingRequest.status)) == "requested"


def test_objects_of_another_event_are_not_reachable(app, client, auth, users, event_setup):
    e, p = event_setup.event_id, event_setup.participants
    with app.app_context():
        from matchmaker.models import User

        staff = db.session.scalar(select(User).where(User.email == users["staff"]))
        other = service.create_event(db.session, staff, future_event_input(name="Autre événement"))
        other_id = other.public_id
    auth.login("startup@example.org")
    client.post(f"/events/{e}/demandes", data={"target": p["buyer@example.org"]})
    auth.logout()
    with app.app_context():
        request_id = db.session.scalar(select(MeetingRequest.public_id))
    auth.login("buyer@example.org")
    assert client.post(f"/events/{other_id}/demandes/{request_id}/accepter").status_code == 404
    auth.logout()
    auth.login("staff@example.org")
    assert (
        client.post(
            f"/events/{other_id}/inscriptions/{p['buyer@example.org']}/examiner", data={"approve": "1"}
        ).status_code
        == 404
    )


def test_draft_events_are_invisible_to_participants(app, client, auth, event_setup):
    with app.app_context():
        db.session.scalar(select(Event)).published = False
        db.session.commit()
    auth.login("startup@example.org")
    assert client.get(f"/events/{event_setup.event_id}").status_code == 404
    assert event_setup.event_id not in client.get("/events/").text
    auth.logout()
    auth.login("staff@example.org")
    assert client.get(f"/events/{event_setup.event_id}").status_code == 200


def test_every_form_needs_a_csrf_token(app, client, auth, event_setup):
    app.config["WTF_CSRF_ENABLED"] = True
    e, p = event_setup.event_id, event_setup.participants
    auth_client = app.test_client()
    page = auth_client.get("/auth/login")
    token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    auth_client.post(
        "/auth/login", data={"email": "startup@example.org", "password": "correct horse battery", "csrf_token": token}
    )
    assert auth_client.get(f"/events/{e}/suggestions").status_code == 200
    for url, data in (
        (f"/events/{e}/demandes", {"target": p["buyer@example.org"]}),
        (f"/events/{e}/inscription", {"offer_text": "x" * 20, "seek_text": "y" * 20}),
    ):
        assert auth_client.post(url, data=data).status_code == 400, url
    with app.app_context():
        assert db.session.query(MeetingRequest).count() == 0
    page = auth_client.get(f"/events/{e}/suggestions")
    assert 'name="csrf_token"' in page.text
