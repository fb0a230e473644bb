"""Stopwords: French and English function words and need phrasing, in the folded form the analyser uses."""

from matchmaker.ranking.stopwords import STOPWORDS
from matchmaker.ranking.text import analyse, fold


def test_function_words_of_both_languages_are_stopwords():
    assert {"le", "des", "pour", "the", "and", "of"} <= STOPWORDS


def test_stopwords_are_lower_case_and_accent_free():
    assert all(word == fold(word) for word in STOPWORDS)


def test_need_phrasing_never_reaches_the_index():
    assert analyse("Nous cherchons un laboratoire certifié") == analyse("laboratoire")
