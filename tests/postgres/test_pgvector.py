"""pgvector specifics: stored embeddings, exact and HNSW answers, and the same ranking as numpy."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select, text

from matchmaker.extensions import db
from matchmaker.models import Evidence, EvidenceEmbedding
from matchmaker.models.vectors import HNSW_INDEX
from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.backends import DenseMoments, NumpyDenseBackend, dense_doc_scores
from matchmaker.services.search.engine import evidence_documents
from matchmaker.services.search.vectors import PgvectorDenseBackend, evidence_ids

pytestmark = pytest.mark.postgres

QUERIES = ("anticorps thérapeutiques contre le cancer", "microfluidique diagnostic", "imagerie médicale IRM")


def _pg_backend(app, matcher, **options):
    ids = evidence_ids(db.session, matcher.table_.ids)
    return PgvectorDenseBackend(db.engine, ids, matcher.encoder.name, **options)


def test_every_evidence_has_its_embedding_and_the_hnsw_index_exists(app):
    with app.app_context():
        matcher = app.extensions["matchmaker"].matcher(db.session)
        assert isinstance(matcher.dense_backend_, PgvectorDenseBackend)
        stored = db.session.scalar(select(func.count()).select_from(EvidenceEmbedding))
        assert stored == db.session.scalar(select(func.count()).select_from(Evidence)) == matcher.table_.n_docs
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


def test_pgvector_scores_equal_numpy_scores(app):
    with app.app_context():
        matcher = app.extensions["matchmaker"].matcher(db.session)
        embeddings = np.asarray(matcher.embeddings_)
        backend = _pg_backend(app, matcher, moments=DenseMoments.of(embeddings))
        valid = np.ones(matcher.table_.n_docs, bool)
        valid[[0, 3]] = False
        for query in QUERIES:
            vector = matcher.query_vector(query)
            exact = dense_doc_scores(NumpyDenseBackend(embeddings), vector, valid)
            assert np.allclose(dense_doc_scores(backend, vector, valid), exact, atol=1e-4)
            hits = backend.scores(vector, top_n=10)
            truth = np.argsort(-(embeddings @ vector))[:10]
            assert len(set(hits.rows.tolist()) & set(truth.tolist())) >= 9
            assert np.allclose(hits.similarities, embeddings[hits.rows] @ vector, atol=1e-4)
            top = dense_doc_scores(backend, vector, valid, top_n=20)
            best = hits.rows[valid[hits.rows]][:5]
            assert np.allclose(top[best], exact[best], atol=1e-3)


def test_search_on_postgres_ranks_exactly_like_the_embedded_index(app):
    with app.app_context():
        served = app.extensions["matchmaker"].matcher(db.session)
        embedded = HybridMatcher(encoder=served.encoder, **served.settings).fit(evidence_documents(db.session))
        for query in QUERIES:
            left = served.search(query, k=20)
            right = embedded.search(query, k=20)
            assert [m.org_id for m in left] == [m.org_id for m in right]
            assert np.allclose([m.score for m in left], [m.score for m in right], atol=1e-4)
            assert [m.evidence_ids for m in left] == [m.evidence_ids for m in right]


def test_changed_text_rewrites_its_stored_embedding(app):
    with app.app_context():
        engine = app.extensions["matchmaker"]
        engine.matcher(db.session)
        evidence = db.session.scalar(select(Evidence).order_by(Evidence.id))
        before = db.session.get(EvidenceEmbedding, evidence.id)
        old_hash, old_vector = before.text_hash, before.embedding.copy()
        evidence.text = "Spectrométrie de masse native des complexes membranaires"
        db.session.commit()
        engine.matcher(db.session)
        db.session.expire_all()
        after = db.session.get(EvidenceEmbedding, evidence.id)
        assert after.text_hash != old_hash and not np.allclose(after.embedding, old_vector)
        assert after.embedding.shape == (384,)


def test_top_n_mode_searches_through_the_hnsw_index_and_follows_changes(app):
    from matchmaker.services.catalogue import import_profiles
    from matchmaker.services.search.indexing import IncrementalSearchEngine

    exact_engine = app.extensions["matchmaker"]
    engine = IncrementalSearchEngine(
        models_dir=exact_engine.models_dir, encoder_name=exact_engine.encoder_name, settings={"dense_top_n": 60}
    )
    with app.app_context():
        matcher = engine.build(db.session)
        backend = matcher.dense_backend_
        assert isinstance(backend, PgvectorDenseBackend) and backend.moments_.count == matcher.table_.n_docs
        exact = exact_engine.matcher(db.session)
        for query in QUERIES:
            left = {m.org_id for m in matcher.search(query, k=10)}
            right = {m.org_id for m in exact.search(query, k=10)}
            assert len(left & right) >= 7
        csv = "key,name,kind,description_fr\nexample:zyg,Zygomatique Implants,subcontractor,Implants zygomatiques\n"
        assert import_profiles(db.session, csv.encode(), "f.csv").stored
        updated = engine.matcher(db.session)
        assert updated.dense_backend_.moments_.count == updated.table_.n_docs == matcher.table_.n_docs + 1
        assert updated.search("implants zygomatiques", k=1)[0].org_id == "example:zyg"
