"""Response headers: one charset on CSV and ICS downloads, no-store on private pages and exports, links in
exports built on the configured public address (never the Host header), Secure cookies over HTTPS.
"""

from __future__ import annotations

import pytest

from matchmaker.config import TestConfig
from tests.support.apps import create_test_app

from .conftest import PASSWORD
from .test_access_control import ACCESS

DOWNLOADS = [
    ("buyer", "/listes/{shortlist}/export.csv", "text/csv"),
    ("staff", "/events/{event}/rendez-vous.csv", "text/csv"),
    ("staff", "/staff/dashboard/export/freshness.csv", "text/csv"),
    ("buyer", "/events/{event}/agenda.ics", "text/calendar"),
    ("buyer", "/events/{event}/agenda.pdf", "application/pdf"),
    ("buyer", "/mes-donnees/export.json", "application/json"),
]


@pytest.mark.parametrize(("account", "url", "mimetype"), DOWNLOADS, ids=[u for _, u, _ in DOWNLOADS])
def test_downloads_name_one_charset_and_are_not_stored(fresh_world, account, url, mimetype):
    response = fresh_world.client(account).get(fresh_world.url(url))
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert content_type.startswith(mimetype) and content_type.lower().count("charset") <= 1, content_type
    assert "no-store" in response.headers.get("Cache-Control", "")
    assert "attachment" in response.headers.get("Content-Disposition", "") or mimetype == "application/pdf"


PRIVATE = sorted({(row.url, role) for row in ACCESS for role in ("buyer", "startup", "staff", "admin")
                  if row.method == "GET" and getattr(row, role) == 200 and not row.url.startswith("/static/")})


@pytest.mark.parametrize(("url", "role"), PRIVATE, ids=[f"{u} {r}" for u, r in PRIVATE])
def test_every_page_a_logged_in_user_sees_is_not_stored(fresh_world, url, role):
    response = fresh_world.client(role).get(fresh_world.url(url))
    assert response.headers.get("Cache-Control") == "no-store", (url, role)


def test_the_login_page_is_not_stored_and_public_assets_may_be(fresh_world):
    client = fresh_world.client(None)
    assert client.get("/auth/login").headers.get("Cache-Control") == "no-store"
    static = client.get("/static/css/matchmaker.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_csv_links_use_the_configured_address_not_the_host_header(fresh_world):
    fresh_world.app.config["EXTERNAL_URL"] = "https://matchmaker.example.org"
    client = fresh_world.client("buyer")
    client.set_cookie(fresh_world.app.config.get("SESSION_COOKIE_NAME", "session"),
                      client.get_cookie("session").value, domain="evil.example")
    url = fresh_world.url("/listes/{shortlist}/export.csv")
    response = client.get(url, headers={"Host": "evil.example"})
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    assert "evil.example" not in body and "https://matchmaker.example.org/organisations/" in body
    staff = fresh_world.client("staff")
    staff.set_cookie("session", staff.get_cookie("session").value, domain="evil.example")
    freshness = staff.get("/staff/dashboard/export/freshness.csv", headers={"Host": "evil.example"})
    assert freshness.status_code == 200 and "evil.example" not in freshness.get_data(as_text=True)


def _login_cookies(app, **client_options) -> list[str]:
    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import User
    from matchmaker.services.accounts import create_user

    with app.app_context():
        if db.session.scalar(select(User).where(User.email == "cookie@example.org")) is None:
            create_user(db.session, email="cookie@example.org", password=PASSWORD)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "cookie@example.org", "password": PASSWORD,
                                                "remember": "y"}, **client_options)
    assert response.status_code == 302
    return response.headers.getlist("Set-Cookie")


def test_cookies_are_secure_whenever_the_request_came_over_https(tmp_path):
    class Proxied(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        PROXY_HOPS = 1

    app = create_test_app(Proxied)
    assert not app.config["SESSION_COOKIE_SECURE"]  # not configured: the scheme decides
    over_https = _login_cookies(app, headers={"X-Forwarded-Proto": "https"})
    assert len(over_https) >= 3  # session, remember-me, known browser
    assert all("Secure" in cookie for cookie in over_https), over_https
    direct = _login_cookies(app, base_url="https://localhost")
    assert all("Secure" in cookie for cookie in direct), direct
    plain = _login_cookies(app)
    assert not any("Secure" in cookie for cookie in plain)  # plain http (local development) keeps working


def test_an_https_external_url_makes_cookies_secure_and_sends_hsts(tmp_path):
    class Production(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        EXTERNAL_URL = "https://matchmaker.example.org"

    app = create_test_app(Production)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert all("Secure" in cookie for cookie in _login_cookies(app))
    response = app.test_client().get("/a-propos", base_url="https://localhost")
    assert "max-age=" in response.headers.get("Strict-Transport-Security", "")
