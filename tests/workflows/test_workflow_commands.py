"""Workflow CLI commands: demo data, saved-search alerts, outbox delivery."""

from __future__ import annotations

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Need, OutboxMessage, ProfileClaim, ProfileRevision, SavedSearch, Shortlist, User
from matchmaker.services.alerts import create_saved_search


def test_seed_demo_creates_a_curated_need_once(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "demo-password-123"])
    assert result.exit_code == 0, result.output
    assert "demo-acheteur@example.org" in result.output
    with app.app_context():
        # buyer, staff, start-up member, admin, and the member of the example subcontractor (livret demo)
        assert db.session.scalar(select(func.count(User.id))) == 5
        livret = db.session.scalar(select(ProfileRevision).where(ProfileRevision.scope == "livret"))
        assert livret.status == "pending" and livret.organisation.key == "example:usinage-precision-rhone"
        assert livret.organisation.verifications[0].label == "ISO 13485"
        statuses = sorted(db.session.scalars(select(Need.status)))
        assert statuses == ["submitted", "validated"]
        published = db.session.scalar(select(Need).where(Need.status == "validated"))
        assert published.published_at is not None
        assert len(db.session.scalar(select(Shortlist)).entries) == 3
        assert db.session.scalar(select(ProfileClaim)) is not None
    again = runner.invoke(args=["seed-demo", "--password", "demo-password-123"])
    assert again.exit_code == 0 and "déjà présentes" in again.output


def test_send_alerts_then_deliver_outbox(app, runner, users, make_need):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == users["startup"]))
        create_saved_search(app.extensions["matchmaker"], db.session, owner, name="Biomatériaux",
                            query="caractérisation biomatériaux implantables prothèses", max_chars=4000,
                            max_results=100)
    make_need(status="validated")
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 0 and "1 alerte" in result.output
    with app.app_context():
        assert db.session.scalar(select(SavedSearch)).known_needs
        pending = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "pending"))
        assert pending >= 2
    delivered = runner.invoke(args=["deliver-outbox"])
    assert delivered.exit_code == 0 and f"{pending} message(s)" in delivered.output
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "pending")) == 0
