"""pgvector specifics: stored embeddings, HNSW candidates, the same ranking as the embedded index, pure reads."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import event, func, select, text

from matchmaker.extensions import db
from matchmaker.models import Evidence, EvidenceEmbedding, Organisation
from matchmaker.models.vectors import HNSW_INDEX
from matchmaker.ranking import HybridMatcher
from matchmaker.services.catalogue import import_profiles
from matchmaker.services.search.engine import evidence_documents
from matchmaker.services.search.vectors import PgvectorDenseBackend

pytestmark = pytest.mark.postgres

QUERIES = ("anticorps thérapeutiques contre le cancer", "microfluidique diagnostic", "imagerie médicale IRM")


def test_every_evidence_has_its_embedding_and_the_hnsw_index_exists(app):
    with app.app_context():
        matcher = app.extensions["matchmaker"].matcher(db.session)
        assert isinstance(matcher.index.dense, PgvectorDenseBackend)
        stored = db.session.scalar(select(func.count()).select_from(EvidenceEmbedding))
        assert stored == db.session.scalar(select(func.count()).select_from(Evidence)) == matcher.index.n_live
        index = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": HNSW_INDEX})
        assert "hnsw" in index and "vector_cosine_ops" in index
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            db.session.scalars(
                text("EXPLAIN SELECT evidence_id FROM evidence_embeddings ORDER BY embedding <=> :q LIMIT 10"),
                {"q": "[" + ",".join(["0.05"] * 384) + "]"},
            )
        )
        assert HNSW_INDEX in plan
        db.session.rollback()


def test_pgvector_candidates_are_the_nearest_rows(app):
    with app.app_context():
        matcher = app.extensions["matchmaker"].matcher(db.session)
        index = matcher.index
        embeddings = index.embeddings_of(np.arange(index.n_rows))
        for query in QUERIES:
            vector = matcher.query_vector(query)
            rows, similarities = index.dense.top(vector, 10)
            truth = np.argsort(-(embeddings @ vector))[:10]
            assert len(set(rows.tolist()) & set(truth.tolist())) >= 9
            assert np.allclose(similarities, embeddings[rows] @ vector, atol=1e-4)


def test_search_on_postgres_ranks_exactly_like_the_embedded_index(app):
    with app.app_context():
        served = app.extensions["matchmaker"].matcher(db.session)
        embedded = HybridMatcher(encoder=served.encoder, **served.settings).fit(list(evidence_documents(db.session)))
        for query in QUERIES:
            left = served.search(query, k=20)
            right = embedded.search(query, k=20)
            assert [m.org_id for m in left] == [m.org_id for m in right]
            assert np.allclose([m.score for m in left], [m.score for m in right], atol=1e-4)
            assert [m.evidence_ids for m in left] == [m.evidence_ids for m in right]


def test_a_written_change_rewrites_its_stored_embedding(app):
    with app.app_context():
        engine = app.extensions["matchmaker"]
        evidence = db.session.scalar(select(Evidence).order_by(Evidence.id))
        before = db.session.get(EvidenceEmbedding, evidence.id)
        old_hash, old_vector = before.text_hash, before.embedding.copy()
        evidence.text = "Spectrométrie de masse native des complexes membranaires"
        db.session.commit()
        engine.refresh(db.session)
        db.session.expire_all()
        after = db.session.get(EvidenceEmbedding, evidence.id)
        assert after.text_hash != old_hash and not np.allclose(after.embedding, old_vector)
        assert after.embedding.shape == (384,)
        found = engine.matcher(db.session).search("spectrométrie de masse native membranaires", k=1)
        assert evidence.key in found[0].evidence_ids


def test_a_new_profile_is_found_through_pgvector_after_its_write(app):
    with app.app_context():
        engine = app.extensions["matchmaker"]
        csv = "key,name,kind,description_fr\nexample:zyg,Zygomatique Implants,subcontractor,Implants zygomatiques\n"
        assert import_profiles(db.session, csv.encode(), "f.csv").stored
        engine.refresh(db.session)
        matcher = engine.matcher(db.session)
        assert isinstance(matcher.index.dense, PgvectorDenseBackend)
        assert matcher.index.dense.n_docs == matcher.index.n_rows  # the new rows are mapped too
        new_row = int(matcher.index.rows_of_orgs(matcher.index.org_numbers(["example:zyg"]))[0][0])
        vector = matcher.index.embeddings_of(np.array([new_row]))[0]
        assert new_row in matcher.index.dense.top(vector, 3)[0].tolist()
        assert matcher.search("implants zygomatiques", k=1)[0].org_id == "example:zyg"


def test_a_get_search_on_postgres_issues_no_write(app, client):
    """Searches run on read-only connections and send only reads, even after the catalogue changed.

    Every new connection of the application's engine is made read-only by PostgreSQL itself (any write,
    including the pgvector sync through the driver's own cursor, would fail the request), and the
    statements SQLAlchemy sends are recorded.
    """
    with app.app_context():
        engine = app.extensions["matchmaker"]
        engine.check_interval = 0.0
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab").order_by(Organisation.id))
        org.evidence[0].text = "Ostéointégration des implants zygomatiques"
        db.session.commit()  # a change the search sees but must not apply itself
        served = engine.matcher(db.session)
        bind = db.engine
    statements: list[str] = []
    commits: list[object] = []

    def read_only(dbapi_connection, record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()

    def statement(conn, cursor, text_, parameters, context, executemany):
        statements.append(text_)

    listeners = (("connect", read_only), ("before_cursor_execute", statement), ("commit", commits.append))
    bind.dispose()  # new connections only from here on: all read-only
    for name, function in listeners:
        event.listen(bind, name, function)
    try:
        for path, query in (("/api/search", {"q": "ostéointégration implants"}), ("/", {"q": "imagerie IRM"}),
                            ("/api/search", {"q": "anticorps", "kind": "lab", "region": "Bretagne"})):
            assert client.get(path, query_string=query).status_code == 200
        event.remove(bind, "before_cursor_execute", statement)
        with bind.connect() as connection:  # the guard works: a write on these connections fails
            with pytest.raises(Exception, match="read-only"):
                connection.exec_driver_sql("UPDATE organisations SET name = name")
    finally:
        for name, function in listeners:
            if event.contains(bind, name, function):
                event.remove(bind, name, function)
        bind.dispose()
    assert statements, "the search read nothing"
    writes = [s for s in statements if s.lstrip().split(None, 1)[0].upper() not in {"SELECT", "SET", "SHOW", "WITH"}]
    assert not writes and not commits, (writes, commits)
    with app.app_context():  # the change waits for the next write or the background refresh
        assert engine.matcher(db.session) is served
