"""Staff see the profiles to complete, most wanted first (by what recent needs cite and they could offer), and
nudge them at most once a fortnight, each nudge in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Evidence, Organisation, OutboxMessage, User
from matchmaker.services.livret.priorities import profiles_to_complete

NEED = ("Nous cherchons un sous-traitant pour l'usinage et le polissage de pièces en titane, certifié ISO 13485, "
        "pour des implants rachidiens. Lots de 200 pièces.")


def _manufacturers() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(Organisation.kind == "manufacturer")
                                   .order_by(Organisation.id)))


def test_profiles_to_complete_are_ordered_by_the_demand_for_what_they_offer(app, make_need, login, user_id):
    with app.app_context():
        first, second, *_ = _manufacturers()
        first.evidence.append(Evidence(key="t:1", kind="description", text="Usinage de pièces en titane."))
        second.evidence.append(Evidence(key="t:2", kind="description", text="Polissage de pièces."))
        second.certifications = ["ISO 13485"]
        db.session.commit()
        keys = first.key, second.key
    for _ in range(3):
        make_need(status="submitted", text=NEED)
    with app.app_context():
        page = profiles_to_complete(db.session)
        ranked = {p.key: p for p in page.items}
        # first: machining + titanium cited by 3 needs each = 6; second: surface treatment + ISO 13485 = 6 too,
        # both ahead of every manufacturer offering nothing the needs cite (left out)
        assert set(ranked) == set(keys) and all(p.demand == 6 for p in page.items)
        assert ranked[keys[0]].top_terms == (("Usinage (fraisage, tournage)", 3), ("Titane et alliages de titane", 3)) \
            or ranked[keys[0]].top_terms == (("Titane et alliages de titane", 3), ("Usinage (fraisage, tournage)", 3))
        assert all(p.score == 0 for p in page.items)
    staff = login("staff")
    html = staff.get("/staff/dashboard/livrets").get_data(as_text=True)
    assert "Livrets à compléter" in html and keys[0] in html and "Relancer" in html
    assert login("buyer").get("/staff/dashboard/livrets").status_code == 403


def test_nudges_reach_the_members_say_why_and_are_rate_limited(app, make_need, login, user_id):
    with app.app_context():
        org = _manufacturers()[0]
        org.evidence.append(Evidence(key="t:1", kind="description", text="Usinage de pièces en titane."))
        member = db.session.get(User, user_id("startup"))
        member.organisation_id, member.organisation_role, org.claimed = org.id, "owner", True
        db.session.commit()
        key = org.key
    make_need(status="submitted", text=NEED)
    staff = login("staff")
    assert staff.post(f"/staff/dashboard/livrets/{key}/relance").status_code == 302
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "startup@example.org",
                                                                OutboxMessage.kind == "reminder"))
        assert "cité 2 fois ce que vous pourriez offrir" in message.body and "/membre/livret" in message.body
    again = staff.post(f"/staff/dashboard/livrets/{key}/relance", follow_redirects=True).get_data(as_text=True)
    assert "Une relance a déjà été envoyée" in again
    with app.app_context():
        nudges = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "livret.nudge")).all()
        assert len(nudges) == 1 and nudges[0].object_id == key
