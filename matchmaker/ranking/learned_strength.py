"""Strength calibration learned by ``benchmarks/strength.py`` (generated file: rerun it after changing features)."""

LEARNED_STRENGTH: dict[str, dict] = {
    "lexical": {
        "inputs": [
            "coverage",
            "coverage_rare",
            "fused",
            "dense_org",
            "rank"
        ],
        "coefficients": [
            0.36211,
            0.68899,
            0.45135,
            0.0,
            -0.40802
        ],
        "intercept": -5.51732,
        "strong": 0.2197,
        "possible": 0.0652,
        "precision": {
            "strong": 0.5,
            "possible": 0.096,
            "weak": 0.023
        }
    },
    "e5": {
        "inputs": [
            "coverage",
            "coverage_rare",
            "fused",
            "dense_org",
            "rank"
        ],
        "coefficients": [
            0.55807,
            0.61929,
            0.49331,
            0.12253,
            -0.61898
        ],
        "intercept": -5.53144,
        "strong": 0.2174,
        "possible": 0.0642,
        "precision": {
            "strong": 0.5,
            "possible": 0.089,
            "weak": 0.022
        }
    }
}
