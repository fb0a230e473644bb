"""Headless Chromium (Debian packages) and a small page vocabulary for the browser tests and screenshots."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    # the machine has no network: without these Chromium keeps calling home and logging refusals
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PAGE_FLAGS = ("--window-size=1280,1000", "--lang=fr-FR")


def start_chromium(profile_dir: Path | str, extra_flags: Sequence[str] = PAGE_FLAGS) -> WebDriver:
    """Start a headless Chromium with a fresh profile; fail clearly when the Debian packages are missing."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    assert not missing, f"install Debian's chromium and chromium-driver (missing {missing})"
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look for drivers online
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, *extra_flags):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    options.add_argument(f"--user-data-dir={profile_dir}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) from a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Page:
    """What a user does in the browser: open, log in, click and wait, find buttons, read the page."""

    def __init__(self, driver: WebDriver, base: str, password: str) -> None:
        self.driver = driver
        self.base = base
        self.password = password

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def login(self, email: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/auth/login")
        self.driver.find_element(By.NAME, "email").send_keys(email)
        self.driver.find_element(By.NAME, "password").send_keys(self.password)
        self.click(self.driver.find_element(By.CSS_SELECTOR, "form [type=submit]"))
        assert "Vous êtes connecté" in self.text()

    def click(self, element: WebElement) -> None:
        """Click a button or link, wait until the next page has fully loaded and check it is no error page."""
        # A marker on the old window: it disappears only once the new document is committed.
        self.driver.execute_script("window.__oldPage = true; arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return window.__oldPage === undefined && document.readyState === 'complete'")
        )
        self.status()

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

    def set_date(self, element: WebElement, day: str) -> None:
        """Type a date (YYYY-MM-DD) in a date input, whatever the browser's locale shows."""
        self.driver.execute_script("arguments[0].value = arguments[1]", element, day)

    def status(self) -> None:
        """Fail on an error page."""
        body = self.text()
        assert "Erreur interne" not in body and "Bad Request" not in body, body[:500]
