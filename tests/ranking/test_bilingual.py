from matchmaker.ranking.bilingual import glossary, is_english, lexical_query, translate_terms
from matchmaker.ranking.text import analyse


def test_english_needs_are_told_apart_from_french_ones():
    assert is_english("We are looking for a lab with expertise in cardiac MRI image analysis")
    assert is_english("AI triage of chest X-rays in emergency")
    assert not is_english("Nous cherchons un laboratoire d'imagerie cardiaque par IRM")
    assert not is_english("IRM cardiaque")  # no function word and no English-only word: left as typed
    assert is_english("Therapeutic RNAs to treat hepatitis C")
    assert is_english("Humanised antithrombotic antibodies for the liver")


def test_key_terms_get_their_french_words_longest_term_first():
    assert translate_terms("deep learning for the liver") == ["apprentissage profond", "foie hépatique"]
    expanded = lexical_query("wound dressing for diabetic foot ulcers")
    assert expanded.startswith("wound dressing for diabetic foot ulcers ")
    assert set(analyse("pansement plaie ulcère")) <= set(analyse(expanded))


def test_french_needs_are_never_rewritten():
    text = "Recherche d'un laboratoire de cicatrisation des plaies chroniques"
    assert lexical_query(text) == text


def test_glossary_entries_are_folded_and_non_empty():
    table = glossary()
    assert len(table) > 200
    assert all(key and all(w == w.lower() for w in key) and french for key, french in table.items())
    assert ("x-ray",) in table and ("deep", "learning") in table


def test_the_matcher_translates_english_needs_for_its_lexical_signals_only(docs):
    from matchmaker.ranking import HybridMatcher

    matcher = HybridMatcher(translate_queries=True).fit(docs)
    plain = HybridMatcher(translate_queries=False).fit(docs)
    query = "We are looking for a lab in bacterial infections and rapid diagnosis with microfluidics"
    translated, untranslated = matcher.features(query), plain.features(query)
    assert set(translated.term_weights) > set(untranslated.term_weights)
    lab_c = int(matcher.index.org_numbers(["lab:c"])[0])
    here, there = translated.position(lab_c), untranslated.position(lab_c)
    assert here >= 0 and there >= 0
    assert translated.raw["lexical"][here] > untranslated.raw["lexical"][there]  # "infections bactériennes" found
    french = "Nous cherchons un laboratoire de diagnostic rapide des infections"
    assert matcher.features(french).term_weights == plain.features(french).term_weights
