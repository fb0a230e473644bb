"""EvidenceIndex: streamed build, incremental changes equal to a full rebuild, plain memory-mapped files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matchmaker.ranking import EvidenceDoc, HybridMatcher, IndexMissingError, data_hash
from matchmaker.ranking.index import EvidenceIndex

INDEXED = {"exhaustive_rows": 0}  # search through the first stage (tantivy, ANN), not by scoring a small corpus whole

QUERIES = (
    "imagerie IRM du cerveau",
    "diagnostic rapide des infections par microfluidique",
    "immunothérapie du cancer et anticorps",
    "robotique chirurgicale",
    "catalyse et chimie des polymères",
    "bioimpression de tissus cutanés",
)


def _ranking(matcher: HybridMatcher, query: str, **options) -> list[tuple[str, float, tuple[str, ...]]]:
    return [(m.org_id, round(m.score, 4), m.evidence_ids) for m in matcher.search(query, k=10, **options)]


def _changes(docs: list[EvidenceDoc]) -> tuple[list[EvidenceDoc], set[str], list[EvidenceDoc]]:
    """Return (upserts, removed ids, final documents): one edit, two new organisations' evidence, two removals."""
    edited = EvidenceDoc(docs[4].id, docs[4].org_id, "Bioimpression 3D de tissus cutanés et catalyse", docs[4].kind)
    added = [
        EvidenceDoc("lab:e/record", "lab:e", "Unité de robotique chirurgicale. Strasbourg", "directory_record"),
        EvidenceDoc("lab:e/ilab-9", "lab:e", "Robot chirurgical pour la chirurgie du cerveau guidée par IRM.",
                    "ilab_project", "ilab-9"),
        EvidenceDoc("lab:d/ilab-7", "lab:d", "Anticorps bispécifiques contre le cancer du sein.", "ilab_project",
                    "ilab-7"),
    ]
    removed = {docs[2].id, docs[9].id}
    final = [d for d in docs if d.id not in removed and d.id != edited.id] + [edited, *added]
    return [edited, *added], removed, final


@pytest.mark.parametrize("encoded", [False, True])
@pytest.mark.parametrize("first_stage", [True, False])
def test_with_changes_ranks_like_a_full_rebuild(docs, fake_encoder, encoded, first_stage):
    encoder = fake_encoder if encoded else None
    settings = INDEXED if first_stage else {}
    matcher = HybridMatcher(encoder=encoder, **settings).fit(docs)
    upserts, removed, final = _changes(docs)
    changed = matcher.with_changes(upserts, removed)
    rebuilt = HybridMatcher(encoder=encoder, **settings).fit(final)
    assert changed.data_hash == rebuilt.data_hash == data_hash(final)
    assert changed.index.n_live == rebuilt.index.n_live == len(final)
    for query in QUERIES:
        assert _ranking(changed, query) == _ranking(rebuilt, query)
        assert _ranking(changed, query, exclude_source_refs={"ilab-9"}) == _ranking(
            rebuilt, query, exclude_source_refs={"ilab-9"}
        )
    assert {m.org_id for m in changed.search("robotique chirurgicale", k=3)} >= {"lab:e"}
    assert not set(removed) & {e for q in QUERIES for m in changed.search(q, k=10) for e in m.evidence_ids}


