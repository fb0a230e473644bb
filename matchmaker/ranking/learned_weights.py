"""Fusion weights learned by ``benchmarks/quality.py --learn`` (pairwise logistic regression, see learn.py).

Generated file: rerun the command to refresh it after changing the features.
"""

LEARNED_WEIGHTS: dict[str, dict[str, float]] = {
    "lexical": {
        "lexical": -0.1549,
        "lexical_project": 0.4359,
        "lexical_field": -0.0324,
        "lexical_funded": 0.8599,
        "lexical_record": -0.3498,
        "cosine": 0.4874,
        "cosine_project": 0.0476,
        "cosine_field": 0.0919,
        "cosine_funded": -0.375,
        "cosine_record": 1.0578,
        "lexical_org": -0.0335,
        "prior_projects": -0.1224,
        "prior_funded": 0.5418,
        "prior_fields": -0.0599,
        "prior_length": 1.2355,
    },
    "e5": {"lexical": 1.0, "cosine": 1.0, "lexical_org": 0.5, "dense": 1.0, "hybrid": 1.0},
}
