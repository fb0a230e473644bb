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
    assert "iso13485" in analyse("certifié ISO 13485")  # the standard itself still matches profiles that cite it


def test_identifiers_match_only_as_what_they_are():
    from matchmaker.ranking.text import analyse

    regulation = set(analyse("conforme au règlement (UE) 2017/745"))
    lab = set(analyse("UMR 745 CNRS"))
    assert not regulation & lab  # "2017/745" never matches "UMR 745"
    assert "iso13485" in analyse("certifié NF EN ISO 13485:2016")
    assert "iso13485" in analyse("ISO13485")
    assert "umr745" in lab and "745" not in lab
    assert not set(analyse("HDS")) & set(analyse("GE HD SAS"))  # two-letter and short tokens are not stemmed
    assert analyse("42300 Roanne") == analyse("Roanne")  # postcodes are not words


def test_generic_words_of_a_directory_record_never_match():
    from matchmaker.ranking.text import analyse, analyse_evidence

    assert analyse_evidence("ISO Med", "directory_record") == []
    assert "iso" in analyse("ISO Med")
    assert analyse_evidence("Institut de titane appliqué", "directory_record") == analyse("titane appliqué")


def test_who_asks_never_matches_a_hospital_department_record():
    from matchmaker.ranking.text import analyse, analyse_evidence

    record = analyse_evidence("DMU APHP.Centre : Urgences et réanimations. Pôle du CHU", "directory_record")
    assert not set(record) & set(analyse("Notre CHU cherche un dispositif pour le pôle"))
    assert set(analyse("urgences")) <= set(record)
