"""The admin area: list users, invite, deactivate, change role, force a password reset, unlock; every action in
the audit log; administrators only (the access-control table has a row per admin route for every role).
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlalchemy import select

from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, OutboxMessage, User
from tests.support.apps import create_test_app

from .conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _login(client, email: str, password: str = PASSWORD):
    return client.post("/auth/login", data={"email": email, "password": password})


def _link_in_last_mail(recipient: str) -> str:
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                .order_by(OutboxMessage.id.desc()))
    return re.search(r"https?://\S+", message.body).group(0)


def test_admin_lists_users_with_role_status_and_login_failures(fresh_world):
    admin = fresh_world.client("admin")
    page = admin.get("/admin/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for account in ("buyer", "buyer2", "startup", "startup2", "staff", "admin"):
        assert f"{account}@example.org" in html
    assert "Échecs de connexion" in html and "Budget global" in html
    filtered = admin.get("/admin/?role=staff").get_data(as_text=True)
    assert "staff@example.org" in filtered and "buyer2@example.org" not in filtered
    searched = admin.get("/admin/?q=startup2").get_data(as_text=True)
    assert "startup2@example.org" in searched and "buyer@example.org" not in searched


def test_admin_has_an_administration_menu_and_staff_does_not(fresh_world):
    assert 'href="/admin/"' in fresh_world.client("admin").get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in fresh_world.client("staff").get("/").get_data(as_text=True)


def test_invite_sends_a_link_on_the_external_url_that_sets_the_password(fresh_world):
    app = fresh_world.app
    app.config["EXTERNAL_URL"] = "https://matchmaker.example.org"
    admin = fresh_world.client("admin")
    response = admin.post("/admin/inviter", data={"email": "New.Person@Example.org", "name": "Nouvelle",
                                                  "role": "staff"})
    assert response.status_code == 302
    with app.app_context():
        invited = _user("new.person@example.org")
        assert invited is not None and invited.role == "staff" and invited.name == "Nouvelle"
        link = _link_in_last_mail("new.person@example.org")
        (event,) = _audit("admin.invite")
        assert event.details["role"] == "staff" and event.object_id == invited.public_id
    assert link.startswith("https://matchmaker.example.org/auth/mot-de-passe/")  # not the request's localhost
    visitor = app.test_client()
    assert _login(visitor, "new.person@example.org", NEW_PASSWORD).status_code == 400  # no password yet
    path = link.removeprefix("https://matchmaker.example.org")
    assert visitor.get(path).status_code == 200
    mismatch = visitor.post(path, data={"password": NEW_PASSWORD, "confirm": "something else entirely"})
    assert mismatch.status_code == 400
    assert visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert visitor.get(path).status_code == 404  # the link works once
    assert _login(visitor, "new.person@example.org", NEW_PASSWORD).status_code == 302
    again = admin.post("/admin/inviter", data={"email": "new.person@example.org", "role": "buyer"})
    assert again.status_code == 400 and "existe déjà" in again.get_data(as_text=True)


def test_deactivating_an_account_ends_its_sessions_and_refuses_its_logins(fresh_world):
    app = fresh_world.app
    buyer = app.test_client()
    assert _login(buyer, "buyer2@example.org").status_code == 302
    admin = fresh_world.client("admin")
    user_id = fresh_world.ids["user"]
    assert admin.post(f"/admin/utilisateurs/{user_id}/desactiver").status_code == 302
    assert buyer.get("/besoins/").status_code == 302  # sent back to the login page
    assert _login(app.test_client(), "buyer2@example.org").status_code == 400
    assert admin.post(f"/admin/utilisateurs/{user_id}/reactiver").status_code == 302
    assert _login(app.test_client(), "buyer2@example.org").status_code == 302
    with app.app_context():
        assert [e.action for e in _audit("admin.deactivate") + _audit("admin.reactivate")] == [
            "admin.deactivate", "admin.reactivate"]


def test_changing_a_role_takes_effect_at_once_and_is_audited(fresh_world):
    app = fresh_world.app
    admin = fresh_world.client("admin")
    user_id = fresh_world.ids["user"]
    buyer2 = fresh_world.client("buyer2")
    assert buyer2.get("/equipe/").status_code == 403
    assert admin.post(f"/admin/utilisateurs/{user_id}/role", data={"role": "staff"}).status_code == 302
    assert buyer2.get("/equipe/").status_code == 200
    assert admin.post(f"/admin/utilisateurs/{user_id}/role", data={"role": "pirate"}).status_code == 400
    with app.app_context():
        (event,) = _audit("admin.change_role")
        assert (event.details["from"], event.details["to"]) == ("buyer", "staff")


def test_an_admin_cannot_lock_themselves_or_the_platform_out(fresh_world):
    app = fresh_world.app
    admin = fresh_world.client("admin")
    with app.app_context():
        own_id = _user("admin@example.org").public_id
    demoted = admin.post(f"/admin/utilisateurs/{own_id}/role", data={"role": "buyer"})
    assert demoted.status_code == 409
    assert admin.post(f"/admin/utilisateurs/{own_id}/desactiver").status_code == 409
    with app.app_context():
        assert _user("admin@example.org").role == "admin" and _user("admin@example.org").is_active_account


def test_forcing_a_password_reset_logs_out_and_mails_a_reset_link(fresh_world):
    app = fresh_world.app
    session = app.test_client()
    assert _login(session, "buyer2@example.org").status_code == 302
    admin = fresh_world.client("admin")
    assert admin.post(f"/admin/utilisateurs/{fresh_world.ids['user']}/mot-de-passe").status_code == 302
    assert session.get("/besoins/").status_code == 302  # logged out everywhere
    assert _login(app.test_client(), "buyer2@example.org").status_code == 400  # the old password is gone
    with app.app_context():
        link = _link_in_last_mail("buyer2@example.org")
        assert len(_audit("admin.reset_password")) == 1
    path = link[link.index("/auth/"):]
    visitor = app.test_client()
    assert visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert _login(app.test_client(), "buyer2@example.org", NEW_PASSWORD).status_code == 302


def test_unlock_clears_the_login_failures_shown_to_the_admin(tmp_path):
    class Throttled(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        RATELIMIT_ENABLED = True
        LOGIN_ACCOUNT_RATE_LIMIT = "2 per hour"

    app = create_test_app(Throttled)
    with app.app_context():
        hashed = PasswordHasher().hash(PASSWORD)
        db.session.add_all([User(email="root@example.org", password_hash=hashed, role="admin"),
                            User(email="victim@example.org", password_hash=hashed, role="buyer")])
        db.session.commit()
        victim_id = _user("victim@example.org").public_id
    for _ in range(2):
        assert _login(app.test_client(), "victim@example.org", "wrong password!").status_code == 400
    assert _login(app.test_client(), "victim@example.org").status_code == 429
    admin = app.test_client()
    assert _login(admin, "root@example.org").status_code == 302
    listing = admin.get("/admin/").get_data(as_text=True)
    assert "Bloqué" in listing
    detail = admin.get(f"/admin/utilisateurs/{victim_id}").get_data(as_text=True)
    assert "2 échecs" in detail
    assert admin.post(f"/admin/utilisateurs/{victim_id}/debloquer").status_code == 302
    assert _login(app.test_client(), "victim@example.org").status_code == 302
    with app.app_context():
        (event,) = _audit("admin.unlock")
        assert event.details["failures"] == 2
    history = admin.get(f"/admin/utilisateurs/{victim_id}").get_data(as_text=True)
    assert "admin.unlock" in history
