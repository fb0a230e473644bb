"""Staff review and curation through the test client: labels with who/when/why, reorder, publish."""

from __future__ import annotations

import json

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, CurationDecision, OutboxMessage, Suggestion, User
from matchmaker.services.curation import training_examples
from tests.support.workflows import need_row


def _suggestions(public_id: str) -> list[Suggestion]:
    return sorted(need_row(public_id).suggestions, key=lambda s: s.position)


def test_staff_validates_a_need_and_gets_suggestions_with_score_parts(login, make_need, app):
    public_id = make_need(status="submitted")
    staff = login("staff")
    queue = staff.get("/equipe/").get_data(as_text=True)
    assert "Caractérisation de biomatériaux implantables" in queue
    review = staff.get(f"/equipe/besoins/{public_id}")
    assert review.status_code == 200 and "Contrôle qualité" in review.get_data(as_text=True)

    response = staff.post(f"/equipe/besoins/{public_id}/valider")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/equipe/besoins/{public_id}/curation")
    page = staff.get(f"/equipe/besoins/{public_id}/curation").get_data(as_text=True)
    assert "Rang moteur" in page and "Score global" in page
    with app.app_context():
        need = need_row(public_id)
        assert need.status == "validated"
        suggestions = _suggestions(public_id)
        assert len(suggestions) == 20
        assert all(s.score_parts and s.engine_rank for s in suggestions)
        assert {"lexical", "dense"} <= set(suggestions[0].score_parts)
        owner_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "buyer@example.org"))
        assert owner_mail is not None and "validé" in owner_mail.subject


def test_every_curation_decision_is_a_label_with_who_when_why(login, make_need, app, user_id):
    public_id = make_need(status="validated")
    with app.app_context():
        first, second, third = (s.id for s in _suggestions(public_id)[:3])
    staff = login("staff")
    base = f"/equipe/besoins/{public_id}/suggestions"

    assert staff.post(f"{base}/{first}/decision", data={"decision": "accept"}).status_code == 302
    missing_reason = staff.post(f"{base}/{second}/decision", data={"decision": "reject"}, follow_redirects=True)
    assert "Choisissez la raison du rejet" in missing_reason.get_data(as_text=True)
    staff.post(f"{base}/{second}/decision",
               data={"decision": "reject", "reason_category": "not_certified", "reason_text": "Pas ISO 13485"})
    other = staff.post(f"{base}/{third}/decision", data={"decision": "reject", "reason_category": "other"},
                       follow_redirects=True)
    assert "Précisez la raison du rejet" in other.get_data(as_text=True)

    with app.app_context():
        labels = db.session.scalars(select(CurationDecision).order_by(CurationDecision.id)).all()
        assert [(d.decision, d.reason_category) for d in labels] == [("accept", None), ("reject", "not_certified")]
        rejected = labels[1]
        assert rejected.staff_id == user_id("staff")
        assert rejected.created_at is not None
        assert rejected.reason_text == "Pas ISO 13485"
        assert rejected.rank_position == 2 and rejected.engine_rank == 2
        assert rejected.score is not None and "lexical" in rejected.score_parts
        assert [s.status for s in _suggestions(public_id)[:3]] == ["accepted", "rejected", "proposed"]
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == public_id)).all()
        assert "suggestion.accept" in actions and "suggestion.reject" in actions

    labels_page = staff.get("/equipe/etiquettes").get_data(as_text=True)
    assert "Pas ISO 13485" in labels_page and "Non certifié" in labels_page


def test_staff_reorders_adds_by_hand_and_publishes_to_the_buyer(login, make_need, app, org_key):
    public_id = make_need(status="validated", sought_kinds=("lab",))
    platform = org_key("platform")
    with app.app_context():
        ids = [s.id for s in _suggestions(public_id)]
    staff = login("staff")
    base = f"/equipe/besoins/{public_id}"
    staff.post(f"{base}/suggestions/{ids[2]}/deplacer", data={"direction": "up"})
    with app.app_context():
        assert [s.id for s in _suggestions(public_id)][:3] == [ids[0], ids[2], ids[1]]

    assert staff.post(f"{base}/suggestions/ajouter", data={"organisation": "nope:123"}).status_code == 400
    added = staff.post(f"{base}/suggestions/ajouter", data={"organisation": platform, "reason_text": "connue"})
    assert added.status_code == 302
    again = staff.post(f"{base}/suggestions/ajouter", data={"organisation": platform})
    assert again.status_code == 400 and "déjà proposée" in again.get_data(as_text=True)

    published = staff.post(f"{base}/publier", follow_redirects=True)
    assert "Sélection publiée" in published.get_data(as_text=True)
    with app.app_context():
        need = need_row(public_id)
        assert need.published_at is not None
        manual = next(s for s in need.suggestions if s.source == "staff")
        assert manual.status == "accepted" and manual.organisation.key == platform
        label = manual.decisions[0]
        assert label.decision == "accept" and label.reason_text == "connue" and label.score is not None

    buyer_page = login("buyer").get(f"/besoins/{public_id}").get_data(as_text=True)
    assert "Sélection de l&#39;équipe" in buyer_page or "Sélection de l'équipe" in buyer_page


