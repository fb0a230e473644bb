"""Take screenshots of a running matchmaker server with headless Chromium.

Start the server first (``flask --app matchmaker serve --port 5077``), then::

    python docs/take_screenshots.py --base-url http://127.0.0.1:5077

Needs the Debian packages ``chromium`` and ``chromium-driver``; no network access is used.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.chromium import start_chromium  # noqa: E402  (the repository root is not installed)

OUT_DIR = Path(__file__).resolve().parent / "screenshots"
FRENCH_NEED = (
    "Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces d'implants orthopédiques"
)
ENGLISH_NEED = "AI for medical imaging segmentation"
SCREENSHOT_FLAGS = ("--hide-scrollbars", "--force-device-scale-factor=1")


def make_driver(profile_dir: str) -> WebDriver:
    """Start a headless Chromium with a fresh profile and no network side channels."""
    return start_chromium(profile_dir, extra_flags=SCREENSHOT_FLAGS)


def capture(driver: WebDriver, url: str, path: Path, width: int, max_height: int) -> None:
    """Load a page and save a screenshot of its full height (capped at max_height pixels)."""
    mobile = width < 600
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile},
    )
    driver.get(url)
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    height = min(int(height), max_height)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
    driver.execute_script("window.scrollTo(0, 0)")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True,
         "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"{path}  <-  {url}")


def main() -> None:
    """Capture the pages shown in the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5077")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--max-height", type=int, default=3200)
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)

    def search_url(query: str, lang: str) -> str:
        return f"{base}/?{urlencode({'q': query, 'lang': lang})}"

    with tempfile.TemporaryDirectory(prefix="matchmaker-chromium-") as profile_dir:
        driver = make_driver(profile_dir)
        try:
            capture(driver, f"{base}/?lang=fr", args.out / "home.png", args.width, args.max_height)
            capture(driver, search_url(FRENCH_NEED, "fr"), args.out / "search_fr.png", args.width, args.max_height)
            # The best-ranked organisation with a scored (sufficient) profile makes the richer page.
            first_result = driver.find_elements(
                By.XPATH, "//ol[contains(@class, 'results-list')]/li[.//meter]//*[contains(@class, 'card-title')]/a"
            ) or driver.find_elements(By.CSS_SELECTOR, ".results-list .card-title a")
            if first_result:
                capture(
                    driver,
                    first_result[0].get_attribute("href"),
                    args.out / "organisation.png",
                    args.width,
                    args.max_height,
                )
            capture(driver, f"{base}/auth/login?lang=fr", args.out / "login.png", args.width, args.max_height)
            capture(driver, search_url(ENGLISH_NEED, "en"), args.out / "search_en.png", args.width, args.max_height)
            capture(driver, search_url(FRENCH_NEED, "fr"), args.out / "search_mobile.png", 390, args.max_height)
            capture(driver, f"{base}/a-propos?lang=fr", args.out / "about.png", args.width, args.max_height)
            capture_workflows(driver, base, args.out, args.width, args.max_height)
            capture_dashboard(driver, base, args.out, args.width, args.max_height)
            capture_livret(driver, base, args.out, args.width, args.max_height)
        finally:
            driver.quit()


# --- Workflow pages (need form, shortlists, staff queue) -------------------------------------------------
# They need the demo accounts: `flask --app matchmaker seed-demo --password "$MATCHMAKER_DEMO_PASSWORD"`.


def login(driver: WebDriver, base: str, email: str, password: str) -> None:
    """Log in through the login form with a fresh session."""
    driver.delete_all_cookies()
    driver.get(f"{base}/auth/login?lang=fr")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    # Wait for the answer to the login form: a page loaded too early would abort it.
    WebDriverWait(driver, 30).until(lambda d: "/auth/login" not in d.current_url)


