"""End to end in headless Chromium: a start-up registers for a B2B meeting day and ends up with its agenda.

The app runs on a werkzeug server thread over a temporary SQLite file, with CSRF on as in production.
Staff validate the registration and schedule, the other participant accepts, all through the browser.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from werkzeug.serving import make_server

from matchmaker import create_app
from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.models import Meeting, Organisation, User
from matchmaker.services import events as service

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
    "--lang=fr-FR",
)
ACCOUNTS = {  # e-mail -> (role, organisation key)
    "staff@example.org": ("staff", None),
    "hemarina@example.org": ("startup", "ilab:ilab-00317"),
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

    app = create_app(Config)
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
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Iterator[WebDriver]:
    """A headless Chromium (Debian package) with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    missing = [p for p in ("/usr/bin/chromium", "/usr/bin/chromedriver") if not os.path.exists(p)]
    assert not missing, f"install Debian's chromium and chromium-driver (missing {missing})"
    os.environ["SE_OFFLINE"] = "true"
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    chrome = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    chrome.set_page_load_timeout(30)
    yield chrome
    chrome.quit()


class Browser:
    """A small vocabulary over Selenium for this journey."""

    def __init__(self, driver: WebDriver, base: str) -> None:
        self.driver = driver
        self.base = base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def login(self, email: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/auth/login")
        self.driver.find_element(By.NAME, "email").send_keys(email)
        self.driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        self.click(self.driver.find_element(By.CSS_SELECTOR, "form [type=submit]"))
        assert "Vous êtes connecté" in self.text()

    def click(self, element: WebElement) -> None:
        """Click a button or link and wait until the next page has fully loaded."""
        self.driver.execute_script("window.__oldPage = true; arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return window.__oldPage === undefined && document.readyState === 'complete'")
        )
        assert "Erreur interne" not in self.text() and "Bad Request" not in self.text(), self.text()[:500]

    def button(self, text: str, scope: WebElement | None = None) -> WebElement:
        """Return the first visible button or link whose text contains ``text``."""
        root = scope or self.driver
        xpath = (
            f'.//button[contains(., "{text}")] | .//a[contains(., "{text}")]'
            f' | .//input[@type="submit" and contains(@value, "{text}")]'
        )
        for element in root.find_elements(By.XPATH, xpath):
            if element.is_displayed():
                return element
        raise AssertionError(f"no button or link {text!r} on {self.driver.current_url}")

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text


def test_a_participant_goes_from_registration_to_its_agenda(driver, live_server, live_app):
    ui = Browser(driver, live_server)

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