def test_publishing_needs_an_accepted_suggestion(login, make_need, app):
    public_id = make_need(status="validated")
    response = login("staff").post(f"/equipe/besoins/{public_id}/publier", follow_redirects=True)
    assert "Acceptez au moins une suggestion" in response.get_data(as_text=True)
    with app.app_context():
        assert need_row(public_id).published_at is None


def test_curation_of_an_unvalidated_need_is_refused(login, make_need):
    public_id = make_need(status="submitted")
    response = login("staff").get(f"/equipe/besoins/{public_id}/curation")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/equipe/besoins/{public_id}")


def test_staff_edits_a_submitted_need(login, make_need, app):
    public_id = make_need(status="submitted")
    staff = login("staff")
    assert staff.get(f"/equipe/besoins/{public_id}/modifier").status_code == 200
    response = staff.post(f"/equipe/besoins/{public_id}/modifier", data={
        "title": "Titre reformulé par l'équipe", "description": "Texte reformulé pour être plus clair.",
        "confidentiality": "public",
    })
    assert response.status_code == 302
    with app.app_context():
        assert need_row(public_id).title == "Titre reformulé par l'équipe"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "need.edit"))
        assert event.details == {"by_staff": True}


def test_audit_log_is_readable_by_staff_only(login, make_need):
    public_id = make_need(status="validated")
    staff = login("staff")
    page = staff.get("/equipe/journal").get_data(as_text=True)
    assert "need.validate" in page and public_id in page
    filtered = staff.get(f"/equipe/journal?type=need&id={public_id}").get_data(as_text=True)
    assert "need.create" in filtered
    assert staff.get("/equipe/journal?action=introduction.").status_code == 200
    assert login("buyer").get("/equipe/journal").status_code == 403
    assert login("admin").get("/equipe/journal").status_code == 200


def _label_many(app, public_id: str, accepted: int, rejected: int) -> None:
    from matchmaker.services import curation

    with app.app_context():
        staff = db.session.scalar(select(User).where(User.role == "staff"))
        suggestions = _suggestions(public_id)
        for suggestion in suggestions[:accepted]:
            curation.decide(db.session, staff, suggestion, "accept")
        for suggestion in suggestions[accepted : accepted + rejected]:
            curation.decide(db.session, staff, suggestion, "reject", reason_category="off_topic")


def test_train_reranker_stays_off_until_enough_labels(app, runner, make_need, users):
    model = app.config["MODELS_DIR"] / "reranker.json"
    public_id = make_need(status="validated")
    _label_many(app, public_id, 3, 3)
    result = runner.invoke(args=["train-reranker"])
    assert result.exit_code == 0, result.output
    assert "non activé" in result.output and not model.exists()

    _label_many(app, public_id, 8, 0)  # relabelling: only the latest decision per organisation counts
    _label_many(app, make_need(status="validated", title="Second besoin de biomatériaux"), 6, 6)
    with app.app_context():
        rows, labels = training_examples(db.session)
    assert len(rows) == len(labels) == 6 + 12 + 2
    result = runner.invoke(args=["train-reranker", "--min-labels", "10"])
    assert result.exit_code == 0, result.output
    assert "gain invérifiable" in result.output and not model.exists()  # two needs cannot validate it
    result = runner.invoke(args=["train-reranker", "--min-labels", "10", "--no-check"])
    assert result.exit_code == 0, result.output
    saved = json.loads(model.read_text())
    assert saved["active"] is True and saved["n_labels"] == 20
    assert "part:lexical" in saved["feature_names"]
