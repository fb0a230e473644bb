"""In headless Chromium: staff open the dashboard and its charts render; anonymous and buyer users are refused."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import curation
from matchmaker.services.needs import NeedInput, create_need, submit_need, validate_need

from .conftest import PASSWORD

pytestmark = pytest.mark.browser

NEED = NeedInput(
    title="Caractérisation de biomatériaux implantables",
    description=(
        "Nous cherchons un laboratoire capable de caractériser des biomatériaux et des dispositifs médicaux "
        "implantables : essais mécaniques et biocompatibilité avant le marquage CE, sous six mois."
    ),
    sought_kinds=("lab", "platform"),
)


@pytest.fixture(scope="module")
def curated_need(live_app) -> str:
    """A validated need with engine suggestions, one accepted and one rejected (so every chart has data)."""
    with live_app.app_context():
        buyer = db.session.scalar(select(User).where(User.email == "buyer@example.org"))
        staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        engine = live_app.extensions["matchmaker"]
        need = create_need(db.session, buyer, NEED)
        submit_need(db.session, buyer, need, acknowledge_warnings=True)
        validate_need(engine, db.session, staff, need)
        curation.propose_suggestions(engine, db.session, need, max_chars=4000, max_results=100)
        first, second = sorted(need.suggestions, key=lambda s: s.position)[:2]
        curation.decide(db.session, staff, first, "accept")
        curation.decide(db.session, staff, second, "reject", reason_category="no_capacity")
        return need.public_id


def login(driver: WebDriver, base: str, email: str) -> None:
    """Log in through the form with a fresh session (CSRF on)."""
    driver.delete_all_cookies()
    driver.get(f"{base}/auth/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: "/auth/login" not in d.current_url)


def visible_charts(driver: WebDriver) -> list:
    """Return the SVG charts of the page, checking each is displayed with a real size."""
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    for chart in charts:
        chart.location_once_scrolled_into_view  # noqa: B018  (scrolls the chart into view)
        assert chart.is_displayed(), chart.get_attribute("id")
        assert chart.size["width"] > 200 and chart.size["height"] > 40, (chart.get_attribute("id"), chart.size)
    return charts


def test_anonymous_and_buyer_are_refused(browser, live_server):
    browser.delete_all_cookies()
    browser.get(f"{live_server}/staff/dashboard/")
    assert "/auth/login" in browser.current_url
    login(browser, live_server, "buyer@example.org")
    for path in ("/staff/dashboard/", "/staff/dashboard/carte", "/staff/dashboard/fraicheur"):
        browser.get(live_server + path)
        assert "Accès refusé" in browser.find_element(By.TAG_NAME, "body").text, path
        assert not browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert not browser.find_elements(By.LINK_TEXT, "Tableau de bord")


def test_staff_open_the_dashboard_and_the_charts_render(browser, live_server, curated_need):
    login(browser, live_server, "staff@example.org")
    browser.find_element(By.LINK_TEXT, "Tableau de bord").click()
    WebDriverWait(browser, 20).until(lambda d: d.current_url.endswith("/staff/dashboard/"))
    charts = visible_charts(browser)
    assert [c.get_attribute("id") for c in charts] == [
        "chart-organisations-kind", "chart-organisations-domain", "chart-organisations-region",
        "chart-organisations-trend", "chart-needs-funnel", "chart-needs-monthly", "chart-curation",
        "chart-demand-domain", "chart-demand-region",
    ]
    bars = [bar for bar in browser.find_elements(By.CSS_SELECTOR, "#chart-organisations-kind rect.chart-bar")]
    assert len(bars) >= 5 and all(bar.size["width"] > 0 for bar in bars)
    funnel = browser.find_element(By.ID, "chart-needs-funnel")
    assert len(funnel.find_elements(By.CSS_SELECTOR, "rect.chart-bar")) == 5
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-needs-monthly polyline")
    assert "50 %" in browser.find_element(By.CSS_SELECTOR, ".kpis").text  # one of two decisions accepted
    assert browser.find_element(By.PARTIAL_LINK_TEXT, "Exporter en CSV").is_displayed()

    browser.get(f"{live_server}/staff/dashboard/carte?region={quote('Île-de-France')}")
    (region_map,) = visible_charts(browser)
    tiles = region_map.find_elements(By.CSS_SELECTOR, "rect.map-tile")
    assert len(tiles) == 21 and all(tile.is_displayed() for tile in tiles)
    assert "Île-de-France" in region_map.text and "Outre-mer" in region_map.text
    clusters = browser.find_elements(By.CSS_SELECTOR, ".cluster-card")
    assert clusters and clusters[0].find_elements(By.CSS_SELECTOR, ".cluster-members a")

    region_map = browser.find_element(By.ID, "chart-region-map")
    region_map.find_element(By.CSS_SELECTOR, "a[aria-label^='Bretagne']").click()
    WebDriverWait(browser, 20).until(lambda d: "region=Bretagne" in d.current_url)
    assert browser.find_elements(By.CSS_SELECTOR, ".cluster-card")

    browser.get(f"{live_server}/staff/dashboard/fraicheur")
    assert "Fiches à rafraîchir" in browser.find_element(By.TAG_NAME, "body").text
