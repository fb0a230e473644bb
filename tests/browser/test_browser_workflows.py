"""End to end in headless Chromium: one journey per kind of user, CSRF on, real server thread."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Introduction, Organisation, User
from matchmaker.services.introductions import request_introduction
from matchmaker.services.profiles import claim_profile
from tests.support.chromium import Page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEED_TITLE = "Caractérisation mécanique de biomatériaux implantables"
NEED_TEXT = (
    "Nous cherchons un laboratoire capable de caractériser des biomatériaux et des dispositifs médicaux "
    "implantables, pour valider un nouveau procédé de fabrication de prothèses avant le marquage CE. "
    "Essais mécaniques et biocompatibilité, délai de six mois."
)


@pytest.fixture()
def ui(browser, live_server) -> Page:
    return Page(browser, live_server, PASSWORD)


def test_buyer_posts_a_need_staff_curates_buyer_sees_the_selection(ui, live_app):
    ui.login("buyer@example.org")
    ui.click(ui.button("Mes besoins"))
    ui.click(ui.button("Déposer un besoin"))
    ui.driver.find_element(By.ID, "title").send_keys(NEED_TITLE)
    ui.driver.find_element(By.ID, "description").send_keys(NEED_TEXT)
    ui.driver.find_element(By.CSS_SELECTOR, "input[name=sought_kinds][value=lab]").click()
    ui.click(ui.button("Enregistrer le brouillon"))
    ui.status()
    assert "Prêt à être soumis" in ui.text()
    ui.click(ui.button("Soumettre à l'équipe"))
    assert "En attente de validation" in ui.text()
    need_url = ui.driver.current_url

    ui.login("staff@example.org")
    ui.click(ui.button("File de revue"))
    ui.click(ui.button(NEED_TITLE))
    assert "Contrôle qualité" in ui.text()
    ui.click(ui.button("Valider et préparer la sélection"))
    assert "suggestions à examiner" in ui.text()
    cards = ui.driver.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")
    assert len(cards) >= 3
    ui.click(ui.button("Retenir", cards[0]))
    second = ui.driver.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")[1]
    rejected_name = second.find_element(By.CSS_SELECTOR, ".card-title a").text
    second.find_element(By.CSS_SELECTOR, "select[name=reason_category] option[value=off_topic]").click()
    ui.click(ui.button("Écarter", second))
    ui.status()
    third = ui.driver.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")[2]
    ui.click(ui.button("Monter", third))
    ui.click(ui.button("Publier la sélection"))
    assert "Sélection publiée" in ui.text()

    ui.login("buyer@example.org")
    ui.driver.get(need_url)
    page = ui.text()
    assert "Sélection de l'équipe" in page
    assert "Autres organisations trouvées par le moteur" in page  # below the selection, never a rejected one
    assert rejected_name not in page
    with live_app.app_context():
        staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        kept = [d for d in staff_decisions(staff) if d.decision == "accept"]
        assert kept
    selection = ui.driver.find_elements(By.CSS_SELECTOR, ".selection-list > li")
    assert len(selection) == 1

    # Save the first ranked organisation to a new list, then export it.
    first = ui.driver.find_elements(By.CSS_SELECTOR, ".results-list:not(.selection-list) > li")[0]
    ui.click(ui.button("Enregistrer", first))
    assert "ajoutée à la liste" in ui.text()
    ui.click(ui.button("Mes listes"))
    ui.click(ui.driver.find_element(By.CSS_SELECTOR, ".results-list .card-title a"))
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
    ui.click(ui.button("Mon organisation"))
    box = ui.driver.find_element(By.ID, "claim-q")
    box.send_keys(name[:8])
    ui.click(ui.button("Chercher ma fiche"))
    assert "non revendiqué" in ui.text().lower()
    link = ui.driver.find_element(By.CSS_SELECTOR, f"a[href$='/membre/revendiquer/{key}']")
    ui.click(link)
    ui.driver.find_element(By.NAME, "message").send_keys("Je suis le fondateur de la société.")
    ui.click(ui.button("Revendiquer cette fiche"))
    assert "Demande envoyée" in ui.text()

    ui.login("staff@example.org")
    ui.open("/equipe/?tab=profiles")
    ui.click(ui.button(name[:20]))
    ui.click(ui.button("Valider"))
    assert "validée" in ui.text()

    ui.login("startup@example.org")
    ui.click(ui.button("Mon organisation"))
    assert "fiche revendiquée" in ui.text().lower()
    ui.click(ui.button("Laboratoires et plateformes pour mon projet"))
    ui.status()
    assert ui.driver.find_elements(By.CSS_SELECTOR, ".results-list > li")

    ui.click(ui.button("Recherche"))
    search = ui.driver.find_element(By.ID, "q")
    search.send_keys("imagerie médicale")
    ui.click(ui.driver.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]"))
    assert ui.driver.find_elements(By.CSS_SELECTOR, ".results-list > li")

    ui.open("/membre/recherches?q=imagerie+m%C3%A9dicale")
    ui.driver.find_element(By.NAME, "name").send_keys("Imagerie")
    ui.click(ui.button("Enregistrer la recherche"))
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
    ui.click(ui.button("File de revue"))
    ui.click(ui.button("Mises en relation en cours"))
    ui.click(ui.button("requester@example.org"))
    ui.driver.find_element(By.CSS_SELECTOR, "input[name=decision][value=approve]").click()
    ui.click(ui.button("Enregistrer la décision"))
    assert "Transmise à l'organisation" in ui.text()
    ui.driver.find_element(By.CSS_SELECTOR, "input[name=answer][value=accept]").click()
    ui.click(ui.button("Envoyer ma réponse"))
    assert "Acceptée" in ui.text()

    ui.click(ui.button("File de revue"))
    ui.click(ui.button("Fiches à valider"))
    ui.click(ui.driver.find_element(By.CSS_SELECTOR, ".queue-list .card-title a"))
    ui.driver.find_element(By.NAME, "reason").send_keys("Merci d'utiliser une adresse professionnelle.")
    ui.click(ui.button("Refuser avec cette raison"))
    assert "Demande refusée" in ui.text()

    ui.open("/equipe/journal")
    log = ui.text()
    assert "introduction.accepted" in log and "profile.reject" in log

    ui.login("requester@example.org")
    ui.open(f"/mises-en-relation/{intro_id}")
    assert "labo@example.org" in ui.text() and lab_name.split()[0] in ui.text()
    with live_app.app_context():
        assert db.session.scalar(select(Introduction.status).where(Introduction.public_id == intro_id)) == "accepted"
