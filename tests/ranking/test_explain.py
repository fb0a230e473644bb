"""Explaining a match: the passages that drove it, with the query terms highlighted."""

import pytest

from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.explain import best_passage, passages_for
from matchmaker.ranking.text import stem


def test_passages_highlight_query_terms(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    match = matcher.search("immunothérapie du cancer", k=1)[0]
    assert match.org_id == "lab:d"
    assert 1 <= len(match.passages) <= 3
    passage = match.passages[0]
    assert passage.evidence_id in match.evidence_ids
    words = {passage.text[a:b].lower() for a, b in passage.highlights}
    assert words & {"cancer", "immunotherapy", "immunothérapie"}


def test_best_passage_picks_the_sentence_with_the_most_query_weight():
    text = "Nous faisons de la chimie. Nous développons des capteurs pour l'imagerie médicale. Fin."
    passage = best_passage("e1", text, {stem("imagerie"): 2.0, stem("capteurs"): 1.0})
    assert passage.evidence_id == "e1" and passage.text.startswith("Nous développons")
    assert {passage.text[a:b] for a, b in passage.highlights} == {"capteurs", "imagerie"}
    assert passage.score == pytest.approx(3.0)


def test_passages_keep_the_first_evidence_when_nothing_matches():
    evidence = [("e1", "Chimie organique."), ("e2", "Catalyse.")]
    (only,) = passages_for(evidence, {stem("imagerie"): 1.0})
    assert only.evidence_id == "e1" and not only.highlights
