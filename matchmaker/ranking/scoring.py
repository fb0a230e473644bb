"""Pure array functions: normalise, aggregate evidence scores per organisation, fuse, top-k."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def zscore(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Standardise ``values`` with the mean and deviation of the masked entries.

    Args:
        values: (n,) scores.
        mask: optional (n,) bool array of the entries that define the statistics.

    Returns:
        (n,) float32 z-scores (0 where the deviation is 0).
    """
    reference = values if mask is None else values[mask]
    if reference.size == 0:
        return np.zeros_like(values, dtype=np.float32)
    std = float(reference.std())
    if std <= 1e-12:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - float(reference.mean())) / std).astype(np.float32)


def aggregate(
    scores: np.ndarray,
    owner: np.ndarray,
    n_groups: int,
    valid: np.ndarray,
    damping: float = 0.3,
    depth: int = 5,
    floor: float = 0.0,
) -> np.ndarray:
    """Aggregate evidence scores per organisation: best + damped sum of the next best.

    The j-th best evidence (j >= 1) adds ``damping**j * (score - floor)`` when above ``floor``, so one
    strong document counts most and a broad profile helps a little without drowning topic in volume.

    Args:
        scores: (n_docs,) evidence scores.
        owner: (n_docs,) int organisation index of each evidence.
        n_groups: number of organisations.
        valid: (n_docs,) bool, False for evidence to ignore (left out, filtered).
        damping: weight decay of the next best evidence.
        depth: number of evidence documents that count per organisation.
        floor: score below which a non-best evidence adds nothing.

    Returns:
        (n_groups,) float32 aggregated scores, NaN for organisations without valid evidence.
    """
    best = np.full(n_groups, -np.inf, np.float32)
    np.maximum.at(best, owner[valid], scores[valid])
    best[np.isneginf(best)] = np.nan
    # only evidence above the floor can add to the best one: sort that (usually small) subset only
    index = np.flatnonzero(valid & (scores > floor))
    if index.size and depth > 1 and damping > 0:
        order = index[np.lexsort((-scores[index], owner[index]))]
        groups = owner[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        position = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
        rest = (position > 0) & (position < depth)
        extra = np.bincount(
            groups[rest], weights=damping ** position[rest] * (scores[order[rest]] - floor), minlength=n_groups
        )
        best = best + extra.astype(np.float32)
    return best


def segment_max(scores: np.ndarray, order: np.ndarray, starts: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Return the best valid score of each segment of rows.

    Args:
        scores: (n_docs,) evidence scores.
        order: (n_docs,) permutation putting the rows of each segment together.
        starts: (n_segments,) first position of each segment in ``order``.
        valid: (n_docs,) bool, False for rows to ignore.

    Returns:
        (n_segments,) maxima, NaN for segments without a valid row.
    """
    if starts.size == 0:
        return np.zeros(0, np.float32)
    values = np.where(valid, scores, -np.inf)[order]
    best = np.maximum.reduceat(values, starts).astype(np.float32)
    best[~np.isfinite(best)] = np.nan
    return best


def fuse(features: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Return the weighted sum of the named feature arrays (missing weights count 0)."""
    total: np.ndarray | None = None
    for name, values in features.items():
        weight = float(weights.get(name, 0.0))
        if weight:
            total = weight * values if total is None else total + weight * values
    if total is None:
        first = next(iter(features.values()))
        return np.zeros_like(first, dtype=np.float32)
    return total.astype(np.float32)


def top_k(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Return the indices of the ``k`` best masked scores, best first (argpartition, then sort k)."""
    candidates = np.flatnonzero(mask) if mask is not None else np.arange(scores.size)
    if candidates.size == 0 or k <= 0:
        return np.zeros(0, np.int64)
    values = scores[candidates]
    if k < candidates.size:
        part = np.argpartition(-values, k - 1)[:k]
    else:
        part = np.arange(candidates.size)
    best = part[np.lexsort((candidates[part], -values[part]))]
    return candidates[best]
