"""In headless Chromium, the acceptance path of the livret: a subcontractor claims its profile, completes its
livret in French and English and sends it; staff validate the claim, publish the livret and verify one
certification; a buyer's need that names the process and the certification finds it in the top 5, with the
livret passage quoted, in the search and as a need posted through the need form and validated by staff.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from selenium.webdriver.common.by import By

from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services.catalogue import store_records
from tests.support.chromium import Page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
KEY = "decp:900000001"
NAME = "Atelier Mécanique de Précision Vendée"
# An auto-built profile as the directory makes them from public contracts (test record: no such company).
RECORD = {
    "key": KEY, "name": NAME, "kind": "subcontractor", "source": "decp", "region": "Pays de la Loire",
    "evidence": [{"key": f"{KEY}/contract-0", "kind": "contract_won", "source": "decp", "lang": "fr",
                  "text": "Marché remporté auprès de CHU Test : fourniture de pièces mécaniques de rechange"}],
}
NEED = "Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces d'implants en titane."
NEED_TITLE = "Usinage de pièces d'implants en titane"
NEED_DESCRIPTION = (
    "Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces d'implants en titane, pour "
    "une nouvelle gamme de prothèses orthopédiques. Séries de 500 à 2000 pièces par an, tolérances serrées, "
    "livraison en France sous huit semaines, démarrage au prochain trimestre."
)
EXPIRY = (date.today() + timedelta(days=700)).isoformat()


def _prepare(app) -> None:
    with app.app_context():
        store_records(db.session, [RECORD])
        db.session.add(User(email="atelier@example.org", name="Claire Atelier", role="member",
                            password_hash=PasswordHasher().hash(PASSWORD)))
        db.session.commit()


def _tick(browser, name: str, value: str) -> None:
    box = browser.find_element(By.CSS_SELECTOR, f"input[name={name}][value='{value}']")
    if not box.is_displayed():  # inside a closed family: open it first
        box.find_element(By.XPATH, "ancestor::details").find_element(By.TAG_NAME, "summary").click()
    box.click()


def test_a_subcontractor_completes_its_livret_and_a_buyer_finds_it_quoted(browser, live_server, live_app):
    _prepare(live_app)
    ui = Page(browser, live_server, PASSWORD)

    # the subcontractor claims its auto-built profile
    ui.login("atelier@example.org")
    ui.click(ui.button("Mon organisation"))
    browser.find_element(By.ID, "claim-q").send_keys("Atelier Mécanique")
    ui.click(ui.button("Chercher ma fiche"))
    ui.click(ui.button("C'est mon organisation : revendiquer"))
    browser.find_element(By.NAME, "message").send_keys("Je suis la gérante de l'atelier (kbis sur demande).")
    ui.click(ui.button("Revendiquer cette fiche"))
    assert "Demande envoyée" in ui.text()

    # staff validate the claim
    ui.login("staff@example.org")
    ui.click(ui.button("File de revue"))
    ui.click(ui.button("Fiches à valider"))
    ui.click(ui.button(NAME))
    ui.click(ui.button("Valider"))

    # the member completes the livret in French and English, saves a draft, then sends it
    ui.login("atelier@example.org")
    ui.click(ui.button("Mon organisation"))
    ui.click(ui.button("Compléter mon livret de compétences"))
    assert "Complétude : 0 %" in ui.text()
    _tick(browser, "activities", "machining")
    _tick(browser, "activities", "cleanroom_assembly")
    _tick(browser, "materials", "titanium")
    browser.find_element(By.NAME, "activities_note").send_keys("Usinage 5 axes de pièces jusqu'à 300 mm.")
    browser.find_element(By.NAME, "certifications-0-label").send_keys("ISO 13485")
    browser.find_element(By.NAME, "certifications-0-number").send_keys("FR-2025-0042")
    browser.find_element(By.NAME, "certifications-0-body").send_keys("Organisme notifié")
    ui.set_date(browser.find_element(By.NAME, "certifications-0-expires_on"), EXPIRY)
    browser.find_element(By.NAME, "batch_max").send_keys("5000")
    browser.find_element(By.NAME, "description_fr").send_keys(
        "Atelier de mécanique de précision : usinage 5 axes de pièces d'implants en titane, assemblage en salle "
        "blanche ISO 7.")
    browser.find_element(By.NAME, "description_en").send_keys(
        "Precision engineering workshop: 5-axis machining of titanium implant parts, ISO 7 clean-room assembly.")
    ui.click(ui.button("Enregistrer le brouillon"))
    assert "Brouillon enregistré" in ui.text()
    assert "Complétude : 0 %" not in ui.text()
    ui.click(ui.button("Envoyer à l'équipe pour publication"))
    assert "en attente de relecture" in ui.text()
    ui.open("/membre/livret?lang=en")
    assert "Machining (milling, turning)" in ui.text() and "Livret waiting for publication" in ui.text()
    ui.open("/membre/livret?lang=fr")

    # staff publish the livret, then verify the certification (its expiry date is offered)
    ui.login("staff@example.org")
    ui.click(ui.button("File de revue"))
    ui.click(ui.button("Modifications de fiches"))
    ui.click(ui.button(NAME))
    assert "Usinage (fraisage, tournage)" in ui.text() and "ISO 13485 (FR-2025-0042" in ui.text()
    ui.click(ui.button("Publier la modification"))
    row = browser.find_element(By.XPATH, "//ul[@class='certification-checks']/li[contains(., 'ISO 13485')]")
    assert row.find_element(By.NAME, "expires_on").get_attribute("value") == EXPIRY
    ui.click(ui.button("Marquer vérifiée", row))
    assert "vérifiée" in ui.text()

    # a buyer's need naming the process and the certification finds it in the top 5, the livret quoted
    ui.login("buyer@example.org")
    ui.open("/?q=" + quote(NEED))
    cards = browser.find_elements(By.CSS_SELECTOR, "ol.results-list > li")
    names = [card.find_element(By.CSS_SELECTOR, ".card-title").text for card in cards[:5]]
    assert NAME in names, names
    card = cards[names.index(NAME)]
    assert "Livret ·" in card.text  # the quoted passage comes from the livret
    assert "usinage (fraisage, tournage) : déclaré dans le livret" in card.text.lower()
    assert "ISO 13485 · vérifiée" in card.text

    # the same need posted through the need form: staff validate it and the livret is among the first five
    # suggestions, its passage quoted on the curation card
    ui.click(ui.button("Mes besoins"))
    ui.click(ui.button("Déposer un besoin"))
    browser.find_element(By.ID, "title").send_keys(NEED_TITLE)
    browser.find_element(By.ID, "description").send_keys(NEED_DESCRIPTION)
    browser.find_element(By.CSS_SELECTOR, "input[name=sought_kinds][value=subcontractor]").click()
    ui.click(ui.button("Enregistrer le brouillon"))
    ui.click(ui.button("Soumettre à l'équipe"))
    assert "En attente de validation" in ui.text()
    ui.login("staff@example.org")
    ui.click(ui.button("File de revue"))
    ui.click(ui.button(NEED_TITLE))
    ui.click(ui.button("Valider et préparer la sélection"))
    suggestions = browser.find_elements(By.CSS_SELECTOR, ".suggestion-list > li")
    names = [card.find_element(By.CSS_SELECTOR, ".card-title").text for card in suggestions[:5]]
    assert NAME in names, names
    assert "Livret ·" in suggestions[names.index(NAME)].text
