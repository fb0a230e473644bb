"""Evidence bookkeeping: the evidence table, its masks and the data hash."""


import pytest

from matchmaker.ranking import EvidenceDoc, HybridMatcher, data_hash
from matchmaker.ranking.profile import EvidenceTable


def test_duplicate_evidence_ids_are_rejected(docs):
    with pytest.raises(ValueError, match="unique"):
        HybridMatcher().fit([*docs, docs[0]])


def test_the_data_hash_ignores_order_and_sees_every_field(docs):
    assert data_hash(docs) == data_hash(list(reversed(docs)))
    changed = [EvidenceDoc(docs[0].id, docs[0].org_id, docs[0].text, docs[0].kind, "another-ref"), *docs[1:]]
    assert data_hash(changed) != data_hash(docs)


def test_the_table_numbers_organisations_and_masks_them(docs):
    table = EvidenceTable.from_docs(docs)
    assert table.org_ids[:2] == ["lab:a", "lab:b"] and table.n_docs == len(docs)
    ownership = table.ownership().toarray()
    assert ownership.shape == (table.n_orgs, table.n_docs) and (ownership.sum(axis=0) == 1).all()
    assert table.org_mask(["lab:c", "unknown"]).tolist() == [org == "lab:c" for org in table.org_ids]
    assert table.org_mask(None).all()


def test_excluded_rows_are_every_copy_of_a_left_out_source_row(docs):
    table = EvidenceTable.from_docs(docs)
    rows = table.excluded_rows({"ilab-2"})
    assert {table.ids[r] for r in rows} == {"lab:c/ilab-2", "startup:s2/project"}
    assert table.excluded_rows({"no-such-ref"}).size == 0
