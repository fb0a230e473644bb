"""The tantivy lexical candidate generator: BM25 top-n over our own stems, with a key filter."""

from __future__ import annotations

import numpy as np

from matchmaker.ranking.lexical_index import LexicalIndex, LexicalIndexWriter


def _index(tmp_path) -> LexicalIndex:
    writer = LexicalIndexWriter(tmp_path / "lexical")
    writer.add_many([
        (10, {"imageri": 2, "irm": 1}),
        (11, {"imageri": 1, "cerveau": 3}),
        (12, {"catalys": 1, "polymer": 2}),
        (13, {"irm": 1, "cerveau": 1, "imageri": 1}),
    ])
    writer.close()
    return LexicalIndex(tmp_path / "lexical")


def test_top_returns_the_best_keys_first_and_only_matching_documents(tmp_path):
    index = _index(tmp_path)
    assert index.n_docs == 4
    keys, scores = index.top({"irm": 1.0, "cerveau": 1.0}, 10)
    assert keys[0] == 13 and set(keys.tolist()) == {10, 11, 13}  # 12 shares no stem
    assert np.all(np.diff(scores) <= 0)
    assert index.top({"inconnu": 1.0}, 5)[0].size == 0 and index.top({}, 5)[0].size == 0


def test_top_keeps_only_the_keys_the_filter_accepts(tmp_path):
    index = _index(tmp_path)
    keys, _ = index.top({"imageri": 1.0}, 2, keep=lambda found: found != 10, keep_share=0.5)
    assert 10 not in keys.tolist() and len(keys) == 2
