"""Match strength: a calibrated probability cut into strong / possible / weak bands."""

import pytest

from matchmaker.ranking.strength import INPUTS, POSSIBLE, STRONG, WEAK, StrengthModel, model_for

MODEL = StrengthModel(
    inputs=("coverage", "fused"), coefficients=(2.0, 1.0), intercept=-3.0, strong=0.6, possible=0.2,
    precision={STRONG: 0.5, POSSIBLE: 0.1, WEAK: 0.02},
)


def test_probability_is_the_logistic_of_the_weighted_signals():
    assert MODEL.probability({"coverage": 1.0, "fused": 1.0}) == pytest.approx(0.5)
    assert MODEL.probability({}) == pytest.approx(1 / (1 + 2.718281828 ** 3), rel=1e-6)
    assert MODEL.probability({"coverage": 1e6}) == pytest.approx(1.0)  # no overflow on extreme signals


def test_bands_follow_the_thresholds():
    assert [MODEL.band(p) for p in (0.9, 0.6, 0.59, 0.2, 0.19)] == [STRONG, STRONG, POSSIBLE, POSSIBLE, WEAK]


def test_the_learned_models_read_known_signals_and_order_their_thresholds():
    for encoder in (None, "e5", "/a/local/model"):
        model = model_for(encoder)
        assert model is not None and set(model.inputs) <= set(INPUTS)
        assert len(model.coefficients) == len(model.inputs)
        assert 0 < model.possible < model.strong < 1
