"""End to end in headless Chromium: a start-up registers for a B2B meeting day and ends up with its agenda.

The app runs on a werkzeug server thread over a temporary SQLite file, with CSRF on as in production.
Staff validate the registration and schedule, the other participant accepts, all through the browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import select

from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.models import Meeting, Organisation, User
from matchmaker.services import events as service
from tests.support.apps import create_test_app
from tests.support.chromium import Page, serve, start_chromium

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
ACCOUNTS = {  # e-mail -> (role, organisation key)
    "staff@example.org": ("staff", None),
    "hemarina@example.org": ("member", "ilab:ilab-00317"),
    "aphm@example.org": ("buyer", "decp-buyer:26130008100484"),
}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, catalogue_records):
    """The app on a SQLite file with a published event where AP-HM is already a validated participant."""
    root = tmp_path_factory.mktemp("events-browser")

    class Config(TestConfig):
        INSTANCE_DIR = root / "instance"
        MODELS_DIR = root / "models"
        BUNDLED_DATA = PROJECT_ROOT / "data" / "competences"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{root / 'matchmaker.sqlite3'}"
        WTF_CSRF_ENABLED = True

    app = create_test_app(Config)
    hashed = PasswordHasher().hash(PASSWORD)
    with app.app_context():
        from matchmaker.services.catalogue import store_records

        store_records(db.session, catalogue_records)
        for email, (role, key) in ACCOUNTS.items():
            organisation_id = db.session.scalar(select(Organisation.id).where(Organisation.key == key)) if key else None
            db.session.add(
                User(
                    email=email,
                    name=email.split("@")[0],
                    role=role,
                    password_hash=hashed,
                    organisation_id=organisation_id,
                )
            )
        db.session.commit()
        app.extensions["matchmaker"].build(db.session)
        staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        day = date.today() + timedelta(days=20)
        event = service.create_event(
            db.session,
            staff,
            service.EventInput(
                name="Convention Thérapies innovantes — rendez-vous B2B",
                starts_on=day,
                ends_on=day,
                slot_ranges=[f"{day.isoformat()} 09:00-10:30"],
                place="Lyon",
                registration_deadline=datetime.combine(day, datetime.min.time()) - timedelta(days=1),
                tables=2,
                published=True,
                requires_validation=True,
            ),
        )
        buyer = db.session.scalar(select(User).where(User.email == "aphm@example.org"))
        registration = service.register(
            db.session,
            buyer,
            event,
            service.RegistrationInput(
                offer_text="Terrain d'essais cliniques hospitaliers et achats de dispositifs médicaux innovants.",
                seek_text="Solutions de préservation des greffons et de cicatrisation des plaies.",
            ),
        )
        service.review_registration(db.session, staff, registration, approve=True)
        app.config["BROWSER_EVENT_ID"] = event.public_id
    return app


@pytest.fixture(scope="module")
def live_server(live_app) -> Iterator[str]:
    """Serve the app on 127.0.0.1 (a free port) from a background thread; yield its base URL."""
    with serve(live_app) as base:
        yield base


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Iterator[WebDriver]:
    """A headless Chromium (Debian package) with a fresh profile."""
    chrome = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chrome
    chrome.quit()


def test_a_participant_goes_from_registration_to_its_agenda(driver, live_server, live_app):
    ui = Page(driver, live_server, PASSWORD)

    # The start-up finds the event and registers with what it offers and seeks, away for the first slot.
    ui.login("hemarina@example.org")
    ui.click(ui.button("Rencontres d'affaires"))
    ui.click(ui.button("Convention Thérapies innovantes"))
    ui.click(ui.button("S'inscrire"))
    driver.find_element(By.ID, "offer_text").send_keys(
        "Transporteur d'oxygène d'origine marine pour la préservation des greffons et les plaies."
    )
    driver.find_element(By.ID, "seek_text").send_keys(
        "Essais cliniques à l'hôpital, partenaires hospitaliers et plateformes d'analyse."
    )
    driver.find_elements(By.CSS_SELECTOR, "input[name=unavailable]")[0].click()
    ui.click(ui.button("Enregistrer mon inscription"))
    assert "l'équipe du réseau va la valider" in ui.text()
    assert "en attente de validation" in ui.text().lower()

    # Staff validate the registration.
    ui.login("staff@example.org")
    event_path = f"/events/{live_app.config['BROWSER_EVENT_ID']}"
    ui.open(event_path + "/inscriptions")
    row = driver.find_element(By.XPATH, "//tr[contains(., 'HEMARINA')]")
    ui.click(ui.button("Valider", row))
    assert "Inscription validée" in ui.text()

    # The start-up sees AP-HM first among its suggestions, with the matching words quoted, and asks.
    ui.login("hemarina@example.org")
    ui.open(event_path)
    ui.click(ui.button("Voir qui rencontrer"))
    first = driver.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")[0]
    assert "ASSISTANCE PUBLIQUE DES HOPITAUX DE MARSEILLE" in first.text
    assert first.find_elements(By.TAG_NAME, "mark")
    first.find_element(By.TAG_NAME, "textarea").send_keys("Bonjour, parlons de vos essais cliniques.")
    ui.click(ui.button("Demander un rendez-vous", first))
    assert "Demande envoyée" in ui.text()

    # AP-HM accepts.
    ui.login("aphm@example.org")
    ui.open(event_path + "/demandes")
    assert "parlons de vos essais cliniques" in ui.text()
    ui.click(ui.button("Accepter"))
    assert "Demande acceptée" in ui.text()

    # Staff run the scheduler and see the grid.
    ui.login("staff@example.org")
    ui.open(event_path + "/rendez-vous")
    ui.click(ui.button("Planifier les rendez-vous acceptés"))
    assert "1 rendez-vous placés, 0 non placés" in ui.text()
    assert "HEMARINA / ASSISTANCE PUBLIQUE" in ui.text()

    # The start-up opens its agenda: one meeting, not in the slot it declared unavailable.
    ui.login("hemarina@example.org")
    ui.open(event_path)
    ui.click(ui.button("Mon agenda"))
    rows = driver.find_elements(By.CSS_SELECTOR, ".agenda-table tbody tr")
    assert len(rows) == 1
    assert "ASSISTANCE PUBLIQUE DES HOPITAUX DE MARSEILLE" in rows[0].text
    assert "09:00" not in rows[0].text.split("\n")[0]
    assert ui.button("Télécharger (PDF)").get_attribute("href").endswith("/agenda.pdf")
    assert ui.button("Ajouter à mon calendrier").get_attribute("href").endswith("/agenda.ics")
    with live_app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert meeting.slot.starts_at.strftime("%H:%M") != "09:00"
