"""Members (here, a start-up's) through the test client: claim or create a profile, join a claimed one, edit it,
matches, saved searches and alerts."""

from __future__ import annotations

import logging

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Organisation, OutboxMessage, ProfileClaim, SavedSearch, User
from matchmaker.services.alerts import check_saved_searches, deliver_outbox
from matchmaker.services.profiles import project_matches

PROFILE = {
    "name": "Nanoptic Santé",
    "kind": "startup",
    "description": "Capteurs optiques nanostructurés pour le diagnostic rapide des infections urinaires "
    "au chevet du patient, en partenariat avec des laboratoires de photonique.",
    "competences": "photonique\nnanostructures\ndiagnostic in vitro",
    "certifications": ["ISO 13485"],
    "region": "Occitanie",
    "city": "Toulouse",
    "website": "https://nanoptic.example",
    "contact_email": "hello@nanoptic.example",
    "message": "Je suis la fondatrice.",
}


def _claim(app) -> ProfileClaim:
    return db.session.scalar(select(ProfileClaim).order_by(ProfileClaim.id.desc()))


def test_startup_claims_an_unclaimed_profile_validated_by_staff(login, app, org_key, user_id):
    key = org_key("startup")
    with app.app_context():
        name = db.session.scalar(select(Organisation.name).where(Organisation.key == key))
    client = login("startup")
    home = client.get("/membre/").get_data(as_text=True)
    assert "Rattachez votre compte" in home
    found = client.get(f"/membre/revendiquer?q={name[:6]}").get_data(as_text=True)
    assert "non revendiqué" in found and key in found
    assert client.post(f"/membre/revendiquer/{key}", data={"message": "court"}).status_code == 400
    assert client.post(f"/membre/revendiquer/{key}", data={"message": "Je suis le président."}).status_code == 302
    again = client.post(f"/membre/revendiquer/{key}", data={"message": "Je suis le président."})
    assert again.status_code == 400 and "déjà en attente" in again.get_data(as_text=True)
    with app.app_context():
        claim_id = _claim(app).public_id

    staff = login("staff")
    assert name.split()[0] in staff.get("/equipe/?tab=profiles").get_data(as_text=True)
    assert staff.get(f"/equipe/revendications/{claim_id}").status_code == 200
    assert staff.post(f"/equipe/revendications/{claim_id}/valider").status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        assert org.claimed is True
        owner = db.session.get(User, user_id("startup"))
        assert owner.organisation_id == org.id and owner.organisation_role == "owner"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.approve")) is not None

    client = login("startup")
    assert "Modifier ma fiche" in client.get("/membre/").get_data(as_text=True)
    assert "déjà revendiquée" in client.get(f"/membre/revendiquer/{key}").get_data(as_text=True)
    # a colleague asks to join the claimed profile: staff validate it too, and the owner is told
    colleague = login("startup2")
    assert "rejoindre l'équipe" in colleague.get(f"/membre/revendiquer?q={name[:6]}").get_data(as_text=True)
    assert colleague.post(f"/membre/revendiquer/{key}", data={"message": "Moi aussi, promis."}).status_code == 302
    with app.app_context():
        join = _claim(app)
        assert join.kind == "join" and join.status == "pending"
        assert db.session.get(User, user_id("startup2")).organisation_id is None
    assert staff.post(f"/equipe/revendications/{join.public_id}/valider").status_code == 302
    with app.app_context():
        second = db.session.get(User, user_id("startup2"))
        assert second.organisation_id == org.id and second.organisation_role == "colleague"
        told = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "startup@example.org",
                                                             OutboxMessage.subject.startswith("Nouveau membre")))
        assert told is not None


