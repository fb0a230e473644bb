"""In headless Chromium: a hospital's need, the parsed intent, its correction, and the no-strong-match state."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By

from tests.support.chromium import Page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture()
def ui(browser, live_server) -> Page:
    return Page(browser, live_server, PASSWORD)


def test_intent_is_shown_corrected_and_labs_stay_one_click_away(ui):
    ui.open("/?q=" + quote("Notre hôpital cherche un dispositif de diagnostic rapide des infections"))
    intent = ui.driver.find_element(By.ID, "need-intent").text
    assert "des entreprises et start-up qui proposent la solution" in intent
    cards = ui.driver.find_elements(By.CSS_SELECTOR, "ol.results-list .badge-kind")
    assert cards and not {c.text.lower() for c in cards} & {"laboratoire", "plateforme technologique"}
    ui.click(ui.driver.find_element(By.ID, "see-labs"))
    assert "des laboratoires et plateformes" in ui.driver.find_element(By.ID, "need-intent").text
    assert "(votre choix)" in ui.driver.find_element(By.ID, "need-intent").text
    kinds = {c.text.lower() for c in ui.driver.find_elements(By.CSS_SELECTOR, "ol.results-list .badge-kind")}
    assert kinds and kinds <= {"laboratoire", "plateforme technologique"}


def test_nonsense_shows_no_ranking(ui):
    ui.open("/?q=" + quote("!!!???..."))
    assert "Aucune correspondance forte" in ui.text()
    assert not ui.driver.find_elements(By.CSS_SELECTOR, "ol.results-list")
