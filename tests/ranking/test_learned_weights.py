"""The learned fusion weights shipped with the core."""

from matchmaker.ranking.features import CONTEXT_FEATURES, FEATURE_NAMES
from matchmaker.ranking.learned_weights import LEARNED_WEIGHTS


def test_learned_weights_name_known_features():
    assert {"lexical", "e5"} <= set(LEARNED_WEIGHTS)
    for weights in LEARNED_WEIGHTS.values():
        assert set(weights) <= {*FEATURE_NAMES, *CONTEXT_FEATURES}