def test_startup_creates_a_profile_that_becomes_searchable_after_validation(login, app):
    client = login("startup")
    bad = client.post("/membre/creer", data={**PROFILE, "website": "javascript:alert(1)", "description": "court"})
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert 'id="website-errors"' in page and 'id="description-errors"' in page
    assert client.post("/membre/creer", data=PROFILE).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.name == "Nanoptic Santé")) is None
        claim_id = _claim(app).public_id
    assert login("staff").post(f"/equipe/revendications/{claim_id}/valider").status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == "Nanoptic Santé"))
        assert org.claimed and org.certifications == ["ISO 13485"] and org.region == "Occitanie"
        assert {e.kind for e in org.evidence} == {"description", "competences"}
    found = login(None).get("/api/search?q=capteurs+optiques+nanostructur%C3%A9s+infections+urinaires&limit=5").json
    assert found["results"][0]["organisation"]["name"] == "Nanoptic Santé"
    assert "hello@nanoptic.example" not in str(found)


def test_staff_rejects_a_claim_with_a_reason(login, app, org_key):
    client = login("startup")
    client.post(f"/membre/revendiquer/{org_key('startup')}", data={"message": "Je suis le président."})
    with app.app_context():
        claim_id = _claim(app).public_id
    staff = login("staff")
    assert staff.post(f"/equipe/revendications/{claim_id}/refuser", data={"reason": ""}).status_code == 400
    refused = staff.post(f"/equipe/revendications/{claim_id}/refuser", data={"reason": "Non vérifiable"})
    assert refused.status_code == 302
    assert "Non vérifiable" in login("startup").get("/membre/").get_data(as_text=True)


def test_startup_sees_labs_and_platforms_for_its_project(login, app, org_key, user_id):
    key = org_key("startup")
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        db.session.get(User, user_id("startup")).organisation_id = org.id
        db.session.commit()
    client = login("startup")
    page = client.get("/membre/correspondances").get_data(as_text=True)
    assert "Laboratoire" in page and "Demander une mise en relation" in page
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        results = project_matches(app.extensions["matchmaker"], db.session, org, max_chars=4000, max_results=100)
        assert results.hits and {hit.organisation.kind for hit in results.hits} <= {"lab", "platform"}
    filtered = client.get("/membre/correspondances?kind=platform").get_data(as_text=True)
    assert "Filtres actifs" in filtered and "Plateforme technologique" in filtered
    assert login("buyer").get("/membre/correspondances").status_code == 403


def test_startup_matches_favour_its_region_by_default_and_can_switch_it_off(login, app, org_key, user_id):
    key = org_key("startup")
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        org.region = "Île-de-France"
        db.session.get(User, user_id("startup")).organisation_id = org.id
        db.session.commit()
        engine = app.extensions["matchmaker"]
        near = project_matches(engine, db.session, org, max_chars=4000, max_results=100)
        text_only = project_matches(engine, db.session, org, max_chars=4000, max_results=100, near_own_region=False)
    assert near.request.near_region == "Île-de-France" and text_only.request.near_region is None
    same = [h for h in near.hits if h.organisation.region == "Île-de-France"]
    assert same and all(h.match.parts["same_region"] == 1.0 for h in same)
    assert all("same_region" not in h.match.parts for h in text_only.hits)
    client = login("startup")
    page = client.get("/membre/correspondances").get_data(as_text=True)
    assert "même région" in page and 'name="proximite" value="1" checked' in page
    off = client.get("/membre/correspondances?proximite=0").get_data(as_text=True)
    assert "même région" not in off and 'name="proximite" value="1" checked' not in off


