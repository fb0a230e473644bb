import math

import pytest

from matchmaker.ranking.metrics import ndcg_at_k, recall_at_k, reciprocal_rank, summarise


def test_recall_at_k_counts_relevant_in_prefix():
    assert recall_at_k(["a", "b", "c"], {"c", "d"}, 2) == 0.0
    assert recall_at_k(["a", "b", "c"], {"c", "d"}, 3) == 0.5
    assert recall_at_k(["a"], set(), 10) == 0.0


def test_reciprocal_rank_of_first_relevant():
    assert reciprocal_rank(["a", "b", "c"], {"c", "b"}) == 0.5
    assert reciprocal_rank(["a"], {"z"}) == 0.0


def test_ndcg_hand_computed():
    # relevant at ranks 2 and 4 of two relevant: (1/log2(3) + 1/log2(5)) / (1 + 1/log2(3))
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "a", "y", "b"], {"a", "b"}, 10) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "a"], {"a"}, 1) == 0.0


def test_summarise_means_over_queries():
    summary = summarise([["a", "b"], ["c"]], [{"b"}, {"z"}])
    assert summary["n"] == 2
    assert summary["MRR"] == pytest.approx(0.25)
    assert summary["R@10"] == pytest.approx(0.5)
    assert summary["R@1"] == 0.0