def test_the_matcher_in_use_is_not_changed(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    before = {q: _ranking(matcher, q) for q in QUERIES}
    upserts, removed, _ = _changes(docs)
    matcher.with_changes(upserts, removed)
    assert {q: _ranking(matcher, q) for q in QUERIES} == before


def test_successive_changes_then_save_compact_into_a_fresh_base(tmp_path, docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder, **INDEXED).fit(docs)
    upserts, removed, final = _changes(docs)
    step = matcher.with_changes(upserts[:2]).with_changes(upserts[2:], removed)
    again = EvidenceDoc("lab:e/record", "lab:e", "Unité de robotique chirurgicale et médicale. Strasbourg",
                        "directory_record")
    step = step.with_changes([again])
    final = [again if d.id == again.id else d for d in final]
    rebuilt = HybridMatcher(encoder=fake_encoder, **INDEXED).fit(final)
    assert not step.index.is_compact
    step.save(tmp_path / "index")
    loaded = HybridMatcher.load(tmp_path / "index", encoder=fake_encoder)
    assert loaded.index.is_compact and loaded.data_hash == rebuilt.data_hash
    assert sorted(d.id for d in loaded.index.docs()) == sorted(d.id for d in final)
    for query in QUERIES:
        assert _ranking(loaded, query) == _ranking(step, query)  # compaction keeps the row order
        # a rebuild numbers rows in another order: only evidence of equal relevance may swap places
        unordered = [[(o, s, frozenset(e)) for o, s, e in _ranking(m, query)] for m in (loaded, rebuilt)]
        assert unordered[0] == unordered[1]


def test_removing_every_evidence_of_an_organisation_drops_it(docs):
    matcher = HybridMatcher(**INDEXED).fit(docs)
    gone = [d.id for d in docs if d.org_id == "lab:d"]
    changed = matcher.with_changes(removed=gone)
    assert "lab:d" not in {m.org_id for m in changed.search("immunothérapie du cancer", k=10)}
    assert not changed.index.org_mask(["lab:d"]).any()
    assert changed.index.rows_of_ids(gone).tolist() == [-1] * len(gone)


def test_index_files_are_plain_memory_mapped_arrays_with_the_manifest_last(tmp_path, docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs, path=tmp_path / "build")
    path = matcher.save(tmp_path / "index")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["n_docs"] == len(docs) and manifest["data_hash"] == data_hash(docs)
    assert manifest["encoder"] == "fake"
    for name in ("embeddings", "counts.data", "counts.indices", "docs.owner", "terms.df", "orgs.rows"):
        assert isinstance(np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False), np.memmap)
    assert (path / "lexical_docs").is_dir() and (path / "lexical_orgs").is_dir()
    (path / "manifest.json").unlink()  # an interrupted save: everything but the manifest
    with pytest.raises(IndexMissingError):
        HybridMatcher.load(path, encoder=fake_encoder)


def test_a_large_index_finds_dense_candidates_through_its_saved_hnsw_graph(tmp_path, docs, fake_encoder):
    from matchmaker.ranking.backends import HnswDenseBackend, NumpyDenseBackend

    exact = HybridMatcher(encoder=fake_encoder, **INDEXED).fit(docs)
    assert isinstance(exact.index.dense, NumpyDenseBackend) and not exact.index.has_ann
    large = HybridMatcher(encoder=fake_encoder, ann_min_docs=5, **INDEXED).fit(docs)
    assert large.index.has_ann and isinstance(large.index.dense, HnswDenseBackend)
    loaded = HybridMatcher.load(large.save(tmp_path / "index"), encoder=fake_encoder)
    assert isinstance(loaded.index.dense, HnswDenseBackend)
    changed = loaded.with_changes(*_changes(docs)[:2])
    rebuilt = HybridMatcher(encoder=fake_encoder, **INDEXED).fit(_changes(docs)[2])
    for query in QUERIES:
        assert _ranking(loaded, query) == _ranking(exact, query)
        assert _ranking(changed, query) == _ranking(rebuilt, query)


def test_the_index_numbers_organisations_masks_them_and_finds_left_out_rows(docs):
    index = EvidenceIndex.from_docs(docs)
    assert [index.org_key(n) for n in range(2)] == ["lab:a", "lab:b"] and index.n_live == len(docs)
    keys = [index.org_key(n) for n in range(index.n_orgs)]
    assert index.org_mask(["lab:c", "unknown"]).tolist() == [key == "lab:c" for key in keys]
    assert index.org_mask(None).all()
    rows = index.rows_of_refs({"ilab-2"})
    assert {index.doc_id(int(r)) for r in rows} == {"lab:c/ilab-2", "startup:s2/project"}
    assert index.rows_of_refs({"no-such-ref"}).size == 0
