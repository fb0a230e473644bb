"""Organisers through Flask's test client: events, staff meetings, scheduling, agendas, exports, feedback."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta

import icalendar
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, MeetingFeedback, MeetingRequest
from tests.support.events import event_row, meet, registration_row, request_between

from .conftest import future_event_input


def test_staff_add_cancel_schedule_and_agendas(app, client, auth, event_setup):
    event_id, p = event_setup.event_id, event_setup.participants
    meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    meet(client, auth, app, event_setup, "startup@example.org", "lab2@example.org")
    with app.app_context():
        event = event_row(event_id)
        startup = registration_row(p["startup@example.org"])
        startup.unavailable_slot_ids = [event.slots[0].id]
        db.session.commit()
        slot_ids = [s.id for s in event.slots]
        startup_id = startup.id

    auth.login(event_setup.staff)
    for first, second in (
        ("startup@example.org", "buyer2@example.org"),
        ("buyer2@example.org", "lab2@example.org"),
        ("buyer@example.org", "lab2@example.org"),
    ):
        response = client.post(f"/events/{event_id}/rendez-vous/ajouter", data={"first": p[first], "second": p[second]})
        assert response.status_code == 302
    with app.app_context():
        added = request_between(p["buyer@example.org"], p["lab2@example.org"])
        assert added.status == "accepted" and added.origin == "staff"
    assert client.post(f"/events/{event_id}/demandes/{added.public_id}/annuler").status_code == 302
    response = client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/grille")
    grid = client.get(f"/events/{event_id}/grille")
    assert "HEMARINA" in grid.text and "optimal" in grid.text

    with app.app_context():
        meetings = list(db.session.scalars(select(Meeting)))
        assert len(meetings) == 3  # 4 accepted, but the start-up has 3 for its 2 free slots: one is left out
        busy = Counter((side, m.slot_id) for m in meetings for side in (m.request.requester_id, m.request.target_id))
        assert max(busy.values()) == 1
        assert len({(m.slot_id, m.table_number) for m in meetings}) == len(meetings)
        assert all(
            m.slot_id != slot_ids[0] for m in meetings if startup_id in (m.request.requester_id, m.request.target_id)
        )
        left_out = [
            r for r in db.session.scalars(select(MeetingRequest)) if r.status == "accepted" and r.meeting is None
        ]
        assert len(left_out) == 1 and left_out[0].unplaced_reason == "fully_booked"
        report = event_row(event_id).schedule_report
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
        starts = {s.starts_at for s in event_row(event_id).slots}
    for entry in entries:
        start = entry.decoded("dtstart")
        assert str(start.tzinfo) == "Europe/Paris"
        assert start.replace(tzinfo=None) in starts
        assert "Rendez-vous" in str(entry.get("summary"))


def test_rescheduling_keeps_placed_meetings(app, client, auth, event_setup):
    event_id = event_setup.event_id
    meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    with app.app_context():
        before = {(m.public_id, m.slot_id, m.table_number) for m in db.session.scalars(select(Meeting))}
    auth.logout()
    meet(client, auth, app, event_setup, "buyer2@example.org", "lab2@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    with app.app_context():
        after = {(m.public_id, m.slot_id, m.table_number) for m in db.session.scalars(select(Meeting))}
    assert before < after and len(after) == 2


def test_feedback_once_the_meeting_is_over(app, client, auth, event_setup):
    event_id = event_setup.event_id
    meet(client, auth, app, event_setup, "startup@example.org", "buyer@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_id}/planifier", data={"keep_existing": "y"})
    auth.logout()
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        meeting_id, score = meeting.public_id, meeting.request.score

    auth.login("startup@example.org")
    early = client.post(
        f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "useful"}, follow_redirects=True
    )
    assert "une fois le rendez-vous passé" in early.text
    with app.app_context():
        for slot in event_row(event_id).slots:  # the event took place yesterday
            slot.starts_at -= timedelta(days=40)
            slot.ends_at -= timedelta(days=40)
        db.session.commit()
    page = client.get(f"/events/{event_id}/agenda")
    assert 'value="follow_up"' in page.text
    assert (
        client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "nonsense"}).status_code
        == 302
    )
    client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "useful"})
    client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "follow_up"})
    assert "Suite prévue" in client.get(f"/events/{event_id}/agenda").text
    auth.logout()

    auth.login(event_setup.outsider)  # not in the meeting: it does not exist for them
    assert (
        client.post(f"/events/{event_id}/rendez-vous/{meeting_id}/avis", data={"verdict": "useful"}).status_code == 404
    )
    with app.app_context():
        labels = list(db.session.scalars(select(MeetingFeedback).order_by(MeetingFeedback.id)))
        assert [label.verdict for label in labels] == ["useful", "follow_up"]  # kept like curation labels
        assert all(label.author.email == "startup@example.org" and label.score == score for label in labels)
        assert labels[0].about_registration_id == registration_row(event_setup.participants["buyer@example.org"]).id


def test_csv_export_neutralises_formulas(app, client, auth, event_setup):
    p = event_setup.participants
    with app.app_context():
        registration_row(p["buyer2@example.org"]).organisation.name = '=HYPERLINK("http://evil.example","x")'
        registration_row(p["lab2@example.org"]).organisation.name = "@SUM(A1:A9)"
        db.session.commit()
    meet(client, auth, app, event_setup, "buyer2@example.org", "lab2@example.org")
    auth.login(event_setup.staff)
    client.post(f"/events/{event_setup.event_id}/planifier", data={"keep_existing": "y"})
    rows = list(csv.reader(io.StringIO(client.get(f"/events/{event_setup.event_id}/rendez-vous.csv").text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'@SUM(A1:A9)" in cells
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
        assert [s.starts_at.strftime("%H:%M") for s in event.slots] == [
            "09:00",
            "09:25",
            "09:50",
            "10:15",
            "14:00",
            "14:25",
        ]
        assert not event.published and event.tables == 12
        public_id = event.public_id
    bad = client.post("/events/nouveau", data={**form, "slot_ranges": "demain matin"})
    assert bad.status_code == 400 and "Ligne 1" in bad.text
    edited = client.post(f"/events/{public_id}/modifier", data={**form, "published": "y", "tables": "4"})
    assert edited.status_code == 302
    with app.app_context():
        assert event_row(public_id).published and event_row(public_id).tables == 4
