"""Meeting days, as hurried users found them: a buyer without a need registers, buyers appear under their
organisation, "tables=0" says what is wrong, and the schedule report speaks correct French.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organisation, User
from matchmaker.services import events as service
from matchmaker.services.accounts import create_user
from matchmaker.services.needs import NeedInput, create_need, submit_need

from .conftest import PASSWORD, future_event_input

OFFER = "Achats hospitaliers de dispositifs médicaux et terrain d'essais cliniques."
SEEK = "Start-up et fabricants de dispositifs de préservation des greffons."


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_a_buyer_without_a_need_or_an_organisation_registers_as_themselves(app, client, auth, event_setup):
    with app.app_context():
        create_user(db.session, email="acheteuse@example.org", password=PASSWORD, role="buyer",
                    name="Claire Martin")
    auth.login("acheteuse@example.org")
    page = client.get(f"/events/{event_setup.event_id}/inscription")
    assert page.status_code == 200 and "Claire Martin" in page.text and 'id="registration-form"' in page.text
    response = client.post(f"/events/{event_setup.event_id}/inscription",
                           data={"need": "", "offer_text": OFFER, "seek_text": SEEK})
    assert response.status_code == 302, response.text[:2000]
    with app.app_context():
        buyer = _user("acheteuse@example.org")
        registration = service.registration_of(db.session, service.get_event(db.session, buyer, event_setup.event_id),
                                               buyer)
        assert registration is not None and registration.kind == "buyer"
        assert registration.display_name == "Claire Martin"


def test_a_buyer_registered_for_a_need_appears_under_their_organisation(app, client, auth, users):
    with app.app_context():
        buyer = _user(users["buyer"])
        buyer.organisation_id = db.session.scalar(
            select(Organisation.id).where(Organisation.key == "decp-buyer:26130008100484"))
        db.session.commit()
        organisation_name = buyer.organisation.name
        need = create_need(db.session, buyer, NeedInput(title="Titre confidentiel du besoin", description=OFFER * 3,
                                                        confidentiality="public"))
        submit_need(db.session, buyer, need, acknowledge_warnings=True)
        staff = _user(users["staff"])
        event = service.create_event(db.session, staff, future_event_input(requires_validation=False))
        registration = service.register(db.session, buyer, event, service.RegistrationInput(
            offer_text=OFFER, seek_text=SEEK, need_public_id=need.public_id))
        assert registration.display_name == organisation_name
        event_id, registration_id = event.public_id, registration.public_id
    auth.login(users["staff"])
    registrations = client.get(f"/events/{event_id}/inscriptions").text
    assert organisation_name in registrations and "Titre confidentiel du besoin" not in registrations.split(
        "<main")[1].split("</td>")[0]
    agenda = client.get(f"/events/{event_id}/agenda.ics?participant={registration_id}")
    assert organisation_name.encode() in agenda.data.replace(b"\r\n ", b"")


def test_zero_tables_is_explained_not_called_missing(app, client, auth, users):
    auth.login(users["staff"])
    day = date.today() + timedelta(days=30)
    form = {
        "name": "Journée B2B", "place": "Lyon", "starts_on": day.isoformat(), "ends_on": day.isoformat(),
        "meeting_minutes": "30", "break_minutes": "0", "slot_ranges": f"{day.isoformat()} 09:00-10:00",
        "tables": "0", "registration_deadline": f"{(day - timedelta(days=1)).isoformat()}T18:00",
        "allowed_kinds": ["startup", "buyer"], "max_requests": "5", "max_meetings": "5",
    }
    response = client.post("/events/nouveau", data=form)
    assert response.status_code == 400
    assert "Ce champ est requis" not in response.text
    assert "au moins 1" in response.text


def test_the_schedule_report_agrees_in_gender_and_number(app, client, auth, event_setup):
    auth.login(event_setup.staff)
    client.post(f"/events/{event_setup.event_id}/planifier", data={"keep_existing": "y"})
    grid = client.get(f"/events/{event_setup.event_id}/grille").text
    assert "optimal (prouvé)" not in grid and "Solution optimal " not in grid
    assert "solution optimale (prouvée)" in grid.lower() or "solution réalisable" in grid.lower()
    assert "0 rendez-vous placés sur 0 acceptés" not in grid or "0 rendez-vous placé sur 0 accepté" in grid
