"""Evidence bookkeeping: unique evidence ids and the data hash."""


import pytest

from matchmaker.ranking import EvidenceDoc, HybridMatcher, data_hash


def test_duplicate_evidence_ids_are_rejected(docs):
    with pytest.raises(ValueError, match="unique"):
        HybridMatcher().fit([*docs, docs[0]])


def test_the_data_hash_ignores_order_and_sees_every_field(docs):
    assert data_hash(docs) == data_hash(list(reversed(docs)))
    changed = [EvidenceDoc(docs[0].id, docs[0].org_id, docs[0].text, docs[0].kind, "another-ref"), *docs[1:]]
    assert data_hash(changed) != data_hash(docs)
