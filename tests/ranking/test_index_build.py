"""The streamed index build: batches of any size give the same index."""

from __future__ import annotations

from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.index import EvidenceIndex
from tests.ranking.test_index import INDEXED, QUERIES, _ranking


def test_streamed_build_in_small_batches_equals_one_batch(docs, fake_encoder):
    vectors = fake_encoder.encode_passages([d.text for d in docs])
    whole = HybridMatcher(encoder=fake_encoder, **INDEXED).fit_index(EvidenceIndex.from_docs(docs, vectors))
    streamed = HybridMatcher(encoder=fake_encoder, **INDEXED).fit_index(
        EvidenceIndex.from_docs(docs, vectors, batch_size=3)
    )
    for query in QUERIES:
        assert _ranking(streamed, query) == _ranking(whole, query)
