"""Edits of a claimed profile go to staff review; the live profile (and the index) stay as they are until
staff approve. Declared certifications read "déclarée" until staff verify them, and the certification filter
can require verified ones.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, CertificationVerification, Organisation, OutboxMessage, ProfileRevision, User

EDIT = {
    "name": "Otolab Robotique",
    "kind": "startup",
    "description": "Robot chirurgical miniaturisé pour la microchirurgie de l'oreille interne (cochlée), "
                   "développé avec des ORL hospitaliers.",
    "competences": "robotique chirurgicale\nmicrochirurgie\notologie",
    "certifications": ["ISO 13485"],
    "region": "Occitanie",
    "city": "Toulouse",
    "website": "https://otolab.example",
    "contact_email": "contact@otolab.example",
}
QUERY = "/api/search?q=robot+microchirurgie+cochl%C3%A9e+oreille+interne&kind=startup&limit=5"


def _claimed(app, org_key, user_id, account: str = "startup") -> tuple[str, str]:
    key = org_key("startup")
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        db.session.get(User, user_id(account)).organisation_id = org.id
        org.claimed = True
        db.session.commit()
        return key, org.name


def _org(key: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.key == key))


def _keys(response) -> list[str]:
    return [r["organisation"]["key"] for r in response.get_json()["results"]]


def _revision() -> ProfileRevision:
    return db.session.scalar(select(ProfileRevision).order_by(ProfileRevision.id.desc()))


def test_an_edit_waits_for_review_and_the_live_profile_stays(login, app, org_key, user_id):
    key, name = _claimed(app, org_key, user_id)
    member = login("startup")
    response = member.post("/membre/profil", data=EDIT, follow_redirects=True)
    assert response.status_code == 200 and "en attente de validation" in response.get_data(as_text=True)
    with app.app_context():
        org = _org(key)
        assert org.name == name and "ISO 13485" not in (org.certifications or [])
        assert _revision().status == "pending"
    assert key not in _keys(member.get(QUERY))  # the proposed text is not indexed
    assert name in member.get(f"/organisations/{key}").get_data(as_text=True)
    form = member.get("/membre/profil").get_data(as_text=True)
    assert "Otolab Robotique" in form and "en attente de validation" in form  # the member sees their proposal

    staff = login("staff")
    queue = staff.get("/equipe/?tab=revisions").get_data(as_text=True)
    with app.app_context():
        revision_id = _revision().public_id
    assert revision_id in queue
    review = staff.get(f"/equipe/modifications/{revision_id}").get_data(as_text=True)
    assert name in review and "Otolab Robotique" in review and "ISO 13485" in review
    assert staff.post(f"/equipe/modifications/{revision_id}/valider").status_code == 302
    with app.app_context():
        org = _org(key)
        assert org.name == "Otolab Robotique" and org.certifications == ["ISO 13485"]
        assert _revision().status == "approved"
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == key)).all()
        assert "profile.revision" in actions and "profile.revision_approve" in actions
    assert _keys(member.get(QUERY))[0] == key  # searchable once approved
    page = member.get(f"/organisations/{key}").get_data(as_text=True)
    assert "ISO 13485" in page and "déclarée" in page


def test_a_rejected_edit_leaves_the_profile_and_tells_the_member(login, app, org_key, user_id):
    key, name = _claimed(app, org_key, user_id)
    login("startup").post("/membre/profil", data=EDIT)
    with app.app_context():
        revision_id = _revision().public_id
    staff = login("staff")
    assert staff.post(f"/equipe/modifications/{revision_id}/refuser", data={"reason": ""}).status_code == 400
    assert staff.post(f"/equipe/modifications/{revision_id}/refuser",
                      data={"reason": "Certificat ISO 13485 non fourni."}).status_code == 302
    with app.app_context():
        assert _org(key).name == name and _revision().status == "rejected"
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "startup@example.org")
                                 .order_by(OutboxMessage.id.desc()))
        assert "Certificat ISO 13485 non fourni." in mail.body
    assert "Certificat ISO 13485 non fourni." in login("startup").get("/membre/profil").get_data(as_text=True)


def test_a_second_edit_replaces_the_pending_one(login, app, org_key, user_id):
    key, _ = _claimed(app, org_key, user_id)
    member = login("startup")
    member.post("/membre/profil", data=EDIT)
    member.post("/membre/profil", data={**EDIT, "name": "Otolab Robotique SAS"})
    with app.app_context():
        pending = db.session.scalars(select(ProfileRevision).where(ProfileRevision.status == "pending")).all()
        assert len(pending) == 1 and pending[0].proposed["name"] == "Otolab Robotique SAS"


def test_staff_edits_apply_at_once(login, app, org_key):
    key = org_key("lab")
    staff = login("staff")
    form = staff.get(f"/equipe/organisations/{key}/modifier").get_data(as_text=True)
    assert 'name="name"' in form
    assert staff.post(f"/equipe/organisations/{key}/modifier", data={**EDIT, "kind": "lab"}).status_code == 302
    with app.app_context():
        assert _org(key).name == "Otolab Robotique"
        assert db.session.scalar(select(ProfileRevision)) is None


def test_the_certification_filter_can_require_verified_ones(login, app, org_key, user_id):
    key, _ = _claimed(app, org_key, user_id)
    login("startup").post("/membre/profil", data=EDIT)
    staff = login("staff")
    with app.app_context():
        revision_id = _revision().public_id
    staff.post(f"/equipe/modifications/{revision_id}/valider")
    anyone = login(None)
    declared = anyone.get(f"{QUERY}&certification=ISO+13485")
    assert _keys(declared) == [key]
    assert declared.get_json()["results"][0]["organisation"]["certification_status"] == {"ISO 13485": "declared"}
    assert _keys(anyone.get(f"{QUERY}&certification=ISO+13485&verified=1")) == []
    page = anyone.get("/?q=robot+microchirurgie+cochl%C3%A9e&certification=ISO+13485&verified=1")
    assert page.status_code == 200 and key not in page.get_data(as_text=True)

    # "vérifiée" means the certificate was seen and its expiry date is known: no date, no verification
    staff.post(f"/equipe/organisations/{key}/certifications", data={"label": "ISO 13485", "action": "verify"})
    assert _keys(anyone.get(f"{QUERY}&certification=ISO+13485&verified=1")) == []
    assert staff.post(f"/equipe/organisations/{key}/certifications",
                      data={"label": "ISO 13485", "action": "verify", "note": "Certificat vu",
                            "expires_on": "2099-06-30"}).status_code == 302
    assert _keys(anyone.get(f"{QUERY}&certification=ISO+13485&verified=1")) == [key]
    html = anyone.get(f"/organisations/{key}").get_data(as_text=True)
    assert re.search(r"ISO 13485[^<]*</span>\s*<span[^>]*>\s*vérifiée", html) or "ISO 13485 · vérifiée" in html
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "certification.verify"))

    member = login("startup")
    member.post("/membre/profil", data={**EDIT, "certifications": []})  # the member drops the certification
    with app.app_context():
        revision_id = _revision().public_id
    staff.post(f"/equipe/modifications/{revision_id}/valider")
    with app.app_context():
        assert db.session.scalar(select(CertificationVerification)) is None  # a dropped label loses its check
    assert _keys(anyone.get(f"{QUERY}&certification=ISO+13485&verified=1")) == []
