"""Incremental indexing: writers make changed evidence searchable within a second, without a full rebuild.

Searches never refresh the index themselves (reads are pure): writers call ``SearchEngine.refresh`` after
they commit, and a background refresh catches up with changes made by other processes.
tests/postgres re-runs this module on PostgreSQL, where the dense candidates come from pgvector.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation
from matchmaker.ranking import EvidenceDoc, HybridMatcher
from matchmaker.services.catalogue import import_profiles
from matchmaker.services.search.engine import SearchEngine, evidence_documents

QUERIES = ("anticorps thérapeutiques", "microfluidique diagnostic", "imagerie médicale", "cellules souches")


@pytest.fixture()
def engine(app):
    """The application's own engine."""
    current = app.extensions["matchmaker"]
    assert isinstance(current, SearchEngine)
    with app.app_context():
        current.matcher(db.session)
    return current


def _no_rebuild(engine, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a full rebuild was started")

    monkeypatch.setattr(engine, "build", refuse)


def _top(matcher: HybridMatcher, query: str, k: int = 10) -> dict[str, float]:
    return {m.org_id: round(m.score, 4) for m in matcher.search(query, k=k)}


def test_with_changes_ranks_like_a_fresh_fit_on_the_catalogue(app, engine):
    with app.app_context():
        matcher = engine.matcher(db.session)
        docs = list(evidence_documents(db.session))
    edited = EvidenceDoc(docs[5].id, docs[5].org_id, "Bioimpression 3D de tissus cutanés", docs[5].kind)
    added = EvidenceDoc("new:org/text", "new:org", "Anticorps bispécifiques et imagerie médicale", "text")
    removed = {docs[9].id, docs[10].id}
    updated = matcher.with_changes([edited, added], removed, engine.cache_dir)
    final = [d for d in docs if d.id not in removed and d.id != edited.id] + [edited, added]
    fresh = HybridMatcher(encoder=matcher.encoder, **matcher.settings).fit(final)
    assert updated.index.n_live == fresh.index.n_live and updated.data_hash == fresh.data_hash
    for query in (*QUERIES, "bioimpression tissus cutanés", "anticorps bispécifiques"):
        assert _top(updated, query) == pytest.approx(_top(fresh, query), abs=2e-3)


def test_new_profile_is_searchable_within_a_second_without_rebuild(app, engine, client, monkeypatch):
    csv = (
        "key,name,kind,description_fr\n"
        "example:zyg,Zygomatique Implants,subcontractor,Implants zygomatiques en titane\n"
    )
    with app.app_context():
        _no_rebuild(engine, monkeypatch)
        assert import_profiles(db.session, csv.encode(), "f.csv").stored
        started = time.perf_counter()
        engine.refresh(db.session)
        assert time.perf_counter() - started < 1.0
    results = client.get("/api/search", query_string={"q": "implants zygomatiques", "limit": 3}).get_json()["results"]
    assert results[0]["organisation"]["key"] == "example:zyg"


def test_edited_and_deleted_evidence_leave_the_index(app, engine, monkeypatch):
    with app.app_context():
        _no_rebuild(engine, monkeypatch)
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        evidence = org.evidence[0]
        evidence.text = "Cryomicroscopie électronique des ribozymes"
        db.session.commit()
        engine.refresh(db.session)
        matches = engine.matcher(db.session).search("cryomicroscopie électronique des ribozymes", k=1)
        assert matches[0].org_id == org.key and evidence.key in matches[0].evidence_ids

        key, evidence_keys = org.key, {e.key for e in org.evidence}
        db.session.delete(org)
        db.session.commit()
        engine.refresh(db.session)
        matcher = engine.matcher(db.session)
        assert not evidence_keys & set(matcher.index.live_ids())
        assert key not in {m.org_id for m in matcher.search("cryomicroscopie électronique des ribozymes", k=20)}


def test_a_search_serves_the_current_index_and_never_refreshes_it(app, engine, client, monkeypatch):
    with app.app_context():
        before = engine.matcher(db.session)
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        org.evidence[0].text = "Ostéointégration des implants zygomatiques"
        db.session.commit()

    def refuse(*args, **kwargs):
        raise AssertionError("a search refreshed the index")

    monkeypatch.setattr(engine, "refresh", refuse)
    monkeypatch.setattr(engine, "build", refuse)
    assert client.get("/api/search", query_string={"q": "ostéointégration zygomatiques"}).status_code == 200
    with app.app_context():
        assert engine.matcher(db.session) is before


def test_the_background_refresh_applies_changes_made_elsewhere(app, engine, client):
    @contextmanager
    def session():
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        org.evidence[0].text = "Ostéointégration des implants zygomatiques"
        key = org.key
        db.session.commit()
    engine.check_interval = 0.0
    engine.start_background_refresh(session, interval=0.2)
    try:
        deadline = time.monotonic() + 10
        found = []
        while time.monotonic() < deadline and found[:1] != [key]:
            response = client.get("/api/search", query_string={"q": "ostéointégration zygomatiques", "limit": 1})
            found = [r["organisation"]["key"] for r in response.get_json()["results"]]
            time.sleep(0.1)
        assert found[:1] == [key]
    finally:
        engine.stop_background_refresh()


def test_large_changes_fall_back_to_a_full_rebuild(app, engine):
    with app.app_context():
        before = engine.matcher(db.session)
        for evidence in db.session.scalars(select(Evidence)):
            evidence.text = evidence.text + " (mis à jour)"
        db.session.commit()
        engine.refresh(db.session)
        after = engine.matcher(db.session)
        assert after is not before and (engine.index_dir / "manifest.json").exists()
        assert after.index.is_compact
        assert all(doc.text.endswith("(mis à jour)") for doc in after.index.docs())


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
        _no_rebuild(engine, monkeypatch)
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        org.evidence[0].text = "Organoïdes hépatiques vascularisés"
        org.region = "Corse"
        key = org.key
        db.session.commit()
        engine.refresh(db.session)
    found = client.get(
        "/api/search", query_string={"q": "organoïdes hépatiques vascularisés", "region": "corse", "limit": 5}
    ).get_json()["results"]
    assert [r["organisation"]["key"] for r in found][:1] == [key]
