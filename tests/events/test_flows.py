"""The participant and organiser flows through Flask's test client."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import timedelta

import icalendar
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    Event,
    EventRegistration,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    Organisation,
    User,
)
from .conftest import future_event_input


def _event(public_id: str) -> Event:
    return db.session.scalar(select(Event).where(Event.public_id == public_id))


def _registration(public_id: str) -> EventRegistration:
    return db.session.scalar(select(EventRegistration).where(EventRegistration.public_id == public_id))


def _request_between(a: str, b: str) -> MeetingRequest | None:
    ra, rb = _registration(a), _registration(b)
    return db.session.scalar(
        select(MeetingRequest).where(
            ((MeetingRequest.requester_id == ra.id) & (MeetingRequest.target_id == rb.id))
            | ((MeetingRequest.requester_id == rb.id) & (MeetingRequest.target_id == ra.id))
        )
    )


def _ask(client, auth, event_id: str, requester: str, target_registration: str, message: str = ""):
    auth.login(requester)
    response = client.post(f"/events/{event_id}/demandes", data={"target": target_registration, "message": message})
    auth.logout()
    return response


def _answer(client, auth, app, event_id: str, who: str, request_public_id: str, action: str):
    auth.login(who)
    response = client.post(f"/events/{event_id}/demandes/{request_public_id}/{action}")
    auth.logout()
    return response


def _meet(client, auth, app, setup, a: str, b: str) -> str:
    """Have ``a`` request a meeting with ``b`` and ``b`` accept; return the request public id."""
    assert _ask(client, auth, setup.event_id, a, setup.participants[b]).status_code == 302
    with app.app_context():
        public_id = _request_between(setup.participants[a], setup.participants[b]).public_id
    _answer(client, auth, app, setup.event_id, b, public_id, "accepter")
    return public_id


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
        first_slot = _event(event_id).slots[0].id
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
        registration = db.session.scalar(
            select(EventRegistration).where(EventRegistration.user_id == outsider_id)
        )
        assert registration.status == "pending"
        assert registration.unavailable_slot_ids == [first_slot]
        registration_id = registration.public_id
    auth.logout()

    auth.login(event_setup.staff)
    page = client.get(f"/events/{event_id}/inscriptions")
    assert registration_id in page.text
    assert client.post(f"/events/{event_id}/inscriptions/{registration_id}/examiner", data={"approve": "1"}).status_code == 302
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
    assert client.post(
        f"/events/{event_id}/inscription", data={"need": "", "offer_text": "x" * 20, "seek_text": "y" * 20}
    ).status_code == 403
    auth.logout()

    with app.app_context():
        event = _event(event_id)
        event.allowed_kinds = ["lab"]
        db.session.commit()
        user = db.session.scalar(select(User).where(User.email == event_setup.outsider))
        user.organisation_id = db.session.scalar(
            select(Organisation.id).where(Organisation.kind == "startup", Organisation.key != "ilab:ilab-00317").limit(1)
        )
        db.session.commit()
    auth.login(event_setup.outsider)
    assert client.post(
        f"/events/{event_id}/inscription", data={"need": "", "offer_text": "x" * 20, "seek_text": "y" * 20}
    ).status_code == 403
    with app.app_context():
        event = _event(event_id)
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

    _ask(client, auth, event_id, "startup@example.org", event_setup.participants["buyer@example.org"])
    auth.login("startup@example.org")
    names = re.findall(r'<h2 class="card-title">(?:<a [^>]*>)?([^<]+)', client.get(f"/events/{event_id}/suggestions").text)
    assert "ASSISTANCE PUBLIQUE DES HOPITAUX DE MARSEILLE" not in names
    auth.logout()
    auth.login("buyer@example.org")
    names = re.findall(r'<h2 class="card-title">(?:<a [^>]*>)?([^<]+)', client.get(f"/events/{event_id}/suggestions").text)
    assert "HEMARINA" not in names


def test_request_accept_decline_cancel_and_limits(app, client, auth, event_setup):
    event_id, p = event_setup.event_id, event_setup.participants
    request_id = _meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    with app.app_context():
        request = _request_between(p["startup@example.org"], p["buyer@example.org"])
        assert request.status == "accepted" and request.score > 0 and request.score_parts

    # A second request for the same pair is refused, and so is asking oneself.
    assert _ask(client, auth, event_id, "buyer@example.org", p["startup@example.org"]).status_code == 302
    assert _ask(client, auth, event_id, "startup@example.org", p["startup@example.org"]).status_code == 302
    with app.app_context():
        assert db.session.query(MeetingRequest).count() == 1

    # The requester cannot accept their own request; the target declines it.
    _ask(client, auth, event_id, "lab2@example.org", p["buyer2@example.org"])
    with app.app_context():
        pending = _request_between(p["lab2@example.org"], p["buyer2@example.org"])
    _answer(client, auth, app, event_id, "lab2@example.org", pending.public_id, "accepter")
    with app.app_context():
        assert db.session.get(MeetingRequest, pending.id).status == "requested"
    _answer(client, auth, app, event_id, "buyer2@example.org", pending.public_id, "refuser")
    with app.app_context():
        assert db.session.get(MeetingRequest, pending.id).status == "declined"
    _ask(client, auth, event_id, "lab2@example.org", p["buyer2@example.org"])  # declined pairs stay closed
    with app.app_context():
        assert db.session.query(MeetingRequest).count() == 2

    # Accepted meetings per participant are capped (max_meetings = 1 here).
    with app.app_context():
        _event(event_id).max_meetings = 1
        db.session.commit()
    auth.login("startup@example.org")
    refused = client.post(f"/events/{event_id}/demandes", data={"target": p["lab2@example.org"]}, follow_redirects=True)
    assert "agenda est complet" in refused.text
    auth.logout()

    # Either side may cancel an accepted meeting.
    _answer(client, auth, app, event_id, "buyer@example.org", request_id, "annuler")
    with app.app_context():
        assert _request_between(p["startup@example.org"], p["buyer@example.org"]).status == "cancelled"


def test_pending_requests_per_participant_are_capped(app, client, auth, event_setup):
    event_id, p = event_setup.event_id, event_setup.participants
    with app.app_context():
        _event(event_id).max_requests = 1
        db.session.commit()
    _ask(client, auth, event_id, "startup@example.org", p["buyer@example.org"])
    auth.login("startup@example.org")
    page = client.post(f"/events/{event_id}/demandes", data={"target": p["lab2@example.org"]}, follow_redirects=True)
    assert "limite de 1 demandes" in page.text
    with app.app_context():
        assert db.session.query(MeetingRequest).count() == 1


def test_staff_add_cancel_schedule_and_agendas(app, client, auth, event_setup):
    event_id, p = event_setup.event_id, event_setup.participants
    _meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    _meet(client, auth, app, event_setup, "startup@example.org", "lab2@example.org")
    with app.app_context():
        event = _event(event_id)
        startup = _registration(p["startup@example.org"])
        startup.unavailable_slot_ids = [event.slots[0].id]
        db.session.commit()
        slot_ids = [s.id for s in event.slots]
        startup_id = startup.id

    auth.login(event_setup.staff)
    for first, second in (("startup@example.org", "buyer2@example.org"), ("buyer2@example.org", "lab2@example.org"),
                          ("buyer@example.org", "lab2@example.org")):
        response = client.post(f"/events/{event_id}/rendez-vous/ajouter", data={"first": p[first], "second": p[second]})
        assert response.status_code == 302
    with app.app_context():
        added = _request_between(p["buyer@example.org"], p["lab2@example.org"])
        assert added.status == "accepted" and added.origin == "staff"
    assert client.post(f"/events/{event_id}/demandes/{added.public_id}/annuler").status_code == 302
    response = client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/grille")
    grid = client.get(f"/events/{event_id}/grille")
    assert "HEMARINA" in grid.text and "optimal" in grid.text

    with app.app_context():
        meetings = list(db.session.scalars(select(Meeting)))
        assert len(meetings) == 3  # 4 accepted, but the start-up has 3 for its 2 free slots: one is left out
        busy = Counter(
            (side, m.slot_id) for m in meetings for side in (m.request.requester_id, m.request.target_id)
        )
        assert max(busy.values()) == 1
        assert len({(m.slot_id, m.table_number) for m in meetings}) == len(meetings)
        assert all(m.slot_id != slot_ids[0] for m in meetings if startup_id in (m.request.requester_id, m.request.target_id))
        left_out = [r for r in db.session.scalars(select(MeetingRequest)) if r.status == "accepted" and r.meeting is None]
        assert len(left_out) == 1 and left_out[0].unplaced_reason == "fully_booked"
        report = _event(event_id).schedule_report
        assert report["placed"] == 3 and report["unplaced"][0]["participant"] == p["startup@example.org"]

    exported = client.get(f"/events/{event_id}/rendez-vous.csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(rows) == 4
    assert Counter(r["statut"] for r in rows) == {"planifié": 3, "non placé": 1}
    other_agenda = client.get(f"/events/{event_id}/agenda", query_string={"participant": p["buyer2@example.org"]})
    assert other_agenda.status_code == 200  # organisers may open anyone's agenda
    auth.logout()

    auth.login("startup@example.org")
    page = client.get(f"/events/{event_id}/agenda")
    assert page.status_code == 200
    assert page.text.count("<tr>") == 1 + 2  # header + two meetings
    assert "agenda complet" in page.text  # the accepted meeting left out, with its reason

    pdf = client.get(f"/events/{event_id}/agenda.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and pdf.data.rstrip().endswith(b"%%EOF")
    assert b"/Type /Page" in pdf.data

    ics = client.get(f"/events/{event_id}/agenda.ics")
    assert ics.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(ics.data)
    entries = list(calendar.walk("VEVENT"))
    assert len(entries) == 2
    with app.app_context():
        starts = {s.starts_at for s in _event(event_id).slots}
    for entry in entries:
        start = entry.decoded("dtstart")
        assert str(start.tzinfo) == "Europe/Paris"
        assert start.replace(tzinfo=None) in starts
        assert "Rendez-vous" in str(entry.get("summary"))


def test_rescheduling_keeps_placed_meetings(app, client, auth, event_setup):
    event_id = event_setup.event_id
    _meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    with app.app_context():
        before = {(m.public_id, m.slot_id, m.table_number) for m in db.session.scalars(select(Meeting))}
    auth.logout()
    _meet(client, auth, app, event_setup, "buyer2@example.org", "lab2@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    with app.app_context():
        after = {(m.public_id, m.slot_id, m.table_number) for m in db.session.scalars(select(Meeting))}
    assert before < after and len(after) == 2


def test_feedback_once_the_meeting_is_over(app, client, auth, event_setup):
    event_id = event_setup.event_id
    _meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    auth.logout()
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        meeting_id, score = meeting.public_id, meeting.request.score

    auth.login("startup@example.org")
    early = client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "useful"}, follow_redirects=True)
    assert "une fois le rendez-vous passé" in early.text
    with app.app_context():
        for slot in _event(event_id).slots:  # the event took place yesterday
            slot.starts_at -= timedelta(days=40)
            slot.ends_at -= timedelta(days=40)
        db.session.commit()
    page = client.get(f"/events/{event_id}/agenda")
    assert 'value="follow_up"' in page.text
    assert client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "nonsense"}).status_code == 302
    client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "useful"})
    client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "follow_up"})
    assert "Suite prévue" in client.get(f"/events/{event_id}/agenda").text
    auth.logout()

    auth.login(event_setup.outsider)  # not in the meeting: it does not exist for them
    assert client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "useful"}).status_code == 404
    with app.app_context():
        labels = list(db.session.scalars(select(MeetingFeedback).order_by(MeetingFeedback.id)))
        assert [label.verdict for label in labels] == ["useful", "follow_up"]  # kept like curation labels
        assert all(label.author.email == "startup@example.org" and label.score == score for label in labels)
        assert labels[0].about_registration_id == _registration(event_setup.participants["buyer@example.org"]).id


def test_csv_export_neutralises_formulas(app, client, auth, event_setup):
    p = event_setup.participants
    with app.app_context():
        _registration(p["buyer2@example.org"]).organisation.name = '=HYPERLINK("http://evil.example","x")'
        _registration(p["lab2@example.org"]).organisation.name = "@SUM(A1:A9)"
        db.session.commit()
    _meet(client, auth, app, event_setup, "buyer2@example.org", "lab2@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_setup.event_id}/planifier", data={"keep_existing": "y"})
    rows = list(csv.reader(io.StringIO(client.get(f"/events/{event_setup.event_id}/rendez-vous.csv").text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'@SUM(A1:A9)" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_staff_create_and_edit_event_through_the_form(app, client, auth, users):
    auth.login(users["staff"])
    data = future_event_input()
    form = {
        "name": "Journée B2B Dispositifs médicaux",
        "place": "Grenoble",
        "starts_on": data.starts_on.isoformat(),
        "ends_on": data.ends_on.isoformat(),
        "meeting_minutes": "20",
        "break_minutes": "5",
        "slot_ranges": f"{data.starts_on.isoformat()} 09:00-10:40\n{data.starts_on:%d/%m/%Y} 14h00-15h00",
        "tables": "12",
        "registration_deadline": data.registration_deadline.strftime("%Y-%m-%dT%H:%M"),
        "allowed_kinds": ["startup", "lab", "buyer"],
        "requires_validation": "y",
        "max_requests": "8",
        "max_meetings": "10",
    }
    response = client.post("/events/nouveau", data=form)
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.name == "Journée B2B Dispositifs médicaux"))
        assert [s.starts_at.strftime("%H:%M") for s in event.slots] == ["09:00", "09:25", "09:50", "10:15", "14:00",
                                                                        "14:25"]
        assert not event.published and event.tables == 12
        public_id = event.public_id
    bad = client.post("/events/nouveau", data={**form, "slot_ranges": "demain matin"})
    assert bad.status_code == 400 and "Ligne 1" in bad.text
    edited = client.post(f"/events/{public_id}/modifier", data={**form, "published": "y", "tables": "4"})
    assert edited.status_code == 302
    with app.app_context():
        assert _event(public_id).published and _event(public_id).tables == 4
