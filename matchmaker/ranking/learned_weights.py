"""Fusion weights learned by ``benchmarks/quality.py --learn`` on the validation queries.

See learn.py and validation.py. Generated file: rerun the command to refresh it after changing the features.
Fits chosen by grouped cross-validation:
    lexical: C = 0.01, pairwise
    e5: C = 3.0, blended
"""

LEARNED_WEIGHTS: dict[str, dict[str, float]] = {
    "lexical": {
        "lexical": 0.1393,
        "lexical_project": 0.1529,
        "lexical_field": 0.029,
        "lexical_funded": 0.2803,
        "lexical_record": 0.2078,
        "cosine": 0.2019,
        "cosine_project": 0.1853,
        "cosine_field": 0.0486,
        "cosine_funded": 0.0577,
        "cosine_record": 0.2985,
        "lexical_org": 0.0652,
        "prior_projects": 0.1773,
        "prior_funded": 0.1982,
        "prior_fields": -0.0128,
        "prior_length": 0.404,
        "same_region": 3.0
    },
    "e5": {
        "lexical": -0.214,
        "lexical_project": 0.3285,
        "lexical_field": 0.1264,
        "lexical_funded": 0.6928,
        "lexical_record": -0.6285,
        "cosine": 0.8499,
        "cosine_project": -0.0496,
        "cosine_field": -0.0053,
        "cosine_funded": -0.771,
        "cosine_record": 1.3762,
        "lexical_org": -0.2275,
        "dense": 0.5476,
        "dense_project": -0.0974,
        "dense_field": -0.0617,
        "dense_funded": -0.5481,
        "dense_record": 0.2313,
        "hybrid": -0.4062,
        "hybrid_project": 0.3933,
        "hybrid_field": 0.159,
        "hybrid_funded": 0.7362,
        "hybrid_record": -0.2491,
        "dense_org": 1.0701,
        "prior_projects": -0.6003,
        "prior_funded": 0.1913,
        "prior_fields": -0.1289,
        "prior_length": 0.7582,
        "same_region": 4.0
    },
    "minilm": {
        "lexical": -0.2819,
        "lexical_project": 0.4082,
        "lexical_field": 0.0075,
        "lexical_funded": 0.6831,
        "lexical_record": -0.7112,
        "cosine": 0.5788,
        "cosine_project": 0.0596,
        "cosine_field": 0.167,
        "cosine_funded": -0.7041,
        "cosine_record": 1.3525,
        "lexical_org": -0.1916,
        "dense": 0.2366,
        "dense_project": 0.0256,
        "dense_field": -0.0525,
        "dense_funded": -0.038,
        "dense_record": 0.2647,
        "hybrid": -0.009,
        "hybrid_project": 0.113,
        "hybrid_field": -0.0215,
        "hybrid_funded": 0.6117,
        "hybrid_record": -0.2787,
        "dense_org": 0.4151,
        "prior_projects": -0.3992,
        "prior_funded": 0.0297,
        "prior_fields": -0.0041,
        "prior_length": 1.3848
    }
}