def capture_workflows(driver: WebDriver, base: str, out: Path, width: int, max_height: int) -> None:
    """Capture the buyers' and staff pages with the demo accounts (skipped without MATCHMAKER_DEMO_PASSWORD)."""
    password = os.environ.get("MATCHMAKER_DEMO_PASSWORD")
    if not password:
        print("MATCHMAKER_DEMO_PASSWORD not set: workflow pages skipped (see `flask --app matchmaker seed-demo`)")
        return
    login(driver, base, "demo-acheteur@example.org", password)
    capture(driver, f"{base}/besoins/nouveau?lang=fr", out / "need_form.png", width, max_height)
    capture(driver, f"{base}/besoins/?lang=fr", out / "needs.png", width, max_height)
    need = driver.find_elements(By.CSS_SELECTOR, ".need-list .card-title a")
    if need:
        capture(driver, need[-1].get_attribute("href"), out / "need_shortlist.png", width, max_height)
    driver.get(f"{base}/listes/?lang=fr")
    shortlist = driver.find_elements(By.CSS_SELECTOR, ".results-list .card-title a")
    if shortlist:
        capture(driver, shortlist[0].get_attribute("href"), out / "shortlist.png", width, max_height)
    login(driver, base, "demo-equipe@example.org", password)
    capture(driver, f"{base}/equipe/?lang=fr", out / "staff_queue.png", width, max_height)
    driver.get(f"{base}/equipe/?tab=curation&lang=fr")
    curated = driver.find_elements(By.CSS_SELECTOR, ".queue-list .card-title a")
    if curated:
        capture(driver, curated[0].get_attribute("href"), out / "staff_curation.png", width, max_height)



# --- Staff dashboard (issue 8) ---------------------------------------------------------------------------
# Needs the demo accounts and, for figures worth showing, the demo history of docs/dashboard_demo_data.py.


def capture_dashboard(driver: WebDriver, base: str, out: Path, width: int, max_height: int) -> None:
    """Capture the staff dashboard and its competence map (skipped without MATCHMAKER_DEMO_PASSWORD)."""
    password = os.environ.get("MATCHMAKER_DEMO_PASSWORD")
    if not password:
        print("MATCHMAKER_DEMO_PASSWORD not set: dashboard pages skipped (see docs/dashboard_demo_data.py)")
        return
    login(driver, base, "demo-equipe@example.org", password)
    # The whole overview, down to the coverage gaps and demand charts at the bottom.
    capture(driver, f"{base}/staff/dashboard/?lang=fr", out / "dashboard.png", width, max(max_height, 5000))
    query = urlencode({"region": "Bretagne", "lang": "fr"})
    capture(driver, f"{base}/staff/dashboard/carte?{query}", out / "dashboard_map.png", width, max_height)


# --- Livret de compétences (issue 17) ------------------------------------------------------------------------
# Needs the demo accounts: seed-demo imports the bundled example livrets and gives the example subcontractor a
# member (demo-membre@example.org) with a livret change waiting for staff.


def capture_livret(driver: WebDriver, base: str, out: Path, width: int, max_height: int) -> None:
    """Capture the member's livret, its staff review, the cluster import, the dashboard list and a live livret."""
    password = os.environ.get("MATCHMAKER_DEMO_PASSWORD")
    if not password:
        print("MATCHMAKER_DEMO_PASSWORD not set: livret pages skipped (see `flask --app matchmaker seed-demo`)")
        return
    capture(driver, f"{base}/organisations/example:usinage-precision-rhone?lang=fr", out / "livret_profile.png",
            width, max_height)
    login(driver, base, "demo-membre@example.org", password)
    capture(driver, f"{base}/membre/livret?lang=fr", out / "livret_member.png", width, max(max_height, 4200))
    login(driver, base, "demo-equipe@example.org", password)
    driver.get(f"{base}/equipe/?tab=revisions&lang=fr")
    revision = driver.find_elements(By.XPATH, "//li[.//*[contains(., 'livret de compétences')]]//h3/a")
    if revision:
        capture(driver, revision[0].get_attribute("href"), out / "livret_review.png", width, max_height)
    capture(driver, f"{base}/equipe/import?lang=fr", out / "livret_import.png", width, max_height)
    capture(driver, f"{base}/staff/dashboard/livrets?lang=fr", out / "dashboard_livrets.png", width, max_height)


if __name__ == "__main__":
    main()
