"""End to end in headless Chromium: one journey per kind of user, CSRF on, real server thread."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Introduction, Organisation, User
from matchmaker.services.introductions import request_introduction
from matchmaker.services.profiles import claim_profile

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEED_TITLE = "Caractérisation mécanique de biomatériaux implantables"
NEED_TEXT = (
    "Nous cherchons un laboratoire capable de caractériser des biomatériaux et des dispositifs médicaux "
    "implantables, pour valider un nouveau procédé de fabrication de prothèses avant le marquage CE. "
    "Essais mécaniques et biocompatibilité, délai de six mois."
)


class Session:
    """A small vocabulary over Selenium for these journeys."""

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
        self.submit(self.driver.find_element(By.CSS_SELECTOR, "form [type=submit]"))
        assert "Vous êtes connecté" in self.text()

    def submit(self, element: WebElement) -> None:
        """Click a button or link and wait until the next page has fully loaded."""
        # A marker on the old window: it disappears only once the new document is committed.
        self.driver.execute_script("window.__oldPage = true; arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        WebDriverWait(self.driver, 20).until(
            lambda driver: driver.execute_script(
                "return window.__oldPage === undefined && document.readyState === 'complete'"
            )
        )

    def button(self, text: str, scope: WebElement | None = None) -> WebElement:
        """Return the first visible button or link whose text contains ``text``."""
        root = scope or self.driver
        xpath = (f".//button[contains(., \"{text}\")] | .//a[contains(., \"{text}\")]"
                 f" | .//input[@type='submit' and contains(@value, \"{text}\")]")
        for element in root.find_elements(By.XPATH, xpath):
            if element.is_displayed():
                return element
        raise AssertionError(f"no button or link {text!r} on {self.driver.current_url}")

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def status(self) -> None:
        """Fail on an error page."""
        assert "Erreur interne" not in self.text() and "Bad Request" not in self.text()


@pytest.fixture()
def ui(browser, live_server) -> Session:
    return Session(browser, live_server)


def test_buyer_posts_a_need_staff_curates_buyer_sees_the_selection(ui, live_app):
    ui.login("buyer@example.org")
    ui.submit(ui.button("Mes besoins"))
    ui.submit(ui.button("Déposer un besoin"))
    ui.driver.find_element(By.ID, "title").send_keys(NEED_TITLE)
    ui.driver.find_element(By.ID, "description").send_keys(NEED_TEXT)
    ui.driver.find_element(By.CSS_SELECTOR, "input[name=sought_kinds][value=lab]").click()
    ui.submit(ui.button("Enregistrer le brouillon"))
    ui.status()
    assert "Prêt à être soumis" in ui.text()
    ui.submit(ui.button("Soumettre à l'équipe"))
    assert "En attente de validation" in ui.text()
    need_url = ui.driver.current_url

    ui.login("staff@example.org")
    ui.submit(ui.button("File de revue"))
    ui.submit(ui.button(NEED_TITLE))
    assert "Contrôle qualité" in ui.text()
    ui.submit(ui.button("Valider et préparer la sélection"))
    assert "suggestions à examiner" in ui.text()
    cards = ui.driver.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")
    assert len(cards) >= 3
    ui.submit(ui.button("Retenir", cards[0]))
    second = ui.driver.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")[1]
    second.find_element(By.CSS_SELECTOR, "select[name=reason_category] option[value=off_topic]").click()
    ui.submit(ui.button("Écarter", second))
    ui.status()
    third = ui.driver.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")[2]
    ui.submit(ui.button("Monter", third))
    ui.submit(ui.button("Publier la sélection"))
    assert "Sélection publiée" in ui.text()

    ui.login("buyer@example.org")
    ui.driver.get(need_url)
    page = ui.text()
    assert "Sélection de l'équipe" in page
    assert "Organisations classées pour ce besoin" in page
    with live_app.app_context():
        staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        kept = [d for d in staff_decisions(staff) if d.decision == "accept"]
        assert kept
    selection = ui.driver.find_elements(By.CSS_SELECTOR, ".selection-list > li")
    assert len(selection) == 1

    # Save the first ranked organisation to a new list, then export it.
    first = ui.driver.find_elements(By.CSS_SELECTOR, ".results-list:not(.selection-list) > li")[0]
    ui.submit(ui.button("Enregistrer", first))
    assert "ajoutée à la liste" in ui.text()
    ui.submit(ui.button("Mes listes"))
    ui.submit(ui.driver.find_element(By.CSS_SELECTOR, ".results-list .card-title a"))
    assert "Exporter en CSV" in ui.text()


def staff_decisions(staff: User):
    from matchmaker.models import CurationDecision

    return db.session.scalars(select(CurationDecision).where(CurationDecision.staff_id == staff.id)).all()


def test_startup_claims_its_profile_then_searches(ui, live_app):
    with live_app.app_context():
        org = db.session.scalar(
            select(Organisation).where(Organisation.kind == "startup", Organisation.claimed.is_(False))
            .order_by(Organisation.id.desc())
        )
        name, key = org.name, org.key
    ui.login("startup@example.org")
    ui.submit(ui.button("Mon espace start-up"))
    box = ui.driver.find_element(By.ID, "claim-q")
    box.send_keys(name[:8])
    ui.submit(ui.button("Chercher ma fiche"))
    assert "non revendiqué" in ui.text().lower()
    link = ui.driver.find_element(By.CSS_SELECTOR, f"a[href$='/start-up/revendiquer/{key}']")
    ui.submit(link)
    ui.driver.find_element(By.NAME, "message").send_keys("Je suis le fondateur de la société.")
    ui.submit(ui.button("Revendiquer cette fiche"))
    assert "Demande envoyée" in ui.text()

    ui.login("staff@example.org")
    ui.open("/equipe/?tab=profiles")
    ui.submit(ui.button(name[:20]))
    ui.submit(ui.button("Valider"))
    assert "validée" in ui.text()

    ui.login("startup@example.org")
    ui.submit(ui.button("Mon espace start-up"))
    assert "fiche revendiquée" in ui.text().lower()
    ui.submit(ui.button("Laboratoires et plateformes pour mon projet"))
    ui.status()
    assert ui.driver.find_elements(By.CSS_SELECTOR, ".results-list > li")

    ui.submit(ui.button("Recherche"))
    search = ui.driver.find_element(By.ID, "q")
    search.send_keys("imagerie médicale")
    ui.submit(ui.driver.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]"))
    assert ui.driver.find_elements(By.CSS_SELECTOR, ".results-list > li")

    ui.open("/start-up/recherches?q=imagerie+m%C3%A9dicale")
    ui.driver.find_element(By.NAME, "name").send_keys("Imagerie")
    ui.submit(ui.button("Enregistrer la recherche"))
    assert "Recherche enregistrée" in ui.text()


def test_staff_works_through_the_review_queue(ui, live_app):
    with live_app.app_context():
        requester = db.session.scalar(select(User).where(User.email == "requester@example.org"))
        lab = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        lab.contact_email = "labo@example.org"
        db.session.commit()
        intro = request_introduction(db.session, requester, lab, "Bonjour, nous souhaitons vous rencontrer.")
        intro_id = intro.public_id
        candidate = db.session.scalar(
            select(Organisation).where(Organisation.kind == "platform").order_by(Organisation.id)
        )
        claim_profile(db.session, requester, candidate, "Responsable de la plateforme.")
        lab_name = lab.name

    ui.login("staff@example.org")
    ui.submit(ui.button("File de revue"))
    ui.submit(ui.button("Mises en relation en cours"))
    ui.submit(ui.button("requester@example.org"))
    ui.driver.find_element(By.CSS_SELECTOR, "input[name=decision][value=approve]").click()
    ui.submit(ui.button("Enregistrer la décision"))
    assert "Transmise à l'organisation" in ui.text()
    ui.driver.find_element(By.CSS_SELECTOR, "input[name=answer][value=accept]").click()
    ui.submit(ui.button("Envoyer ma réponse"))
    assert "Acceptée" in ui.text()

    ui.submit(ui.button("File de revue"))
    ui.submit(ui.button("Fiches à valider"))
    ui.submit(ui.driver.find_element(By.CSS_SELECTOR, ".queue-list .card-title a"))
    ui.driver.find_element(By.NAME, "reason").send_keys("Merci d'utiliser une adresse professionnelle.")
    ui.submit(ui.button("Refuser avec cette raison"))
    assert "Demande refusée" in ui.text()

    ui.open("/equipe/journal")
    log = ui.text()
    assert "introduction.accepted" in log and "profile.reject" in log

    ui.login("requester@example.org")
    ui.open(f"/mises-en-relation/{intro_id}")
    assert "labo@example.org" in ui.text() and lab_name.split()[0] in ui.text()
    with live_app.app_context():
        assert db.session.scalar(select(Introduction.status).where(Introduction.public_id == intro_id)) == "accepted"
