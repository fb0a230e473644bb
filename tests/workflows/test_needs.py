"""Buyers' need flow through the test client: guided form, quality check, status, ranked organisations."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Evidence, Organisation, User
from matchmaker.services.needs import NeedInput, quality_warnings
from tests.support.workflows import NEED_TEXT, need_row


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/besoins/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_buyer_posts_a_need_then_sees_its_status(login, app):
    client = login("buyer")
    assert client.get("/besoins/").status_code == 200
    form = client.get("/besoins/nouveau")
    assert form.status_code == 200
    assert b'name="sought_kinds"' in form.data and b'name="certifications"' in form.data

    response = client.post("/besoins/nouveau", data={
        "title": "Usinage de pièces d'implants en titane",
        "description": NEED_TEXT,
        "sought_kinds": ["subcontractor", "lab"],
        "certifications": ["ISO 13485"],
        "region": "Bourgogne-Franche-Comté",
        "deadline": (date.today() + timedelta(days=90)).isoformat(),
        "confidentiality": "staff_only",
    })
    assert response.status_code == 302
    public_id = response.headers["Location"].rsplit("/", 1)[-1]
    detail = client.get(f"/besoins/{public_id}")
    assert detail.status_code == 200
    assert b"Brouillon" in detail.data
    assert "Prêt à être soumis".encode() in detail.data

    submitted = client.post(f"/besoins/{public_id}/soumettre", data={})
    assert submitted.status_code == 302
    listing = client.get("/besoins/")
    assert "Usinage de pièces".encode() in listing.data
    assert b"En attente de validation" in listing.data
    with app.app_context():
        need = need_row(public_id)
        assert need.status == "submitted"
        assert need.certifications == ["ISO 13485"] and need.confidentiality == "staff_only"
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == public_id)).all()
        assert actions == ["need.create", "need.submit"]


def test_invalid_need_shows_errors_next_to_the_fields(login):
    client = login("buyer")
    response = client.post("/besoins/nouveau", data={
        "title": "", "description": "x" * 5000, "sought_kinds": ["spaceship"], "region": "Atlantide",
        "deadline": "2001-01-01", "confidentiality": "public",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("title", "description", "sought_kinds", "region", "deadline"):
        assert f'id="{field}-errors"' in page, field
    assert "ne peut pas être dans le passé" in page


def test_vague_need_is_warned_and_needs_acknowledgement(login, make_need, app):
    public_id = make_need(text="Besoin d'aide.", title="Aide")
    client = login("buyer")
    page = client.get(f"/besoins/{public_id}").get_data(as_text=True)
    assert "difficile à traiter" in page
    assert "Précisez à quoi cela doit servir" in page
    assert "Indiquez vos contraintes" in page

    refused = client.post(f"/besoins/{public_id}/soumettre", data={})
    assert refused.status_code == 400
    assert 'id="acknowledge-errors"' in refused.get_data(as_text=True)
    with app.app_context():
        assert need_row(public_id).status == "draft"

    accepted = client.post(f"/besoins/{public_id}/soumettre", data={"acknowledge": "y"})
    assert accepted.status_code == 302
    with app.app_context():
        need = need_row(public_id)
        assert need.status == "submitted"
        assert "too_short" in need.quality_warnings


def test_quality_check_spots_what_for_what_and_constraints():
    good = NeedInput(title="Caractérisation de biomatériaux", description=NEED_TEXT, sought_kinds=("lab",))
    assert quality_warnings(good) == []
    vague = NeedInput(title="Projet", description="Un partenaire.")
    assert set(quality_warnings(vague)) == {"too_short", "missing_what", "missing_purpose", "missing_constraints"}
    english = NeedInput(
        title="Imaging platform",
        description="We are looking for a preclinical imaging platform to test a new contrast agent in small "
        "animals for our oncology programme, with GLP compliance and results within three months, budget "
        "around 40k euros, ideally close to Lyon.",
    )
    assert quality_warnings(english) == []


def test_other_buyer_startup_and_staff_routes(login, make_need):
    public_id = make_need()
    client = login("buyer2")
    for url in (f"/besoins/{public_id}", f"/besoins/{public_id}/modifier"):
        assert client.get(url).status_code == 404
    assert client.post(f"/besoins/{public_id}/soumettre", data={"acknowledge": "y"}).status_code == 404
    assert client.post(f"/besoins/{public_id}/clore").status_code == 404
    assert client.get("/equipe/").status_code == 403
    assert client.get(f"/equipe/besoins/{public_id}").status_code == 403
    assert login("startup").get("/besoins/").status_code == 403
    assert login("buyer").get("/besoins/does-not-exist").status_code == 404


def test_validated_need_ranks_organisations_with_must_haves_and_removable_filters(login, make_need, app):
    with app.app_context():
        certified = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        certified.certifications = ["ISO 13485"]
        db.session.commit()
        app.extensions["matchmaker"].build(db.session)  # facets (kind, region, certifications) are cached
        certified_name = certified.name
    public_id = make_need(status="validated", certifications=("ISO 13485",), region="Île-de-France",
                          sought_kinds=("lab", "platform"))
    client = login("buyer")
    page = client.get(f"/besoins/{public_id}").get_data(as_text=True)
    assert "Organisations classées pour ce besoin" in page
    assert 'class="results-list"' in page
    assert "tag-met" in page or "tag-unmet" in page
    assert "Pourquoi cette organisation" in page  # quoted evidence
    assert "Demander une mise en relation" in page

    filtered = client.get(f"/besoins/{public_id}?kind=lab&certification=ISO+13485").get_data(as_text=True)
    assert "Filtres actifs" in filtered
    assert "Réinitialiser les filtres" in filtered
    assert f"/besoins/{public_id}?certification=ISO+13485" in filtered  # removing the kind keeps the rest
    assert certified_name.split()[0] in filtered

    bad = client.get(f"/besoins/{public_id}?region=Atlantide")
    assert bad.status_code == 400


def test_public_validated_need_documents_the_buyer_and_closing_withdraws_it(login, make_need, app, user_id):
    with app.app_context():
        buyer_org = db.session.scalar(select(Organisation).where(Organisation.kind == "buyer"))
        db.session.get(User, user_id("buyer")).organisation_id = buyer_org.id
        db.session.commit()
        org_id = buyer_org.id
    public_id = make_need(status="validated")
    with app.app_context():
        evidence = db.session.scalar(select(Evidence).where(Evidence.key == f"need:{public_id}"))
        assert evidence is not None and evidence.organisation_id == org_id and evidence.kind == "need"
    client = login("buyer")
    assert client.post(f"/besoins/{public_id}/clore").status_code == 302
    with app.app_context():
        assert need_row(public_id).status == "closed"
        assert db.session.scalar(select(Evidence).where(Evidence.key == f"need:{public_id}")) is None


def test_staff_only_need_is_not_published_as_evidence(make_need, app, user_id):
    with app.app_context():
        buyer_org = db.session.scalar(select(Organisation).where(Organisation.kind == "buyer"))
        db.session.get(User, user_id("buyer")).organisation_id = buyer_org.id
        db.session.commit()
    public_id = make_need(status="validated", confidentiality="staff_only")
    with app.app_context():
        assert db.session.scalar(select(Evidence).where(Evidence.key == f"need:{public_id}")) is None


def test_buyer_edits_a_rejected_need_and_resubmits(login, make_need, app):
    public_id = make_need(status="submitted")
    staff = login("staff")
    assert staff.post(f"/equipe/besoins/{public_id}/refuser", data={"reason": ""}).status_code == 400
    refused = staff.post(f"/equipe/besoins/{public_id}/refuser", data={"reason": "Précisez les volumes."})
    assert refused.status_code == 302
    client = login("buyer")
    page = client.get(f"/besoins/{public_id}").get_data(as_text=True)
    assert "Précisez les volumes." in page
    edit = client.post(f"/besoins/{public_id}/modifier", data={
        "title": "Caractérisation de biomatériaux (1000 pièces/an)", "description": NEED_TEXT,
        "confidentiality": "public", "sought_kinds": ["lab"],
    })
    assert edit.status_code == 302
    assert client.post(f"/besoins/{public_id}/soumettre", data={}).status_code == 302
    with app.app_context():
        assert need_row(public_id).status == "submitted"
