"""Ranking metrics per query (binary relevance) and their mean over a query set."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

import numpy as np


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Return the share of relevant ids found in the first ``k`` ranked ids (0 when none is relevant)."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(set(relevant))


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str]) -> float:
    """Return 1 / rank of the first relevant id (0 when none is ranked)."""
    wanted = set(relevant)
    for position, item in enumerate(ranked, start=1):
        if item in wanted:
            return 1.0 / position
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Return binary nDCG@k: DCG of the ranking over DCG of an ideal ranking."""
    wanted = set(relevant)
    if not wanted:
        return 0.0
    gain = sum(1.0 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in wanted)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(wanted), k)))
    return gain / ideal


def default_metrics() -> dict[str, Callable[[Sequence[str], Collection[str]], float]]:
    """Return the metrics reported by the benchmarks, by name."""
    return {
        "R@1": lambda r, rel: recall_at_k(r, rel, 1),
        "R@10": lambda r, rel: recall_at_k(r, rel, 10),
        "R@50": lambda r, rel: recall_at_k(r, rel, 50),
        "MRR": reciprocal_rank,
        "nDCG@10": lambda r, rel: ndcg_at_k(r, rel, 10),
    }


def summarise(
    rankings: Iterable[Sequence[str]],
    relevants: Iterable[Collection[str]],
    metrics: Mapping[str, Callable[[Sequence[str], Collection[str]], float]] | None = None,
) -> dict[str, float]:
    """Return the mean of each metric over the queries (and their count as ``n``)."""
    metrics = metrics or default_metrics()
    values: dict[str, list[float]] = {name: [] for name in metrics}
    count = 0
    for ranked, relevant in zip(rankings, relevants, strict=True):
        count += 1
        for name, metric in metrics.items():
            values[name].append(metric(ranked, relevant))
    summary = {name: float(np.mean(v)) if v else 0.0 for name, v in values.items()}
    summary["n"] = float(count)
    return summary
