"""Several people per organisation, one owner: the owner invites colleagues (a password link in the outbox),
removes them and hands the account over; colleagues cannot manage the team; every step is audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Organisation, OutboxMessage, User


def _owner(app, org_key, user_id) -> str:
    key = org_key("manufacturer")
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        user = db.session.get(User, user_id("startup"))
        user.organisation_id, user.organisation_role, org.claimed = org.id, "owner", True
        db.session.commit()
    return key


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def test_the_owner_invites_a_colleague_who_sets_a_password_and_joins(app, login, org_key, user_id):
    key = _owner(app, org_key, user_id)
    owner = login("startup")
    page = owner.get("/membre/equipe").get_data(as_text=True)
    assert "responsable du compte" in page and "Inviter un collègue" in page
    assert owner.post("/membre/equipe/inviter", data={"email": "pas-une-adresse"}).status_code == 400
    taken = owner.post("/membre/equipe/inviter", data={"email": "buyer@example.org"})
    assert taken.status_code == 400 and "existe déjà" in taken.get_data(as_text=True)
    assert owner.post("/membre/equipe/inviter", data={"email": "Qualite@Fabricant.example", "name": "Q. Ualité"}
                      ).status_code == 302
    with app.app_context():
        colleague = _user("qualite@fabricant.example")
        assert colleague.role == "member" and colleague.organisation_role == "colleague" and not colleague.has_password
        assert colleague.organisation.key == key
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == colleague.email))
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == key)).all()
    assert "member.invite" in actions
    token = re.search(r"/auth/mot-de-passe/(\S+)", message.body).group(1)
    anonymous = app.test_client()
    assert anonymous.post(f"/auth/mot-de-passe/{token}", data={"password": "un mot de passe solide 42",
                                                                "confirm": "un mot de passe solide 42"}
                          ).status_code == 302
    assert anonymous.post("/auth/login", data={"email": "qualite@fabricant.example",
                                               "password": "un mot de passe solide 42"}).status_code == 302
    home = anonymous.get("/membre/").get_data(as_text=True)
    assert "Modifier ma fiche" in home
    team = anonymous.get("/membre/equipe").get_data(as_text=True)
    assert "Inviter un collègue" not in team  # a colleague does not manage the team
    assert anonymous.post("/membre/equipe/inviter", data={"email": "autre@fabricant.example"}).status_code == 403


def test_the_owner_hands_the_account_over_and_removes_a_colleague(app, login, org_key, user_id):
    key = _owner(app, org_key, user_id)
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        second = db.session.get(User, user_id("startup2"))
        second.organisation_id, second.organisation_role = org.id, "colleague"
        db.session.commit()
        second_id, owner_id = second.public_id, db.session.get(User, user_id("startup")).public_id
    owner = login("startup")
    owner.post(f"/membre/equipe/{owner_id}/retirer")
    with app.app_context():
        assert db.session.get(User, user_id("startup")).organisation_id is not None  # one cannot remove oneself
    assert owner.post(f"/membre/equipe/{second_id}/responsable").status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id("startup")).organisation_role == "colleague"
        assert db.session.get(User, user_id("startup2")).organisation_role == "owner"
    assert owner.post(f"/membre/equipe/{second_id}/retirer").status_code == 403  # no longer the owner
    new_owner = login("startup2")
    assert new_owner.post(f"/membre/equipe/{owner_id}/retirer").status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id("startup")).organisation_id is None
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == key)).all()
        assert {"member.transfer", "member.remove"} <= set(actions)
    assert login("startup").get("/membre/equipe").status_code == 404
