"""Privacy (GDPR): unclaimed profiles are marked, organisations export and erase their data, staff read the log."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Evidence,
    Introduction,
    Need,
    Organisation,
    OutboxMessage,
    Shortlist,
    User,
)
from matchmaker.services.audit import record
from matchmaker.services.introductions import request_introduction

from .conftest import PASSWORD


def _export(world, account: str) -> dict:
    response = world.client(account).get("/mes-donnees/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    return json.loads(response.get_data(as_text=True))


def test_auto_built_profiles_are_marked_unclaimed(fresh_world):
    client = fresh_world.client(None)
    lab = fresh_world.ids["lab"]
    assert client.get(f"/api/organisations/{lab}").get_json()["claimed"] is False
    assert "non revendiqué" in client.get(f"/organisations/{lab}").get_data(as_text=True)
    assert client.get(f"/api/organisations/{fresh_world.ids['org']}").get_json()["claimed"] is True


def test_a_buyer_exports_its_needs_lists_introductions_and_their_audit(fresh_world):
    data = _export(fresh_world, "buyer")
    raw = json.dumps(data, ensure_ascii=False)
    assert data["organisation"]["key"] == "decp-buyer:26130008100484"
    assert [account["email"] for account in data["accounts"]] == ["buyer@example.org"]
    assert {need["id"] for need in data["needs"]} == {fresh_world.ids["need"], fresh_world.ids["draft"]}
    assert [s["id"] for s in data["shortlists"]] == [fresh_world.ids["shortlist"]]
    assert [i["id"] for i in data["introductions"]["requested"]] == [fresh_world.ids["intro"]]
    actions = {(event["action"], event["by"]) for event in data["audit"]}
    assert ("need.create", "member") in actions and ("need.validate", "staff") in actions
    # Nothing of other accounts, no secrets, no staff identities.
    for foreign in (fresh_world.ids["other_need"], fresh_world.ids["other_shortlist"], "buyer2@example.org",
                    "staff@example.org", "$argon2", "password"):
        assert foreign not in raw, foreign


def test_a_startup_export_hides_who_asked_until_it_accepts(fresh_world):
    with fresh_world.app.app_context():  # a request staff have not forwarded yet: the start-up must not know
        org = db.session.scalar(select(Organisation).where(Organisation.key == fresh_world.ids["org"]))
        held_back = request_introduction(db.session, fresh_world.user("buyer2"), org, "Une demande en attente.")
        held_back_id = held_back.public_id
    data = _export(fresh_world, "startup")
    received = data["introductions"]["received"]
    assert [(i["id"], i["requester"]) for i in received] == [(fresh_world.ids["intro"], None)]
    raw = json.dumps(data, ensure_ascii=False)
    assert held_back_id not in raw and "buyer@example.org" not in raw and "buyer2@example.org" not in raw
    assert {e["by"] for e in data["audit"] if e["object_id"] == fresh_world.ids["intro"]} == {"other user", "staff"}
    answer = fresh_world.client("startup").post(fresh_world.url("/mises-en-relation/{intro}/repondre"),
                                                data={"answer": "accept"})
    assert answer.status_code == 302
    received = _export(fresh_world, "startup")["introductions"]["received"]
    assert received[0]["requester"] == "buyer@example.org" and received[0]["status"] == "accepted"
    data = _export(fresh_world, "startup")
    assert data["organisation"]["claimed"] is True and data["organisation"]["evidence"]


def _state(world) -> dict:
    with world.app.app_context():
        return {
            "needs": db.session.scalar(select(func.count(Need.id))),
            "organisations": db.session.scalar(select(func.count(Organisation.id))),
            "users": db.session.scalar(select(func.count(User.id))),
            "audit": db.session.scalar(select(func.count(AuditEvent.id))),
        }


def test_erasure_needs_the_word_and_the_password(fresh_world):
    before = _state(fresh_world)
    client = fresh_world.client("buyer")
    wrong_word = client.post("/mes-donnees/supprimer", data={"confirmation": "oui", "password": PASSWORD})
    assert wrong_word.status_code == 400 and "SUPPRIMER" in wrong_word.get_data(as_text=True)
    wrong_password = client.post("/mes-donnees/supprimer", data={"confirmation": "SUPPRIMER", "password": "nope"})
    assert wrong_password.status_code == 400 and "Mot de passe incorrect" in wrong_password.get_data(as_text=True)
    assert _state(fresh_world) == before


def test_erasure_removes_the_organisation_and_its_content_but_keeps_a_minimal_audit(fresh_world):
    ids = fresh_world.ids
    org_key = "decp-buyer:26130008100484"
    with fresh_world.app.app_context():
        buyer = fresh_world.user("buyer")
        buyer_id, need_ids = buyer.id, [ids["need"], ids["draft"]]
        record(db.session, buyer, "need.edit", "need", ids["need"], reason="une note privée")
        db.session.commit()
        before_other = db.session.scalar(select(func.count(Need.id)).where(Need.owner_id != buyer_id))
    client = fresh_world.client("buyer")
    response = client.post("/mes-donnees/supprimer", data={"confirmation": "supprimer", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert b"buyer@example.org" not in client.get("/").data  # logged out, and the session is dead
    assert client.get("/besoins/").status_code == 302

    with fresh_world.app.app_context():
        session = db.session
        user = session.get(User, buyer_id)
        assert user.email == f"deleted-{buyer_id}@deleted.invalid" and not user.is_active_account
        assert user.name == "" and user.organisation_id is None and not user.check_password(PASSWORD)
        assert session.scalar(select(Organisation).where(Organisation.key == org_key)) is None
        assert not session.scalar(select(func.count(Evidence.id)).where(Evidence.key.like(f"{org_key}%")))
        assert not session.scalar(select(func.count(Need.id)).where(Need.public_id.in_(need_ids)))
        assert not session.scalar(select(func.count(Shortlist.id)).where(Shortlist.owner_id == buyer_id))
        assert not session.scalar(select(func.count(Introduction.id)).where(Introduction.requester_id == buyer_id))
        assert not session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.user_id == buyer_id))
        assert session.scalar(select(func.count(Need.id))) == before_other  # other accounts keep theirs
        kept = list(session.scalars(select(AuditEvent).where(AuditEvent.object_id == ids["need"])))
        assert {event.action for event in kept} >= {"need.create", "need.validate", "need.edit"}
        assert all(event.details == {} for event in kept)  # who did what, when: yes; what they wrote: no
        erased = session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.delete"))
        assert erased.object_id == org_key and erased.details["needs"] == 2
        assert not session.execute(text("PRAGMA foreign_key_check")).fetchall()  # no dangling reference
    assert client.post("/auth/login", data={"email": "buyer@example.org", "password": PASSWORD}).status_code == 400
    assert fresh_world.client(None).get(f"/api/organisations/{org_key}").status_code == 404
    staff_log = fresh_world.client("staff").get("/equipe/journal", query_string={"action": "privacy."})
    assert org_key in staff_log.get_data(as_text=True)


def test_an_account_without_organisation_erases_only_itself(fresh_world):
    with fresh_world.app.app_context():
        organisations = db.session.scalar(select(func.count(Organisation.id)))
    client = fresh_world.client("startup2")
    assert "votre seul compte" in client.get("/mes-donnees/").get_data(as_text=True)
    response = client.post("/mes-donnees/supprimer", data={"confirmation": "SUPPRIMER", "password": PASSWORD})
    assert response.status_code == 302
    with fresh_world.app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == organisations
        assert fresh_world.user("startup2") is None  # the address is gone
        assert not db.session.execute(text("PRAGMA foreign_key_check")).fetchall()


def test_staff_read_the_audit_log_filtered_and_paginated(fresh_world):
    with fresh_world.app.app_context():
        staff = fresh_world.user("staff")
        for n in range(60):
            record(db.session, staff, "test.step", "need", f"object-{n}")
        db.session.commit()
    client = fresh_world.client("staff")
    first = client.get("/equipe/journal", query_string={"action": "test."}).get_data(as_text=True)
    assert first.count("<code>test.step</code>") == 50 and "offset=50" in first
    second = client.get("/equipe/journal", query_string={"action": "test.", "offset": 50}).get_data(as_text=True)
    assert second.count("<code>test.step</code>") == 10
    one = client.get("/equipe/journal", query_string={"type": "need", "id": fresh_world.ids["need"]})
    body = one.get_data(as_text=True)
    assert "need.validate" in body and "object-1" not in body
    assert fresh_world.client("buyer").get("/equipe/journal").status_code == 403
