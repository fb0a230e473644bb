"""Incremental indexing: changed evidence is searchable within a second, without a full rebuild.

tests/postgres re-runs this module on PostgreSQL, where the dense side is answered by pgvector.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation
from matchmaker.ranking import HybridMatcher
from matchmaker.services.catalogue import import_profiles
from matchmaker.services.search.engine import evidence_documents
from matchmaker.services.search.indexing import IncrementalSearchEngine, apply_changes

QUERIES = ("anticorps thérapeutiques", "microfluidique diagnostic", "imagerie médicale", "cellules souches")


@pytest.fixture()
def engine(app):
    """The application's own engine: the factory serves catalogue changes incrementally."""
    current = app.extensions["matchmaker"]
    assert isinstance(current, IncrementalSearchEngine)
    with app.app_context():
        current.matcher(db.session)
    return current


def _no_rebuild(engine, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a full rebuild was started")

    monkeypatch.setattr(engine, "build", refuse)


def _top(matcher: HybridMatcher, query: str, k: int = 10) -> dict[str, float]:
    return {m.org_id: round(m.score, 4) for m in matcher.search(query, k=k)}


def test_apply_changes_ranks_like_a_fresh_fit(app, engine):
    with app.app_context():
        matcher = engine.matcher(db.session)
        docs = evidence_documents(db.session)
    edited = docs[5].__class__(docs[5].id, docs[5].org_id, "Bioimpression 3D de tissus cutanés", docs[5].kind)
    added = docs[0].__class__("new:org/text", "new:org", "Anticorps bispécifiques et imagerie médicale", "text")
    removed = {docs[9].id, docs[10].id}
    updated, dropped = apply_changes(matcher, [edited, added], removed)
    assert sorted(dropped.tolist()) == [5, 9, 10]
    final = [d for d in docs if d.id not in removed and d.id != edited.id] + [edited, added]
    fresh = HybridMatcher(encoder=matcher.encoder, **matcher.settings).fit(final)
    assert updated.table_.n_docs == fresh.table_.n_docs
    for query in (*QUERIES, "bioimpression tissus cutanés", "anticorps bispécifiques"):
        assert _top(updated, query) == pytest.approx(_top(fresh, query), abs=2e-3)


def test_new_profile_is_searchable_within_a_second_without_rebuild(app, engine, client, monkeypatch):
    csv = (
        "key,name,kind,description_fr\n"
        "example:zyg,Zygomatique Implants,subcontractor,Implants zygomatiques en titane\n"
    )
    with app.app_context():
        engine.matcher(db.session)
        _no_rebuild(engine, monkeypatch)
        assert import_profiles(db.session, csv.encode(), "f.csv").stored
        started = time.perf_counter()
        engine.matcher(db.session)
        assert time.perf_counter() - started < 1.0
    results = client.get("/api/search", query_string={"q": "implants zygomatiques", "limit": 3}).get_json()["results"]
    assert results[0]["organisation"]["key"] == "example:zyg"


def test_edited_and_deleted_evidence_leave_the_index(app, engine, monkeypatch):
    with app.app_context():
        engine.matcher(db.session)
        _no_rebuild(engine, monkeypatch)
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        evidence = org.evidence[0]
        evidence.text = "Cryomicroscopie électronique des ribozymes"
        db.session.commit()
        matches = engine.matcher(db.session).search("cryomicroscopie électronique des ribozymes", k=1)
        assert matches[0].org_id == org.key and evidence.key in matches[0].evidence_ids

        key, evidence_keys = org.key, {e.key for e in org.evidence}
        db.session.delete(org)
        db.session.commit()
        matcher = engine.matcher(db.session)
        assert not evidence_keys & set(matcher.table_.ids)
        assert key not in {m.org_id for m in matcher.search("cryomicroscopie électronique des ribozymes", k=20)}


def test_large_changes_fall_back_to_a_full_rebuild(app, engine):
    with app.app_context():
        before = engine.matcher(db.session)
        for evidence in db.session.scalars(select(Evidence)):
            evidence.text = evidence.text + " (mis à jour)"
        db.session.commit()
        after = engine.matcher(db.session)
        assert after is not before and (engine.index_dir / "manifest.json").exists()
        assert all(text.endswith("(mis à jour)") for text in after.table_.texts)


def test_searches_never_fail_while_the_index_is_rebuilt(app, engine):
    failures: list[BaseException] = []
    done = threading.Event()

    def search_until_done():
        with app.app_context():
            while not done.is_set():
                try:
                    assert engine.matcher(db.session).search("anticorps", k=5)
                except BaseException as error:  # noqa: BLE001 - reported below
                    failures.append(error)
                    return
            db.session.remove()

    reader = threading.Thread(target=search_until_done)
    reader.start()
    try:
        with app.app_context():
            for _ in range(2):
                engine.build(db.session)
    finally:
        done.set()
        reader.join(timeout=30)
    assert not failures


def test_organisation_filters_follow_an_edit_without_rebuild(app, engine, client, monkeypatch):
    with app.app_context():
        engine.matcher(db.session)
        _no_rebuild(engine, monkeypatch)
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        org.evidence[0].text = "Organoïdes hépatiques vascularisés"
        org.region = "Corse"
        key = org.key
        db.session.commit()
    found = client.get(
        "/api/search", query_string={"q": "organoïdes hépatiques vascularisés", "region": "corse", "limit": 5}
    ).get_json()["results"]
    assert [r["organisation"]["key"] for r in found][:1] == [key]
