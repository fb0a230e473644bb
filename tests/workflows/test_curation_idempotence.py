"""Curation decisions are one label per (need, organisation, staff member): a repeated decision updates it,
the last one wins, and the audit log keeps every step. A migration merges the duplicates stored before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import create_engine, func, inspect, pool, select, text

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, CurationDecision, Suggestion
from matchmaker.schema import upgrade
from matchmaker.services.curation import training_examples
from tests.support.workflows import need_row


def _labels(public_id: str) -> list[CurationDecision]:
    need = need_row(public_id)
    return list(db.session.scalars(select(CurationDecision).where(CurationDecision.need_id == need.id)))


def _first_suggestion(public_id: str) -> Suggestion:
    return min(need_row(public_id).suggestions, key=lambda s: s.position)


def test_a_repeated_reject_is_stored_once(login, make_need, app):
    public_id = make_need(status="validated")
    with app.app_context():
        suggestion_id = _first_suggestion(public_id).id
    staff = login("staff")
    url = f"/api/needs/{public_id}/suggestions/{suggestion_id}/decision"
    body = {"decision": "reject", "reason_category": "off_topic"}
    first, again = staff.post(url, json=body), staff.post(url, json=body)
    assert first.status_code == 201 and again.status_code == 200  # created, then the same label updated
    assert first.get_json()["id"] == again.get_json()["id"]
    with app.app_context():
        assert len(_labels(public_id)) == 1
        assert len(training_examples(db.session)[0]) == 1
        history = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == public_id,
                                                                     AuditEvent.action.like("suggestion.%"))).all()
        assert history == ["suggestion.reject", "suggestion.reject"]


def test_the_last_decision_wins_and_the_history_stays_in_the_audit_log(login, make_need, app):
    public_id = make_need(status="validated")
    with app.app_context():
        suggestion_id = _first_suggestion(public_id).id
    staff = login("staff")
    base = f"/equipe/besoins/{public_id}/suggestions/{suggestion_id}/decision"
    staff.post(base, data={"decision": "accept"})
    staff.post(base, data={"decision": "reject", "reason_category": "no_capacity", "reason_text": "Carnet plein"})
    staff.post(base, data={"decision": "accept"})
    with app.app_context():
        (label,) = _labels(public_id)
        assert (label.decision, label.reason_category, label.reason_text) == ("accept", None, "")
        assert label.updated_at >= label.created_at
        assert _first_suggestion(public_id).status == "accepted"
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == public_id,
                                                             AuditEvent.action.like("suggestion.%"))
                                    .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["suggestion.accept", "suggestion.reject", "suggestion.accept"]
        assert events[1].details["reason_category"] == "no_capacity" and events[1].details["reason"] == "Carnet plein"
    page = staff.get("/equipe/etiquettes").get_data(as_text=True)
    assert page.count("Carnet plein") == 0  # the label shows the decision in force, not the superseded one


def test_each_staff_member_keeps_their_own_label(login, make_need, app, users):
    public_id = make_need(status="validated")
    with app.app_context():
        suggestion_id = _first_suggestion(public_id).id
    url = f"/api/needs/{public_id}/suggestions/{suggestion_id}/decision"
    assert login("staff").post(url, json={"decision": "accept"}).status_code == 201
    assert login("admin").post(url, json={"decision": "reject", "reason_category": "off_topic"}).status_code == 201
    with app.app_context():
        assert sorted(label.decision for label in _labels(public_id)) == ["accept", "reject"]
        assert len(training_examples(db.session)[0]) == 1  # one example per (need, organisation): the latest


def test_the_migration_merges_duplicate_labels_keeping_the_latest(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}", poolclass=pool.NullPool)
    with engine.connect() as connection:
        upgrade(connection, "0001")
        connection.execute(text(
            "INSERT INTO users (id, email, name, password_hash, role, is_active_account, session_version, created_at) "
            "VALUES (1, 's@example.org', '', 'x', 'staff', 1, 0, '2026-11-01'), "
            "(2, 't@example.org', '', 'x', 'staff', 1, 0, '2026-11-01')"))
        connection.execute(text(
            "INSERT INTO organisations (id, key, kind, name, keywords, certifications, source, attributes, claimed, "
            "created_at, updated_at) VALUES (1, 'o:1', 'lab', 'Labo', '[]', '[]', 'import', '{}', 0, "
            "'2026-11-01', '2026-11-01')"))
        connection.execute(text(
            "INSERT INTO needs (id, public_id, owner_id, title, description, sought_kinds, certifications, "
            "confidentiality, status, quality_warnings, created_at, updated_at) VALUES (1, 'n1', 1, 'Besoin', 'x', "
            "'[]', '[]', 'public', 'validated', '[]', '2026-11-01', '2026-11-01')"))
        connection.execute(text(
            "INSERT INTO suggestions (id, need_id, organisation_id, position, status, source, score_parts, "
            "created_at, updated_at) VALUES (1, 1, 1, 1, 'rejected', 'engine', '{}', '2026-11-01', '2026-11-01')"))
        rows = [(1, 1, "accept", None, "2026-11-02 10:00:00"), (2, 1, "reject", "off_topic", "2026-11-02 11:00:00"),
                (3, 1, "reject", "off_topic", "2026-11-02 12:00:00"), (4, 2, "accept", None, "2026-11-02 09:00:00")]
        for row_id, staff_id, decision, reason, created in rows:
            connection.execute(text(
                "INSERT INTO curation_decisions (id, suggestion_id, need_id, organisation_id, staff_id, decision, "
                "reason_category, reason_text, rank_position, score_parts, created_at) VALUES "
                f"({row_id}, 1, 1, 1, {staff_id}, '{decision}', {repr(reason) if reason else 'NULL'}, '', 1, '{{}}', "
                f"'{created}')"))
        connection.commit()
        upgrade(connection)
        kept = connection.execute(text(
            "SELECT id, staff_id, decision, created_at, updated_at FROM curation_decisions ORDER BY id")).all()
        assert [(r.id, r.staff_id, r.decision) for r in kept] == [(3, 1, "reject"), (4, 2, "accept")]
        assert datetime.fromisoformat(str(kept[0].created_at)) == datetime(2026, 11, 2, 10)  # first decision
        assert datetime.fromisoformat(str(kept[0].updated_at)) == datetime(2026, 11, 2, 12)  # last decision
        uniques = inspect(connection).get_unique_constraints("curation_decisions")
        assert ["need_id", "organisation_id", "staff_id"] in [u["column_names"] for u in uniques]
        assert connection.scalar(select(func.count()).select_from(text("curation_decisions"))) == 2
    engine.dispose()
