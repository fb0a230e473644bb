"""Double opt-in introductions: the organisation's contact stays hidden until it accepts; staff copied."""

from __future__ import annotations

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Introduction, Organisation, OutboxMessage, User

CONTACT = "contact-secret@lab.example"
MESSAGE = "Bonjour, nous aimerions échanger sur la caractérisation de nos biomatériaux."


def _prepare_lab(app, org_key, user_id, member: str | None = "startup2") -> str:
    """Give the first lab a contact e-mail and, optionally, a member account; return its key."""
    key = org_key("lab")
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        org.contact_email = CONTACT
        if member:
            db.session.get(User, user_id(member)).organisation_id = org.id
            org.claimed = True
        db.session.commit()
    return key


def _request(client, key: str, need: str | None = None) -> str:
    data = {"organisation": key, "message": MESSAGE}
    if need:
        data["need"] = need
    response = client.post("/mises-en-relation/nouvelle", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_double_opt_in_reveals_contact_only_after_acceptance(login, make_need, app, org_key, user_id):
    key = _prepare_lab(app, org_key, user_id)
    need = make_need(status="validated")
    buyer = login("buyer")
    form = buyer.get(f"/mises-en-relation/nouvelle?organisation={key}&need={need}")
    assert form.status_code == 200
    intro = _request(buyer, key, need)
    page = buyer.get(f"/mises-en-relation/{intro}").get_data(as_text=True)
    assert CONTACT not in page and "restent masquées" in page
    with app.app_context():
        copies = db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "introduction")).all()
        assert {"staff@example.org", "admin@example.org"} <= set(copies)

    member = login("startup2")
    assert member.get(f"/mises-en-relation/{intro}").status_code == 404  # not forwarded yet
    assert intro not in member.get("/mises-en-relation/").get_data(as_text=True)

    staff = login("staff")
    assert staff.post(f"/equipe/mises-en-relation/{intro}/examiner", data={"decision": "approve"}).status_code == 302

    member = login("startup2")
    incoming = member.get(f"/mises-en-relation/{intro}").get_data(as_text=True)
    assert "Votre réponse" in incoming and CONTACT not in incoming and "buyer@example.org" not in incoming
    assert login("buyer").get(f"/mises-en-relation/{intro}").get_data(as_text=True).count(CONTACT) == 0

    member = login("startup2")
    assert member.post(f"/mises-en-relation/{intro}/repondre", data={"answer": "accept"}).status_code == 302
    revealed = login("buyer").get(f"/mises-en-relation/{intro}").get_data(as_text=True)
    assert CONTACT in revealed and "startup2@example.org" in revealed
    assert "buyer@example.org" in login("startup2").get(f"/mises-en-relation/{intro}").get_data(as_text=True)
    with app.app_context():
        record = db.session.scalar(select(Introduction).where(Introduction.public_id == intro))
        assert [e.status for e in record.events] == ["requested", "staff_approved", "accepted"]
        assert record.events[2].on_behalf is False
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == intro)).all()
        assert actions == ["introduction.requested", "introduction.staff_approved", "introduction.accepted"]
        staff_copies = db.session.scalars(
            select(OutboxMessage.subject).where(OutboxMessage.recipient == "staff@example.org")
        ).all()
        assert any("accepted" in subject for subject in staff_copies)


def test_introductions_are_not_reachable_by_others(login, app, org_key, user_id):
    key = _prepare_lab(app, org_key, user_id)
    intro = _request(login("buyer"), key)
    for other in ("buyer2", "startup"):
        client = login(other)
        assert client.get(f"/mises-en-relation/{intro}").status_code == 404
        assert client.post(f"/mises-en-relation/{intro}/repondre", data={"answer": "accept"}).status_code == 404
    assert login("buyer").post(f"/mises-en-relation/{intro}/repondre", data={"answer": "accept"}).status_code == 403
    assert login(None).get(f"/mises-en-relation/{intro}").status_code == 302
    assert login("buyer2").get(f"/equipe/mises-en-relation/{intro}").status_code == 403


def test_staff_answer_for_an_unclaimed_organisation_and_declines_hide_contact(login, app, org_key, user_id):
    key = _prepare_lab(app, org_key, user_id, member=None)
    buyer = login("buyer")
    intro = _request(buyer, key)
    assert buyer.post("/mises-en-relation/nouvelle", data={"organisation": key, "message": MESSAGE}).status_code == 400

    staff = login("staff")
    review = staff.get(f"/equipe/mises-en-relation/{intro}").get_data(as_text=True)
    assert "sans compte" in review
    staff.post(f"/equipe/mises-en-relation/{intro}/message", data={"message": MESSAGE + " (reformulé)"})
    staff.post(f"/equipe/mises-en-relation/{intro}/examiner", data={"decision": "approve"})
    assert "Répondre au nom de l" in staff.get(f"/equipe/mises-en-relation/{intro}").get_data(as_text=True)
    staff.post(f"/mises-en-relation/{intro}/repondre", data={"answer": "decline", "note": "Pas disponible"})

    page = login("buyer").get(f"/mises-en-relation/{intro}").get_data(as_text=True)
    assert CONTACT not in page and "Déclinée" in page and "(reformulé)" in page
    with app.app_context():
        record = db.session.scalar(select(Introduction).where(Introduction.public_id == intro))
        assert record.status == "declined" and record.events[-1].on_behalf is True


def test_staff_refusal_needs_a_reason(login, app, org_key, user_id):
    key = _prepare_lab(app, org_key, user_id)
    intro = _request(login("buyer"), key)
    staff = login("staff")
    assert staff.post(f"/equipe/mises-en-relation/{intro}/examiner", data={"decision": "reject"}).status_code == 400
    ok = staff.post(f"/equipe/mises-en-relation/{intro}/examiner",
                    data={"decision": "reject", "note": "Hors périmètre"})
    assert ok.status_code == 302
    assert login("startup2").get(f"/mises-en-relation/{intro}").status_code == 404
    assert "Hors périmètre" in login("buyer").get(f"/mises-en-relation/{intro}").get_data(as_text=True)


def test_request_validation(login, app, org_key, user_id, make_need):
    key = _prepare_lab(app, org_key, user_id)
    buyer = login("buyer")
    short = buyer.post("/mises-en-relation/nouvelle", data={"organisation": key, "message": "Salut"})
    assert short.status_code == 400
    assert buyer.get("/mises-en-relation/nouvelle?organisation=nope").status_code == 404
    foreign_need = make_need("buyer2", status="validated")
    stolen = buyer.post("/mises-en-relation/nouvelle", data={"organisation": key, "message": MESSAGE,
                                                             "need": foreign_need})
    assert stolen.status_code == 404
    own = login("startup2").post("/mises-en-relation/nouvelle", data={"organisation": key, "message": MESSAGE})
    assert own.status_code == 400  # one's own organisation
    assert login("staff").get(f"/mises-en-relation/nouvelle?organisation={key}").status_code == 403
