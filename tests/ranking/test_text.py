from matchmaker.ranking.text import analyse, fold, sentences, stem, word_spans


def test_fold_removes_accents_and_ligatures():
    assert fold("Thérapie Cœur ÇA") == "therapie coeur ca"


def test_french_and_english_words_share_stems():
    assert stem("imagerie") == stem("imaging")
    assert stem("thérapeutiques") == stem("therapeutic")


def test_analyse_drops_stopwords_and_elisions():
    assert analyse("Le laboratoire d'imagerie et the imaging") == [stem("laboratoire"), "imag", "imag"]


def test_word_spans_point_into_the_original_text():
    text = "Séquençage à haut débit"
    spans = list(word_spans(text))
    assert [text[a:b] for a, b, _ in spans] == ["Séquençage", "haut", "débit"]


def test_sentences_split_on_final_punctuation():
    text = "Première phrase. Deuxième ; troisième! Fin"
    assert [text[a:b] for a, b in sentences(text)] == ["Première phrase.", "Deuxième ;", "troisième!", "Fin"]


def test_hyphenated_prefix_words_are_one_token():
    # "sous-traitant" (sub-contractor) must not match "traitement" (treatment) through "traitant"
    assert analyse("un sous-traitant") == analyse("sous-traitance")[:1] == ["soustrait"]
    assert "trait" not in analyse("sous-traitant certifié")
    assert analyse("le traitement") == ["trait"]


def test_need_phrasing_and_certification_adjectives_are_not_matched():
    assert analyse("Nous cherchons un partenaire certifié") == analyse("partenaire")
    assert analyse("We are looking for a certified partner") == analyse("partner")
    assert "13485" in analyse("certifié ISO 13485")  # the standard itself still matches profiles that cite it
