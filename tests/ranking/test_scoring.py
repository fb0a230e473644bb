import numpy as np
import pytest

from matchmaker.ranking.scoring import aggregate, fuse, top_k, zscore


def test_aggregate_takes_best_plus_damped_rest():
    scores = np.array([1.0, 3.0, 2.0, 5.0, 0.5], np.float32)
    owner = np.array([0, 0, 0, 1, 2])
    valid = np.array([True, True, True, True, False])
    result = aggregate(scores, owner, 3, valid, damping=0.5, depth=5)
    assert result[0] == pytest.approx(3.0 + 0.5 * 2.0 + 0.25 * 1.0)
    assert result[1] == pytest.approx(5.0)
    assert np.isnan(result[2])


def test_aggregate_ignores_next_best_below_the_floor():
    scores = np.array([-1.0, -2.0, 0.5, 2.0], np.float32)
    result = aggregate(scores, np.array([0, 0, 1, 1]), 2, np.ones(4, bool), damping=0.5, depth=5, floor=0.0)
    assert result.tolist() == pytest.approx([-1.0, 2.25])


def test_aggregate_depth_limits_the_sum():
    scores = np.array([3.0, 2.0, 1.0], np.float32)
    result = aggregate(scores, np.zeros(3, int), 1, np.ones(3, bool), damping=0.5, depth=2)
    assert result[0] == pytest.approx(4.0)


def test_zscore_uses_masked_statistics():
    values = np.array([1.0, 3.0, 100.0])
    z = zscore(values, np.array([True, True, False]))
    assert z[:2].tolist() == pytest.approx([-1.0, 1.0])
    assert zscore(np.ones(3)).tolist() == [0.0, 0.0, 0.0]


def test_fuse_is_weighted_sum():
    fused = fuse({"a": np.array([1.0, 2.0]), "b": np.array([10.0, 0.0])}, {"a": 2.0})
    assert fused.tolist() == [2.0, 4.0]


def test_top_k_sorts_and_respects_mask():
    scores = np.array([0.1, 0.9, 0.5, 0.7, 0.9])
    assert top_k(scores, 3).tolist() == [1, 4, 3]
    mask = np.array([True, False, True, True, False])
    assert top_k(scores, 10, mask).tolist() == [3, 2, 0]
    assert top_k(scores, 0).tolist() == []
