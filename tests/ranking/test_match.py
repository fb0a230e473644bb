"""The value types every ranker shares: evidence in, matches out."""

import dataclasses

import pytest

from matchmaker.ranking import EvidenceDoc, Match
from matchmaker.ranking.match import Passage


def test_value_types_are_frozen_and_slotted():
    doc = EvidenceDoc("e", "o", "texte")
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.text = "autre"  # type: ignore[misc]
    assert not hasattr(doc, "__dict__")
    assert (doc.kind, doc.source_ref) == ("text", None)


def test_matches_compare_by_value_and_default_to_a_sufficient_profile():
    passage = Passage("e", "texte", ((0, 5),), 1.0)
    first = Match("o", 0.5, {"lexical": 1.0}, (passage,), ("e",))
    assert first == Match("o", 0.5, {"lexical": 1.0}, (Passage("e", "texte", ((0, 5),), 1.0),), ("e",))
    assert first.sufficient and Match("o", 0.1).passages == ()
