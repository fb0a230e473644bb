"""Fusion weights learned by ``benchmarks/quality.py --learn`` (pairwise logistic regression, see learn.py).

Generated file: rerun the command to refresh it after changing the features.
"""

LEARNED_WEIGHTS: dict[str, dict[str, float]] = {
    "lexical": {"lexical": 1.0, "cosine": 1.0, "lexical_org": 0.5},
    "e5": {"lexical": 1.0, "cosine": 1.0, "lexical_org": 0.5, "dense": 1.0, "hybrid": 1.0},
}
