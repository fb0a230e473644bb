"""Participants through Flask's test client: registration, suggestions, requests and their limits."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import EventRegistration, MeetingRequest, Organisation, User
from tests.support.events import answer, ask, event_row, meet, request_between


def test_registration_waits_for_staff_then_unlocks_suggestions(app, client, auth, event_setup):
    event_id = event_setup.event_id
    auth.login(event_setup.outsider)
    with app.app_context():
        outsider = db.session.scalar(select(User).where(User.email == event_setup.outsider))
        outsider.organisation_id = db.session.scalar(
            select(Organisation.id).where(Organisation.kind == "manufacturer").limit(1)
        )
        db.session.commit()
        outsider_id = outsider.id
        first_slot = event_row(event_id).slots[0].id
    assert client.get(f"/events/{event_id}/inscription").status_code == 200
    response = client.post(
        f"/events/{event_id}/inscription",
        data={
            "need": "",
            "offer_text": "Fabrication de dispositifs médicaux stériles en salle blanche ISO 7.",
            "seek_text": "Start-up cherchant un fabricant pour industrialiser un dispositif de greffe.",
            "unavailable": [str(first_slot)],
        },
    )
    assert response.status_code == 302
    page = client.get(f"/events/{event_id}/suggestions")
    assert "dès que votre inscription est validée" in page.text
    with app.app_context():
        registration = db.session.scalar(select(EventRegistration).where(EventRegistration.user_id == outsider_id))
        assert registration.status == "pending"
        assert registration.unavailable_slot_ids == [first_slot]
        registration_id = registration.public_id
    auth.logout()

    auth.login(event_setup.staff)
    page = client.get(f"/events/{event_id}/inscriptions")
    assert registration_id in page.text
    assert (
        client.post(f"/events/{event_id}/inscriptions/{registration_id}/examiner", data={"approve": "1"}).status_code
        == 302
    )
    auth.logout()

    auth.login(event_setup.outsider)
    page = client.get(f"/events/{event_id}/suggestions")
    assert page.status_code == 200
    assert "Demander un rendez-vous" in page.text


def test_registration_rules(app, client, auth, users, event_setup):
    event_id = event_setup.event_id
    auth.login("startup@example.org")
    too_short = client.post(f"/events/{event_id}/inscription", data={"need": "", "offer_text": "ok", "seek_text": "ok"})
    assert too_short.status_code == 400
    unknown_slot = client.post(
        f"/events/{event_id}/inscription",
        data={"need": "", "offer_text": "x" * 20, "seek_text": "y" * 20, "unavailable": ["999999"]},
    )
    assert unknown_slot.status_code == 400
    auth.logout()

    auth.login(users["staff"])
    assert (
        client.post(
            f"/events/{event_id}/inscription", data={"need": "", "offer_text": "x" * 20, "seek_text": "y" * 20}
        ).status_code
        == 403
    )
    auth.logout()

    with app.app_context():
        event = event_row(event_id)
        event.allowed_kinds = ["lab"]
        db.session.commit()
        user = db.session.scalar(select(User).where(User.email == event_setup.outsider))
        user.organisation_id = db.session.scalar(
            select(Organisation.id)
            .where(Organisation.kind == "startup", Organisation.key != "ilab:ilab-00317")
            .limit(1)
        )
        db.session.commit()
    auth.login(event_setup.outsider)
    assert (
        client.post(
            f"/events/{event_id}/inscription", data={"need": "", "offer_text": "x" * 20, "seek_text": "y" * 20}
        ).status_code
        == 403
    )
    with app.app_context():
        event = event_row(event_id)
        event.allowed_kinds = ["startup"]
        event.registration_deadline = event.registration_deadline - timedelta(days=400)
        db.session.commit()
    closed = client.post(
        f"/events/{event_id}/inscription", data={"need": "", "offer_text": "x" * 20, "seek_text": "y" * 20}
    )
    assert closed.status_code in (200, 400) and "closes" in closed.text


def test_suggestions_rank_offer_and_seek_both_ways_and_drop_engaged(app, client, auth, event_setup):
    event_id = event_setup.event_id
    auth.login("startup@example.org")
    page = client.get(f"/events/{event_id}/suggestions")
    assert page.status_code == 200
    names = re.findall(r'<h2 class="card-title">(?:<a [^>]*>)?([^<]+)', page.text)
    assert names[0] == "ASSISTANCE PUBLIQUE DES HOPITAUX DE MARSEILLE"  # seeks what HEMARINA offers, and offers trials
    assert "HEMARINA" not in names
    assert "<mark>" in page.text  # the quoted texts highlight the matching words
    auth.logout()

    ask(client, auth, event_id, "startup@example.org", event_setup.participants["buyer@example.org"])
    auth.login("startup@example.org")
    names = re.findall(
        r'<h2 class="card-title">(?:<a [^>]*>)?([^<]+)', client.get(f"/events/{event_id}/suggestions").text
    )
    assert "ASSISTANCE PUBLIQUE DES HOPITAUX DE MARSEILLE" not in names
    auth.logout()
    auth.login("buyer@example.org")
    names = re.findall(
        r'<h2 class="card-title">(?:<a [^>]*>)?([^<]+)', client.get(f"/events/{event_id}/suggestions").text
    )
    assert "HEMARINA" not in names


def test_request_accept_decline_cancel_and_limits(app, client, auth, event_setup):
    event_id, p = event_setup.event_id, event_setup.participants
    request_id = meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    with app.app_context():
        request = request_between(p["startup@example.org"], p["buyer@example.org"])
        assert request.status == "accepted" and request.score > 0 and request.score_parts

    # A second request for the same pair is refused, and so is asking oneself.
    assert ask(client, auth, event_id, "buyer@example.org", p["startup@example.org"]).status_code == 302
    assert ask(client, auth, event_id, "startup@example.org", p["startup@example.org"]).status_code == 302
    with app.app_context():
        assert db.session.query(MeetingRequest).count() == 1

    # The requester cannot accept their own request; the target declines it.
    ask(client, auth, event_id, "lab2@example.org", p["buyer2@example.org"])
    with app.app_context():
        pending = request_between(p["lab2@example.org"], p["buyer2@example.org"])
    answer(client, auth, app, event_id, "lab2@example.org", pending.public_id, "accepter")
    with app.app_context():
        assert db.session.get(MeetingRequest, pending.id).status == "requested"
    answer(client, auth, app, event_id, "buyer2@example.org", pending.public_id, "refuser")
    with app.app_context():
        assert db.session.get(MeetingRequest, pending.id).status == "declined"
    ask(client, auth, event_id, "lab2@example.org", p["buyer2@example.org"])  # declined pairs stay closed
    with app.app_context():
        assert db.session.query(MeetingRequest).count() == 2

    # Accepted meetings per participant are capped (max_meetings = 1 here).
    with app.app_context():
        event_row(event_id).max_meetings = 1
        db.session.commit()
    auth.login("startup@example.org")
    refused = client.post(f"/events/{event_id}/demandes", data={"target": p["lab2@example.org"]}, follow_redirects=True)
    assert "agenda est complet" in refused.text
    auth.logout()

    # Either side may cancel an accepted meeting.
    answer(client, auth, app, event_id, "buyer@example.org", request_id, "annuler")
    with app.app_context():
        assert request_between(p["startup@example.org"], p["buyer@example.org"]).status == "cancelled"


def test_pending_requests_per_participant_are_capped(app, client, auth, event_setup):
    event_id, p = event_setup.event_id, event_setup.participants
    with app.app_context():
        event_row(event_id).max_requests = 1
        db.session.commit()
    ask(client, auth, event_id, "startup@example.org", p["buyer@example.org"])
    auth.login("startup@example.org")
    page = client.post(f"/events/{event_id}/demandes", data={"target": p["lab2@example.org"]}, follow_redirects=True)
    assert "limite de 1 demandes" in page.text
    with app.app_context():
        assert db.session.query(MeetingRequest).count() == 1
