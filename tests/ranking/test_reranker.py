import numpy as np
import pytest

from matchmaker.ranking import Match, NotFittedError
from matchmaker.ranking.reranker import MIN_LABELS, CurationReranker, feature_row


def _labelled(n: int = 60):
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for i in range(n):
        kind_match = float(i % 2)
        match = Match(org_id=f"org:{i}", score=float(rng.normal()), parts={"lexical": float(rng.normal())})
        rows.append(feature_row(match, {"kind_match": kind_match, "region_match": float(rng.integers(2))}))
        labels.append(int(kind_match))  # staff keep exactly the matches of the right kind
    return rows, labels


def test_reranker_learns_to_put_kept_kinds_first():
    rows, labels = _labelled()
    reranker = CurationReranker().fit(rows, labels)
    assert reranker.active_
    matches = [Match("org:wrong", 2.0, {"lexical": 1.0}), Match("org:right", 1.0, {"lexical": 0.5})]
    reranked = reranker.rerank(matches, [{"kind_match": 0.0}, {"kind_match": 1.0}])
    assert [m.org_id for m in reranked] == ["org:right", "org:wrong"]
    assert "curation" in reranked[0].parts


def test_reranker_stays_off_until_enough_labels():
    rows, labels = _labelled(MIN_LABELS - 1)
    reranker = CurationReranker().fit(rows, labels)
    assert not reranker.active_
    matches = [Match("a", 2.0), Match("b", 1.0)]
    assert reranker.rerank(matches, [{"kind_match": 0.0}, {"kind_match": 1.0}]) == matches


def test_reranker_json_round_trip(tmp_path):
    rows, labels = _labelled()
    reranker = CurationReranker(C=0.5).fit(rows, labels)
    reranker.save(tmp_path / "reranker.json")
    loaded = CurationReranker.load(tmp_path / "reranker.json")
    assert np.allclose(loaded.decision_function(rows), reranker.decision_function(rows))


def test_reranker_requires_fit_and_aligned_rows():
    with pytest.raises(NotFittedError):
        CurationReranker().rerank([Match("a", 1.0)])
    with pytest.raises(ValueError):
        CurationReranker().fit([{}], [1, 0])


def _curated_needs(n_needs: int, informative: bool, seed: int = 0):
    """Staff kept one match per need; the engine ranked it anywhere, a "capacity" part tells it apart (or not)."""
    rng = np.random.default_rng(seed)
    rows, labels, groups = [], [], []
    for need in range(n_needs):
        kept = int(rng.integers(10))
        for j in range(10):
            capacity = (2.0 if j == kept else 0.0) if informative else float(rng.normal())
            rows.append({"score": float(10 - j), "part:capacity": capacity + float(rng.normal(scale=0.3))})
            labels.append(int(j == kept))
            groups.append(need)
    return rows, labels, groups


def test_held_out_mrr_shows_the_gain_of_an_informative_reranker_and_none_of_a_useless_one():
    from matchmaker.ranking.reranker import held_out_mrr

    before, after = held_out_mrr(*_curated_needs(30, informative=True), C=1.0)
    assert after > before + 0.3
    before, after = held_out_mrr(*_curated_needs(30, informative=False), C=1.0)
    assert after < before + 0.1


def test_held_out_mrr_needs_enough_needs_with_both_outcomes():
    from matchmaker.ranking.reranker import held_out_mrr

    rows, labels, groups = _curated_needs(4, informative=True)
    assert held_out_mrr(rows, labels, groups) is None
    assert held_out_mrr(rows, [1] * len(rows), [0] * len(rows)) is None  # one need, nothing rejected
