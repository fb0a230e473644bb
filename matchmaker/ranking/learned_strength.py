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
            0.30488,
            0.68699,
            0.44808,
            0.0,
            -0.41659
        ],
        "intercept": -5.46229,
        "strong": 0.1872,
        "possible": 0.0651,
        "precision": {
            "strong": 0.5,
            "possible": 0.129,
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
            0.48358,
            0.5472,
            0.49936,
            0.22162,
            -0.59198
        ],
        "intercept": -5.69907,
        "strong": 0.1681,
        "possible": 0.0625,
        "precision": {
            "strong": 0.5,
            "possible": 0.127,
            "weak": 0.022
        }
    }
}