def test_saved_search_alerts_on_new_matching_profiles_and_needs(login, app, make_need, caplog):
    client = login("startup")
    prefilled = client.get("/membre/recherches?q=capteurs+optiques&kind=startup").get_data(as_text=True)
    assert "capteurs optiques" in prefilled
    assert client.post("/membre/recherches", data={"query": ""}).status_code == 400
    created = client.post("/membre/recherches", data={
        "name": "Photonique", "query": "capteurs optiques nanostructurés diagnostic infections urinaires",
        "kinds": ["startup"], "alerts_enabled": "y",
    })
    assert created.status_code == 302
    engine = app.extensions["matchmaker"]
    with app.app_context():
        assert check_saved_searches(engine, db.session, max_chars=4000, max_results=100) == 0

    login("startup2").post("/membre/creer", data=PROFILE)
    with app.app_context():
        claim_id = _claim(app).public_id
    login("staff").post(f"/equipe/revendications/{claim_id}/valider")
    make_need("buyer", status="validated", title="Capteurs optiques pour infections urinaires",
              text="Nous cherchons des capteurs optiques nanostructurés pour le diagnostic des infections "
              "urinaires à l'hôpital, avec marquage CE sous six mois.")
    with app.app_context(), caplog.at_level(logging.INFO, logger="matchmaker.outbox"):
        assert check_saved_searches(engine, db.session, max_chars=4000, max_results=100) == 1
        assert check_saved_searches(engine, db.session, max_chars=4000, max_results=100) == 0  # no repeats
        alert = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "alert"))
        assert alert.recipient == "startup@example.org"
        assert "Nanoptic Santé" in alert.body and "Capteurs optiques pour infections urinaires" in alert.body
        done, failed = deliver_outbox(db.session, app.config)
        assert failed == 0 and done >= 1 and alert.status == "logged"
    assert any("Nouveaux résultats" in record.getMessage() for record in caplog.records)
    page = client.get("/membre/recherches").get_data(as_text=True)
    assert "Nanoptic Santé" in page

    with app.app_context():
        saved_id = db.session.scalar(select(SavedSearch.public_id))
    assert login("startup2").post(f"/membre/recherches/{saved_id}/supprimer").status_code == 404
    assert login("startup").post(f"/membre/recherches/{saved_id}/supprimer").status_code == 302


def test_outbox_uses_smtp_only_when_configured(app, monkeypatch, users):
    from matchmaker.services import alerts

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

        def quit(self):
            sent.append(("quit",))

    monkeypatch.setattr(alerts.smtplib, "SMTP", FakeSMTP)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == users["buyer"]))
        alerts.notify_user(db.session, user, "test", "Sujet", "Corps")
        db.session.commit()
        assert alerts.deliver_outbox(db.session, {"MAIL_SERVER": ""}) == (1, 0)
        assert sent == []
        alerts.notify_user(db.session, user, "test", "Sujet 2", "Corps")
        db.session.commit()
        assert alerts.deliver_outbox(db.session, {"MAIL_SERVER": "smtp.local", "MAIL_PORT": 2525}) == (1, 0)
        assert sent == [("connect", "smtp.local", 2525), ("send", "buyer@example.org", "Sujet 2"), ("quit",)]


def test_staff_reviews_a_proposed_profile_and_corrects_an_unclaimed_one(login, app, org_key):
    login("startup").post("/membre/creer", data=PROFILE)
    with app.app_context():
        claim_id = _claim(app).public_id
    staff = login("staff")
    queue = staff.get("/equipe/?tab=profiles").get_data(as_text=True)
    assert "Fiches à valider <span class=\"count\">(1)</span>" in queue and "nouveau profil" in queue
    review = staff.get(f"/equipe/revendications/{claim_id}").get_data(as_text=True)
    assert "Nouveau profil proposé" in review and "photonique" in review and "hello@nanoptic.example" in review

    key = org_key("lab")
    form = staff.get(f"/equipe/organisations/{key}/modifier")
    assert form.status_code == 200
    edited = staff.post(f"/equipe/organisations/{key}/modifier", data={
        "name": "Laboratoire corrigé", "kind": "lab", "description": "Microscopie électronique et cryo-EM pour la "
        "biologie structurale des protéines membranaires.", "certifications": ["ISO 17025"],
    })
    assert edited.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        assert org.name == "Laboratoire corrigé" and org.certifications == ["ISO 17025"] and not org.claimed
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.edit"))
        assert event.object_id == key and event.details == {"by_staff": True}
    assert login("startup").get(f"/equipe/organisations/{key}/modifier").status_code == 403
