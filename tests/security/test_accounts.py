"""Accounts: cookie flags, CSRF on every form, password policy, lockout without user enumeration, auth logs."""

from __future__ import annotations

import logging
import os
import re
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser

import pytest
from argon2 import PasswordHasher
from flask import request
from sqlalchemy import select

from matchmaker.config import Config, TestConfig
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services.accounts import check_password_policy, create_user
from tests.support.apps import create_test_app

from .conftest import PASSWORD
from .test_access_control import ACCESS, L


class FormParser(HTMLParser):
    """Collect the forms of a page: method, action and the names and values of their inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (values.get("method") or "get").lower(), "action": values.get("action") or "",
                               "inputs": {}})
        elif tag in ("input", "button", "select", "textarea") and self.forms and values.get("name"):
            self.forms[-1]["inputs"].setdefault(values["name"], values.get("value") or "")


def post_forms(html: str) -> list[dict]:
    """Return the POST forms of an HTML page."""
    parser = FormParser()
    parser.feed(html)
    return [form for form in parser.forms if form["method"] == "post"]


def _cookie(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


def _login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/auth/login", data={"email": email, "password": password, **extra})


# -- cookies -------------------------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite(app, users):
    response = _login(app.test_client(), users["buyer"])
    cookie = _cookie(response, "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on a developer's machine unless configured


def test_session_and_remember_cookies_are_secure_when_configured(tmp_path, users, app):
    class Secure(TestConfig):
        INSTANCE_DIR = tmp_path / "secure"
        MODELS_DIR = tmp_path / "models"
        SESSION_COOKIE_SECURE = True
        REMEMBER_COOKIE_SECURE = True

    secure_app = create_test_app(Secure)
    with secure_app.app_context():
        create_user(db.session, email="secure@example.org", password=PASSWORD)
    response = _login(secure_app.test_client(), "secure@example.org", remember="y")
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_secure_cookies_follow_the_environment_variable():
    code = "from matchmaker.config import Config as C; print(C.SESSION_COOKIE_SECURE, C.REMEMBER_COOKIE_SECURE)"
    env = {**os.environ, "MATCHMAKER_SECURE_COOKIES": "1"}
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert output.stdout.split() == ["True", "True"]
    assert Config.REMEMBER_COOKIE_SECURE == Config.SESSION_COOKIE_SECURE


def test_remember_cookie_dies_with_logout(app, users):
    first = app.test_client()
    remember = _cookie(_login(first, users["buyer"], remember="y"), "remember_token")
    token = remember.split(";")[0].split("=", 1)[1]
    second = app.test_client()
    second.set_cookie("remember_token", token)
    assert users["buyer"].encode() in second.get("/").data  # the cookie alone logs in...
    first.post("/auth/logout")
    third = app.test_client()
    third.set_cookie("remember_token", token)
    assert users["buyer"].encode() not in third.get("/").data  # ...until the account logs out


# -- CSRF on every form ---------------------------------------------------------------------------------

PAGES = [(row, role) for row in ACCESS for role in ("anonymous", "buyer", "startup", "staff", "admin")
         if row.method == "GET" and getattr(row, role) == 200 and not row.url.startswith(("/api/", "/static/"))]
POSTS = [(row, role) for row in ACCESS for role in ("anonymous", "buyer", "startup", "staff", "admin")
         if row.method == "POST" and not row.url.startswith("/api/") and getattr(row, role) not in (L, 403, 404)]


@pytest.mark.parametrize(("row", "role"), PAGES, ids=[f"{r.url} {role}" for r, role in PAGES])
def test_every_post_form_carries_a_valid_csrf_token(fresh_world, row, role):
    fresh_world.app.config["WTF_CSRF_ENABLED"] = True
    client = fresh_world.client(role)
    url = fresh_world.url(row.url)
    response = client.get(url)
    if not response.mimetype == "text/html":
        return
    forms = {form["action"]: form for form in post_forms(response.get_data(as_text=True))}  # one per target
    for form in sorted(forms.values(), key=lambda f: "logout" in f["action"]):  # log out last
        assert form["inputs"].get("csrf_token"), f"a POST form of {url} has no csrf_token: {form['action']}"
        target = form["action"] or url
        without = {k: v for k, v in form["inputs"].items() if k != "csrf_token"}
        refused = client.post(target, data=without)
        assert refused.status_code == 400 and b"CSRF" in refused.data, (target, refused.status_code)
        accepted = client.post(target, data=form["inputs"])
        assert b"CSRF" not in accepted.data, (target, accepted.status_code)


@pytest.mark.parametrize(("row", "role"), POSTS, ids=[f"{r.url} {role}" for r, role in POSTS])
def test_every_post_without_a_token_is_refused(fresh_world, row, role):
    fresh_world.app.config["WTF_CSRF_ENABLED"] = True
    response = fresh_world.client(role).post(fresh_world.url(row.url), data={"csrf_token": "forged"})
    assert response.status_code == 400 and b"CSRF" in response.data


def test_api_writes_refuse_form_posts(fresh_world):
    """The API is exempt from CSRF tokens because it only takes JSON, which an HTML form cannot send."""
    fresh_world.app.config["WTF_CSRF_ENABLED"] = True
    client = fresh_world.client("buyer")
    for row in ACCESS:
        if row.url.startswith("/api/") and row.method == "POST" and row.buyer not in (L, 403):
            response = client.post(fresh_world.url(row.url), data={"title": "x"}, content_type="text/plain")
            assert response.status_code in (404, 415), (row.url, response.status_code)


# -- password policy --------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short", "          ", "aaaaaaaaaaaa", "ababababab", "x" * 201,
                                      "jeanne@example.org", "JEANNE@example.org", "jeanne"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(InvalidQuery) as caught:
        check_password_policy(password, "jeanne@example.org")
    assert caught.value.field == "password" and caught.value.message


def test_create_user_command_explains_a_refused_password(runner):
    result = runner.invoke(args=["create-user", "jeanne@example.org", "--password", "court"])
    assert result.exit_code != 0 and "au moins 10 caractères" in result.output
    assert check_password_policy("un mot de passe correct", "jeanne@example.org") is None


# -- lockout and user enumeration ----------------------------------------------------------------------------


def _strip_form_values(html: str) -> str:
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_unknown_address_wrong_password_and_inactive_account_look_the_same(app, users):
    with app.app_context():
        db.session.scalar(select(User).where(User.email == users["buyer2"])).is_active_account = False
        db.session.commit()
    answers = []
    for email, password in ((users["buyer"], "wrong password!"), ("nobody@example.org", "wrong password!"),
                            (users["buyer2"], PASSWORD)):
        response = _login(app.test_client(), email, password)
        answers.append((response.status_code, _strip_form_values(response.get_data(as_text=True))))
    assert answers[0][0] == 400 and "Adresse ou mot de passe incorrect" in answers[0][1]
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.slow
def test_unknown_address_costs_the_same_time_as_a_wrong_password(app, users):
    client = app.test_client()

    def timed(email: str) -> float:
        start = time.perf_counter()
        _login(client, email, "wrong password!")
        return time.perf_counter() - start

    timed(users["buyer"]), timed("nobody@example.org")  # warm up
    known = statistics.median(timed(users["buyer"]) for _ in range(5))
    unknown = statistics.median(timed(f"nobody{i}@example.org") for i in range(5))
    assert 0.5 < unknown / known < 2.0, (known, unknown)


def _throttled_app(tmp_path):
    class Throttled(TestConfig):
        INSTANCE_DIR = tmp_path / "throttled"
        MODELS_DIR = tmp_path / "models"
        RATELIMIT_ENABLED = True
        LOGIN_RATE_LIMIT = "1000 per minute"
        LOGIN_ACCOUNT_RATE_LIMIT = "3 per minute"

    return create_test_app(Throttled)


def test_an_account_locks_after_failures_with_the_same_message_for_unknown_addresses(tmp_path):
    app = _throttled_app(tmp_path)
    with app.app_context():
        hashed = PasswordHasher().hash(PASSWORD)
        for name in ("locked", "other", "happy"):
            db.session.add(User(email=f"{name}-{tmp_path.name}@example.org", password_hash=hashed))
        db.session.commit()
    locked, other, happy = (f"{name}-{tmp_path.name}@example.org" for name in ("locked", "other", "happy"))
    unknown = f"ghost-{tmp_path.name}@example.org"
    client = app.test_client()
    replies = {}
    for email in (locked, unknown):
        codes = [_login(client, email, "wrong password!").status_code for _ in range(3)]
        assert codes == [400, 400, 400]
        last = _login(client, email, PASSWORD if email == locked else "wrong password!")  # even the right one
        replies[email] = (last.status_code, last.get_data(as_text=True).replace(email, "<address>"))
    assert replies[locked][0] == replies[unknown][0] == 429
    assert replies[locked][1] == replies[unknown][1]
    assert "Trop de tentatives de connexion" in replies[locked][1]
    assert _login(app.test_client(), other, PASSWORD).status_code == 302  # other accounts are not affected
    assert [_login(app.test_client(), happy, PASSWORD).status_code for _ in range(5)] == [302] * 5  # successes free


# -- structured auth logs --------------------------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_login_success_failure_and_logout_are_logged_without_passwords(app, users):
    handler = _Records()
    logger = logging.getLogger("matchmaker.auth")
    logger.addHandler(handler)
    try:
        client = app.test_client()
        _login(client, "a-password-typed-in-the-email-field", "x")  # refused by the form: nothing logged
        _login(client, users["buyer"], "not the password")
        _login(client, users["buyer"])
        client.post("/auth/logout")
    finally:
        logger.removeHandler(handler)
    events = [record.fields["event"] for record in handler.records]
    assert events == ["login.failure", "login.success", "logout"]
    assert handler.records[0].fields["email"] == users["buyer"]
    for record in handler.records:
        text = f"{record.getMessage()} {record.fields}"
        assert PASSWORD not in text and "not the password" not in text and "typed-in-the-email" not in text


# -- behind a reverse proxy ------------------------------------------------------------------------------------


def test_behind_a_proxy_each_visitor_has_its_own_login_limit(tmp_path):
    class Proxied(TestConfig):
        INSTANCE_DIR = tmp_path / "proxied"
        MODELS_DIR = tmp_path / "models"
        RATELIMIT_ENABLED = True
        PROXY_HOPS = 1
        LOGIN_RATE_LIMIT = "2 per minute"
        LOGIN_ACCOUNT_RATE_LIMIT = "1000 per minute"

    app = create_test_app(Proxied)

    @app.get("/seen-by-the-app")
    def seen() -> str:
        return f"{request.scheme}://{request.host} {request.remote_addr}"

    client = app.test_client()

    def attempt(ip: str) -> int:
        data = {"email": f"x-{tmp_path.name}@example.org", "password": "wrong password!"}
        return client.post("/auth/login", data=data, headers={"X-Forwarded-For": ip}).status_code

    assert [attempt("198.51.100.7") for _ in range(3)] == [400, 400, 429]
    assert attempt("203.0.113.9") == 400  # another visitor behind the same proxy is not locked out
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "mm.example", "X-Forwarded-For": "192.0.2.1"}
    assert client.get("/seen-by-the-app", headers=headers).get_data(as_text=True) == "https://mm.example 192.0.2.1"


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example", "/\\evil.example", "\\\\evil.example",
                                    "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "evil.example"])
def test_login_never_redirects_off_site(app, users, target):
    response = app.test_client().post("/auth/login", query_string={"next": target},
                                      data={"email": users["buyer"], "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
