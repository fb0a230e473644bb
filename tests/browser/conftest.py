"""Browser fixtures: the app on a real server thread and one headless Chromium for the whole session."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from werkzeug.serving import make_server

from matchmaker import create_app
from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services.catalogue import store_records

PASSWORD = "correct horse battery"
ACCOUNTS = {"buyer": "buyer", "startup": "startup", "staff": "staff", "requester": "buyer"}
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


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, catalogue_records):
    """An application on a temporary SQLite file, with CSRF on as in production."""
    root = tmp_path_factory.mktemp("browser-app")

    class Config(TestConfig):
        INSTANCE_DIR = root / "instance"
        MODELS_DIR = root / "models"
        BUNDLED_DATA = PROJECT_ROOT / "data" / "competences"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{root / 'matchmaker.sqlite3'}"
        WTF_CSRF_ENABLED = True

    app = create_app(Config)
    hashed = PasswordHasher().hash(PASSWORD)
    with app.app_context():
        store_records(db.session, catalogue_records)
        for key, role in ACCOUNTS.items():
            db.session.add(User(email=f"{key}@example.org", name=key.title(), role=role, password_hash=hashed))
        db.session.commit()
        app.extensions["matchmaker"].build(db.session)
    return app


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """Serve the app on 127.0.0.1 (a free port) from a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium (Debian package) for every browser test, with a fresh profile."""
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
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
