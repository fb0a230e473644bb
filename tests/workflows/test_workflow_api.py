"""The workflow JSON API: same flows and permissions as the pages."""

from __future__ import annotations

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organisation, User
from tests.support.workflows import NEED_TEXT


def test_buyer_creates_submits_and_reads_a_need(login):
    client = login("buyer")
    created = client.post("/api/needs", json={
        "title": "Caractérisation de biomatériaux", "description": NEED_TEXT, "sought_kinds": ["lab"],
        "certifications": ["ISO 13485"], "region": "Occitanie", "deadline": "2099-01-31",
    })
    assert created.status_code == 201
    need = created.json
    assert need["status"] == "draft" and need["deadline"] == "2099-01-31" and len(need["id"]) >= 16
    submitted = client.post(f"/api/needs/{need['id']}/submit", json={})
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    assert [n["id"] for n in client.get("/api/needs").json["needs"]] == [need["id"]]
    assert client.get(f"/api/needs/{need['id']}/matches").status_code == 409  # not validated yet

    other = login("buyer2")
    assert other.get(f"/api/needs/{need['id']}").status_code == 404
    assert other.get(f"/api/needs/{need['id']}/matches").status_code == 404
    assert other.get("/api/needs").json["needs"] == []
    assert len(login("staff").get("/api/needs?status=submitted").json["needs"]) == 1


def test_api_rejects_bad_bodies_with_clear_messages(login):
    client = login("buyer")
    assert client.post("/api/needs", data={"title": "form post"}).status_code == 415
    bad = client.post("/api/needs", json={"title": "x", "description": NEED_TEXT})
    assert bad.status_code == 400 and "titre" in bad.json["error"]["message"]
    assert client.post("/api/needs", json=["not", "an", "object"]).status_code == 400
    wrong_type = client.post("/api/needs", json={"title": "Un titre", "description": NEED_TEXT, "sought_kinds": "lab"})
    assert wrong_type.status_code == 400
    bad_date = client.post("/api/needs", json={"title": "Un titre", "description": NEED_TEXT, "deadline": "demain"})
    assert bad_date.status_code == 400


def test_matches_and_curation_decisions_through_the_api(login, make_need, app):
    public_id = make_need(status="validated", certifications=("ISO 13485",))
    buyer = login("buyer")
    matches = buyer.get(f"/api/needs/{public_id}/matches?limit=5")
    assert matches.status_code == 200
    results = matches.json["results"]
    assert len(results) == 5 and results[0]["rank"] == 1
    assert results[0]["must_haves"] == [{"label": "ISO 13485", "met": False}]
    assert "score_parts" in results[0] and "evidence" in results[0]
    assert buyer.get(f"/api/needs/{public_id}/suggestions").status_code == 403

    staff = login("staff")
    suggestions = staff.get(f"/api/needs/{public_id}/suggestions").json["suggestions"]
    first = suggestions[0]["id"]
    refused = staff.post(f"/api/needs/{public_id}/suggestions/{first}/decision", json={"decision": "reject"})
    assert refused.status_code == 400 and refused.json["error"]["message"]
    decided = staff.post(f"/api/needs/{public_id}/suggestions/{first}/decision",
                         json={"decision": "reject", "reason_category": "too_early", "reason_text": "TRL 3"})
    assert decided.status_code == 201
    label = decided.json
    assert label["staff"] == "staff@example.org" and label["reason_category"] == "too_early"
    assert label["score_parts"] and label["rank_position"] == 1
    assert staff.get("/api/curation/decisions").json["decisions"][0]["id"] == label["id"]
    assert login("buyer").get("/api/curation/decisions").status_code == 403


def test_shortlists_api_is_private(login, org_key):
    client = login("startup")
    created = client.post("/api/shortlists", json={"name": "Plateformes"})
    assert created.status_code == 201
    list_id = created.json["id"]
    added = client.post(f"/api/shortlists/{list_id}/entries", json={"organisation": org_key("platform"), "note": "=1"})
    assert added.status_code == 201 and added.json["entries"][0]["note"] == "=1"
    assert client.get("/api/shortlists").json["shortlists"][0]["size"] == 1
    other = login("buyer")
    assert other.get(f"/api/shortlists/{list_id}").status_code == 404
    assert other.post(f"/api/shortlists/{list_id}/entries", json={"organisation": org_key("lab")}).status_code == 404


def test_introductions_api_hides_contact_until_acceptance(login, app, org_key, user_id):
    key = org_key("lab")
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        org.contact_email = "secret@lab.example"
        db.session.get(User, user_id("startup2")).organisation_id = org.id
        db.session.commit()
    buyer = login("buyer")
    created = buyer.post("/api/introductions", json={"organisation": key, "message": "Bonjour, pouvons-nous parler ?"})
    assert created.status_code == 201
    intro = created.json
    assert intro["status"] == "requested" and intro["contact"] is None
    assert login("buyer2").get(f"/api/introductions/{intro['id']}").status_code == 404
    assert login("startup2").get("/api/introductions").json["incoming"] == []

    login("staff").post(f"/equipe/mises-en-relation/{intro['id']}/examiner", data={"decision": "approve"})
    member = login("startup2")
    incoming = member.get("/api/introductions").json["incoming"]
    assert [i["id"] for i in incoming] == [intro["id"]] and incoming[0]["contact"] is None
    assert "secret@lab.example" not in login("buyer").get(f"/api/introductions/{intro['id']}").get_data(as_text=True)

    login("startup2").post(f"/mises-en-relation/{intro['id']}/repondre", data={"answer": "accept"})
    contact = login("buyer").get(f"/api/introductions/{intro['id']}").json["contact"]
    assert contact["organisation_email"] == "secret@lab.example"
    assert contact["people"] == [{"name": "Startup2", "email": "startup2@example.org"}]
