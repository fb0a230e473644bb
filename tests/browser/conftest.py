"""Browser fixtures: the app on a real server thread and one headless Chromium for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app
from tests.support.chromium import serve, start_chromium

PASSWORD = "correct horse battery"
ACCOUNTS = {"buyer": "buyer", "startup": "member", "staff": "staff", "requester": "buyer"}


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

    app = create_test_app(Config)
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
    with serve(live_app) as base:
        yield base


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Chromium (Debian package) for every browser test, with a fresh profile."""
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()
