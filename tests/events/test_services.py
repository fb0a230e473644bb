"""Event use cases below the views: slots, editing a scheduled event, need registrations, the audit trail."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Event, EventRegistration, Meeting, Need, User
from matchmaker.services import events as service

DAY = date(2031, 6, 12)


def test_slot_ranges_are_cut_into_meetings():
    slots = service.parse_slot_ranges(
        ["2031-06-12 14:00-15:00", "", "12/06/2031 9h00–10h10"],
        meeting_minutes=30,
        break_minutes=5,
        starts_on=DAY,
        ends_on=DAY,
    )
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in slots] == [
        ("09:00", "09:30"),
        ("09:35", "10:05"),
        ("14:00", "14:30"),
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["lundi matin"], "Ligne 1"),
        (["2031-06-13 09:00-10:00"], "en dehors des dates"),
        (["2031-06-12 09:00-09:10"], "plus courte"),
        (["2031-06-12 09:00-11:00", "2031-06-12 10:00-12:00"], "chevauche"),
        (["2031-02-30 09:00-10:00"], "impossible"),
        ([], "au moins une plage"),
    ],
)
def test_bad_slot_ranges_are_explained(lines, message):
    with pytest.raises(InvalidQuery, match=message) as caught:
        service.parse_slot_ranges(lines, 30, 0, DAY, DAY)
    assert caught.value.field == "slot_ranges"


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_editing_a_scheduled_event_unschedules_what_no_longer_fits(app, event_setup):
    from .conftest import future_event_input

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.public_id == event_setup.event_id))
        staff = _user(event_setup.staff)
        p = {email: service.get_registration(db.session, event, rid) for email, rid in event_setup.participants.items()}
        engine = app.extensions["matchmaker"]
        for a, b in (
            ("startup@example.org", "buyer@example.org"),
            ("buyer2@example.org", "lab2@example.org"),
            ("startup@example.org", "lab2@example.org"),
        ):
            service.add_meeting(db.session, engine, staff, event, p[a].public_id, p[b].public_id)
        p["buyer@example.org"].unavailable_slot_ids = [event.slots[2].id]
        db.session.commit()
        report = service.run_scheduler(db.session, staff, event)
        assert report["placed"] == 3 and report["status"] == "optimal"
        third_slot = event.slots[2].id
        day = event.starts_on.isoformat()

        # Keep 09:00 and 09:30, drop 10:00; 1 table instead of 3.
        data = future_event_input(slot_ranges=[f"{day} 09:00-10:00"], tables=1)
        dropped = service.update_event(db.session, staff, event, data)
        meetings = list(db.session.scalars(select(Meeting)))
        assert dropped == 3 - len(meetings)
        assert all(m.slot_id != third_slot and m.table_number == 1 for m in meetings)
        assert p["buyer@example.org"].unavailable_slot_ids == []
        report = service.run_scheduler(db.session, staff, event)
        assert report["placed"] == 2 and len(report["unplaced"]) == 1


def test_a_buyer_can_register_a_need_and_confidential_titles_stay_hidden(app, event_setup):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.public_id == event_setup.event_id))
        buyer = _user(event_setup.outsider)
        need = Need(
            owner_id=buyer.id,
            title="Sous-traitant stérilisation",
            description="d" * 50,
            status="validated",
            confidentiality="staff_only",
        )
        db.session.add(need)
        db.session.commit()
        assert [n.public_id for n in service.registrable_needs(db.session, buyer)] == [need.public_id]
        registration = service.register(
            db.session,
            buyer,
            event,
            service.RegistrationInput(
                "Un hôpital acheteur de prestations.",
                "Stérilisation à l'oxyde d'éthylène.",
                need_public_id=need.public_id,
            ),
        )
        assert registration.organisation_id is None and registration.need_id == need.id
        assert registration.kind == "buyer"
        assert registration.display_name == "Outsider"  # the confidential need title is not shown
        need.confidentiality = "public"
        assert registration.display_name == "Outsider"  # a need is why they come, never who they are


def test_every_step_is_audited(app, event_setup):
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"event.created", "event.registered", "event.registration_validated"} <= actions


def test_suggestion_scores_are_snapshotted_and_symmetric_signals_reported(app, event_setup):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.public_id == event_setup.event_id))
        startup = service.get_registration(db.session, event, event_setup.participants["startup@example.org"])
        ranked = service.suggest_meetings(app.extensions["matchmaker"], db.session, startup)
        assert ranked and all(set(s.parts) == {"they_offer", "you_offer", "evidence"} for s in ranked)
        assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
        best = ranked[0]
        assert best.parts["they_offer"] > 0 and best.parts["you_offer"] > 0
        assert best.evidence is not None and best.evidence.passages  # quoted from the organisation's evidence
        score, parts = service.pair_score(app.extensions["matchmaker"], db.session, startup, best.registration)
        assert score == best.score and parts == best.parts
        assert db.session.scalar(select(EventRegistration.id).where(EventRegistration.id == startup.id))


def test_registration_times_are_venue_local(app, event_setup):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.public_id == event_setup.event_id))
        assert service.registration_open(event, now=datetime(2000, 1, 1))
        assert not service.registration_open(event, now=datetime(2100, 1, 1))


def test_refused_participants_lose_their_places_at_the_next_run(app, event_setup):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.public_id == event_setup.event_id))
        staff = _user(event_setup.staff)
        p = {email: service.get_registration(db.session, event, rid) for email, rid in event_setup.participants.items()}
        engine = app.extensions["matchmaker"]
        service.add_meeting(
            db.session, engine, staff, event, p["startup@example.org"].public_id, p["buyer@example.org"].public_id
        )
        service.add_meeting(
            db.session, engine, staff, event, p["buyer2@example.org"].public_id, p["lab2@example.org"].public_id
        )
        assert service.run_scheduler(db.session, staff, event)["placed"] == 2
        service.review_registration(db.session, staff, p["lab2@example.org"], approve=False, note="Hors périmètre")
        report = service.run_scheduler(db.session, staff, event)
        assert report["placed"] == 1 and report["accepted"] == 1
        assert db.session.query(Meeting).count() == 1
