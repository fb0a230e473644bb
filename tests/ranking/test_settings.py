"""Ranking settings: defaults in one place, overrides checked, learned weights filled in per encoder."""

import pytest

from matchmaker.ranking.learned_weights import LEARNED_WEIGHTS
from matchmaker.ranking.settings import DEFAULT_SETTINGS, GROUP_OF_KIND, KIND_GROUPS, merge_settings, resolve_weights


def test_overrides_replace_defaults_and_unknown_names_are_refused():
    merged = merge_settings({"damping": 0.1})
    assert merged["damping"] == 0.1 and merged["k1"] == DEFAULT_SETTINGS["k1"]
    assert DEFAULT_SETTINGS["damping"] != 0.1  # the defaults are not modified
    with pytest.raises(ValueError, match="unknown ranking setting"):
        merge_settings({"dampin": 0.1})


def test_given_weights_are_copied_and_kept():
    weights = {"lexical": 1.0}
    merged = merge_settings({"weights": weights})
    weights["lexical"] = 2.0
    assert resolve_weights(merged, "e5")["weights"] == {"lexical": 1.0}


def test_missing_weights_come_from_the_encoder_lexical_without_one_and_e5_for_an_unknown_one():
    settings = merge_settings()
    assert resolve_weights(settings, None)["weights"] == LEARNED_WEIGHTS["lexical"]
    assert resolve_weights(settings, "e5")["weights"] == LEARNED_WEIGHTS["e5"]
    assert resolve_weights(settings, "/models/local")["weights"] == LEARNED_WEIGHTS["e5"]


def test_every_kind_group_is_a_feature_group():
    assert set(GROUP_OF_KIND.values()) <= set(KIND_GROUPS)


def test_supplier_weights_are_learned_per_encoder_and_fall_back_to_the_general_weights():
    settings = merge_settings()
    resolved = resolve_weights(settings, "e5")
    assert resolved["supplier_weights"] == LEARNED_WEIGHTS.get("e5/suppliers", LEARNED_WEIGHTS["e5"])
    given = resolve_weights(merge_settings({"weights": {"lexical": 1.0}}), "no-such-encoder-suppliers")
    assert given["supplier_weights"] == LEARNED_WEIGHTS.get("e5/suppliers", {"lexical": 1.0})
    chosen = resolve_weights(merge_settings({"supplier_weights": {"cosine": 2.0}}), None)
    assert chosen["supplier_weights"] == {"cosine": 2.0} and chosen["weights"] == LEARNED_WEIGHTS["lexical"]
