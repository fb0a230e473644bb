"""The livret through the test client: the member's draft and submission with a completeness score computed
from real needs, staff review and publication, certification verification with its expiry date, and the
daily expiry check that takes a lapsed certificate out of the search and tells the members."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, CertificationVerification, Organisation, OutboxMessage, ProfileRevision, User

SUPPLIER = "eudamed:FR-MF-000002928"  # PARASITE DESIGN, a real EUDAMED manufacturer known by its record only
NEED = ("Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces en titane et leur "
        "stérilisation, pour une pré-série d'implants avant le marquage CE. Délai de trois mois.")
SOON = (date.today() + timedelta(days=10)).isoformat()
FORM = {
    "activities": ["machining", "cleanroom_assembly"],
    "activities_note": "Usinage 5 axes de pièces jusqu'à 300 mm.",
    "materials": ["titanium", "peek"],
    "certifications-0-label": "ISO 13485", "certifications-0-number": "FR-2024-118",
    "certifications-0-body": "LNE/GMED", "certifications-0-expires_on": SOON,
    "certifications-1-label": "", "certifications-2-label": "",
    "equipment": "Centre d'usinage 5 axes\nSalle blanche ISO 7",
    "batch_min": "10", "batch_max": "5000", "lead_time_weeks": "4",
    "sectors": ["medical_devices"], "client_types": ["device_manufacturers"],
    "description_fr": "Usinage de précision d'implants en titane.",
    "description_en": "Precision machining of titanium implants.",
}


def _member(app, user_id) -> None:
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == SUPPLIER))
        user = db.session.get(User, user_id("startup"))
        user.organisation_id, user.organisation_role, org.claimed = org.id, "owner", True
        db.session.commit()


def _org() -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.key == SUPPLIER))


def test_completeness_names_what_to_add_with_the_demand_of_real_needs(app, login, user_id, make_need):
    _member(app, user_id)
    for _ in range(2):
        make_need(status="submitted", text=NEED)
    make_need(status="draft", text=NEED)  # drafts are not demand
    page = login("startup").get("/membre/livret").get_data(as_text=True)
    assert "Complétude : 0 %" in page
    # machining, sterilisation and CE marking (regulatory affairs) in each of the two submitted needs
    assert "Ajoutez vos procédés : les besoins de vos clients les citent 6 fois ce mois-ci." in page
    assert "Usinage (fraisage, tournage) ×2" in page
    assert "en exigent 4 ce mois-ci" in page and "ISO 13485 ×2" in page  # ISO 13485 and MDR (CE marking)
    english = login("startup").get("/membre/livret?lang=en").get_data(as_text=True)
    assert "Machining (milling, turning)" in english and "Completeness: 0 %" in english


def test_draft_then_submission_then_staff_publication_verification_and_expiry(app, login, user_id):
    _member(app, user_id)
    member = login("startup")
    bad = member.post("/membre/livret", data={**FORM, "batch_min": "50", "batch_max": "5", "save": "1"})
    assert bad.status_code == 400 and "La taille de série minimale dépasse la maximale." in bad.get_data(as_text=True)
    assert member.post("/membre/livret", data={**FORM, "save": "1"}).status_code == 302
    page = member.get("/membre/livret").get_data(as_text=True)
    assert "Brouillon enregistré" in page and "Usinage 5 axes de pièces" in page
    with app.app_context():
        assert _org().livret is None  # a draft is not live
    staff = login("staff")
    assert "livret de compétences" not in staff.get("/equipe/?tab=revisions").get_data(as_text=True)

    assert member.post("/membre/livret", data={**FORM, "send": "1"}).status_code == 302
    assert "en attente de relecture" in member.get("/membre/livret").get_data(as_text=True)
    with app.app_context():
        revision = db.session.scalar(select(ProfileRevision).where(ProfileRevision.scope == "livret"))
        assert revision.status == "pending" and _org().livret is None
    queue = staff.get("/equipe/?tab=revisions").get_data(as_text=True)
    assert "livret de compétences" in queue and revision.public_id in queue
    review = staff.get(f"/equipe/modifications/{revision.public_id}").get_data(as_text=True)
    assert "Usinage (fraisage, tournage), Assemblage en salle blanche" in review
    assert "ISO 13485 (FR-2024-118, LNE/GMED" in review and "nouvellement déclarées" in review
    assert staff.post(f"/equipe/modifications/{revision.public_id}/valider").status_code == 302

    public = login(None).get(f"/organisations/{SUPPLIER}").get_data(as_text=True)
    assert "Livret de compétences" in public and "Usinage (fraisage, tournage)" in public and "déclarée" in public
    form = staff.get(f"/equipe/organisations/{SUPPLIER}/modifier").get_data(as_text=True)
    assert f'value="{SOON}"' in form  # the livret's expiry date is offered to the verifier
    assert staff.post(f"/equipe/organisations/{SUPPLIER}/certifications",
                      data={"label": "ISO 13485", "action": "verify", "note": "Certificat vu", "expires_on": SOON}
                      ).status_code == 302
    with app.app_context():
        check = db.session.scalar(select(CertificationVerification))
        assert check.expires_on.isoformat() == SOON
    assert "vérifiée" in login(None).get(f"/organisations/{SUPPLIER}").get_data(as_text=True)
    search = login(None).get("/api/search?q=usinage+titane+implants&certification=ISO+13485&verified=1").get_json()
    assert SUPPLIER in [r["organisation"]["key"] for r in search["results"]]

    later = (date.today() + timedelta(days=11)).isoformat()
    result = app.test_cli_runner().invoke(args=["livret-expiries", "--today", later])
    assert result.exit_code == 0 and f"{SUPPLIER} : ISO 13485 expirée" in result.output
    with app.app_context():
        org = _org()
        assert org.certifications == [] and not org.verifications
        assert "ISO 13485" not in " ".join(e.text for e in org.evidence if e.source == "livret")
        told = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "startup@example.org",
                                                             OutboxMessage.subject.startswith("Certification expirée")))
        assert told is not None
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == SUPPLIER)).all()
        assert {"livret.draft", "livret.submit", "profile.revision_approve", "certification.verify",
                "certification.expired"} <= set(actions)
    again = app.test_cli_runner().invoke(args=["livret-expiries", "--today", later])
    assert "0 certification(s) expirée(s)" in again.output  # told once
    search = login(None).get("/api/search?q=usinage+titane+implants&certification=ISO+13485").get_json()
    assert SUPPLIER not in [r["organisation"]["key"] for r in search["results"]]
