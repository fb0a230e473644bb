"""In headless Chromium: a member's profile edit waits for staff; staff publish it and verify the certification;
the search's "verified only" filter finds it only then.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from selenium.webdriver.common.by import By
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organisation, User
from tests.support.chromium import Page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEW_NAME = "Cochléa Robotique"
DESCRIPTION = ("Robot chirurgical miniaturisé pour la microchirurgie de l'oreille interne (cochlée), "
               "conçu avec des chirurgiens ORL et fabriqué sous assurance qualité.")
QUERY = "/?q=" + quote("robot microchirurgie oreille interne cochlée")


def _member(app) -> tuple[str, str]:
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "startup",
                                                           Organisation.claimed.is_(False)).order_by(Organisation.id.desc()))
        org.claimed = True
        db.session.add(User(email="member@example.org", name="Member", role="member", organisation_id=org.id,
                            password_hash=PasswordHasher().hash(PASSWORD)))
        db.session.commit()
        return org.key, org.name


def test_an_edit_is_reviewed_published_and_its_certification_verified(browser, live_server, live_app):
    key, old_name = _member(live_app)
    ui = Page(browser, live_server, PASSWORD)
    ui.login("member@example.org")
    ui.open("/membre/profil")
    name = browser.find_element(By.ID, "name")
    name.clear()
    name.send_keys(NEW_NAME)
    description = browser.find_element(By.ID, "description")
    description.clear()
    description.send_keys(DESCRIPTION)
    browser.find_element(By.CSS_SELECTOR, "input[name=certifications][value='ISO 13485']").click()
    ui.click(ui.button("Enregistrer"))
    assert "en attente de validation" in ui.text()

    ui.open(f"/organisations/{key}")
    assert old_name in ui.text() and NEW_NAME not in ui.text()  # the live profile stays until staff approve

    ui.login("staff@example.org")
    ui.click(ui.button("File de revue"))
    ui.click(ui.button("Modifications de fiches"))
    ui.click(ui.button(old_name))
    page = ui.text()
    assert NEW_NAME in page and "ISO 13485" in page and "déclarées" in page
    ui.click(ui.button("Publier la modification"))
    assert "Modification publiée" in ui.text()
    row = browser.find_element(By.XPATH, "//ul[@class='certification-checks']/li[contains(., 'ISO 13485')]")
    assert "déclarée" in row.text
    ui.open(f"{QUERY}&certification=ISO+13485&verified=1")
    assert NEW_NAME not in ui.text()  # declared only: the verified filter leaves it out
    ui.open(f"/equipe/organisations/{key}/modifier")
    row = browser.find_element(By.XPATH, "//ul[@class='certification-checks']/li[contains(., 'ISO 13485')]")
    row.find_element(By.NAME, "note").send_keys("Certificat vu le jour de la visite")
    ui.set_date(row.find_element(By.NAME, "expires_on"), "2099-06-30")  # "vérifiée": the expiry date is known
    ui.click(ui.button("Marquer vérifiée", row))
    assert "vérifiée" in ui.text()

    ui.open(f"{QUERY}&certification=ISO+13485&verified=1")
    assert NEW_NAME in ui.text()
    ui.open(f"/organisations/{key}")
    assert "ISO 13485 · vérifiée" in ui.text()
