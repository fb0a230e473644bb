"""Layout in headless Chromium at 1280 px: the curation page's buttons stay inside their panels."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import curation
from matchmaker.services.needs import NeedInput, create_need, submit_need, validate_need
from tests.support.chromium import Page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
NEED = NeedInput(
    title="Plateforme d'imagerie préclinique pour un agent de contraste",
    description="Nous cherchons une plateforme d'imagerie du petit animal (IRM, scanner) pour tester un nouvel "
                "agent de contraste avant une étude clinique de phase I, protocole BPL, résultats sous trois mois.",
    sought_kinds=("platform", "lab"),
)


def _curated_need(app) -> str:
    with app.app_context():
        buyer = db.session.scalar(select(User).where(User.email == "buyer@example.org"))
        staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        engine = app.extensions["matchmaker"]
        need = create_need(db.session, buyer, NEED)
        submit_need(db.session, buyer, need, acknowledge_warnings=True)
        validate_need(engine, db.session, staff, need)
        curation.propose_suggestions(engine, db.session, need, max_chars=4000, max_results=100)
        curation.decide(db.session, staff, need.suggestions[0], "accept")  # ready to publish: the long label
        return need.public_id


def test_publish_buttons_fit_their_panel_at_1280_px(browser, live_server, live_app):
    public_id = _curated_need(live_app)
    ui = Page(browser, live_server, PASSWORD)
    browser.set_window_size(1280, 1000)
    ui.login("staff@example.org")
    ui.open(f"/equipe/besoins/{public_id}/curation")
    ui.status()
    overflowing = browser.execute_script("""
        const out = [];
        for (const button of document.querySelectorAll('.org-aside .panel .btn, .org-aside .panel button')) {
          const panel = button.closest('.panel').getBoundingClientRect();
          const box = button.getBoundingClientRect();
          if (box.left < panel.left - 0.5 || box.right > panel.right + 0.5) out.push(button.textContent.trim());
        }
        return out;
    """)
    assert overflowing == [], overflowing
    assert browser.find_elements(By.CSS_SELECTOR, ".org-aside .panel form[action$='/publier'] button")
