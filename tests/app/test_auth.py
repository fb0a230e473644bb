"""Login, logout, session invalidation, safe redirects and login rate limiting."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_login_with_good_and_bad_credentials(client, users):
    bad = client.post("/auth/login", data={"email": users["buyer"], "password": "wrong password"})
    assert bad.status_code == 400 and b"incorrect" in bad.data
    good = client.post("/auth/login", data={"email": users["buyer"].upper(), "password": PASSWORD})
    assert good.status_code == 302
    assert users["buyer"].encode() in client.get("/").data


def test_logout_invalidates_every_session_of_the_account(app, users):
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/auth/login", data={"email": users["staff"], "password": PASSWORD})
        assert users["staff"].encode() in c.get("/").data
    first.post("/auth/logout")
    assert users["staff"].encode() not in first.get("/").data
    assert users["staff"].encode() not in second.get("/").data


def test_logout_requires_post(client, auth, users):
    auth.login(users["buyer"])
    assert client.get("/auth/logout").status_code == 405


def test_next_redirect_only_to_local_paths(client, users):
    outside = client.post(
        "/auth/login?next=https://evil.example/x", data={"email": users["buyer"], "password": PASSWORD}
    )
    assert outside.headers["Location"] == "/"
    client.post("/auth/logout")
    local = client.post("/auth/login?next=/a-propos", data={"email": users["buyer"], "password": PASSWORD})
    assert local.headers["Location"] == "/a-propos"


def test_login_is_rate_limited(tmp_path):
    from matchmaker.config import TestConfig
    from matchmaker.extensions import db
    from matchmaker.services.accounts import create_user
    from tests.support.apps import create_test_app

    class Config(TestConfig):
        INSTANCE_DIR = tmp_path
        MODELS_DIR = tmp_path / "models"
        RATELIMIT_ENABLED = True
        LOGIN_RATE_LIMIT = "3 per minute"

    app = create_test_app(Config)
    with app.app_context():
        create_user(db.session, email="a@example.org", password=PASSWORD)
    client = app.test_client()
    codes = [
        client.post("/auth/login", data={"email": "a@example.org", "password": "nope nope"}).status_code
        for _ in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]
    assert client.get("/auth/login").status_code == 200  # only attempts are limited


def test_password_is_stored_hashed(app, users):
    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == users["buyer"]))
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
