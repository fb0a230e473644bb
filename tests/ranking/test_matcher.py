
import pytest

from matchmaker.ranking import HybridMatcher, Match, NotFittedError


def test_search_ranks_the_lab_whose_evidence_matches(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    matches = matcher.search("imagerie IRM du cerveau", k=3)
    assert matches[0].org_id == "lab:a"
    assert all(isinstance(m, Match) for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert set(matches[0].parts) >= {"lexical", "lexical_org", "dense", "prior_projects"}


def test_lexical_only_matcher_works_without_encoder(docs):
    matcher = HybridMatcher().fit(docs)
    assert matcher.search("cancer immunotherapy", k=1)[0].org_id == "lab:d"
    assert "dense" not in matcher.search("cancer", k=1)[0].parts


def test_candidate_orgs_restrict_the_pool(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    matches = matcher.search("diagnostic microfluidique", k=10, candidate_orgs={"lab:a", "lab:b", "nope"})
    assert {m.org_id for m in matches} <= {"lab:a", "lab:b"}


def test_excluded_source_refs_are_ignored_everywhere(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    query = "diagnostic rapide des infections bactériennes par microfluidique"
    assert matcher.search(query, k=1)[0].org_id in {"lab:c", "startup:s2"}
    left_out = matcher.search(query, k=10, exclude_source_refs={"ilab-2"})
    assert "startup:s2" not in {m.org_id for m in left_out}  # its only evidence is left out
    for match in left_out:
        assert not any(e.endswith("ilab-2") or e.startswith("startup:s2") for e in match.evidence_ids)


@pytest.mark.parametrize("settings", [{}, {"exhaustive_rows": 0}], ids=["whole", "first-stage"])
def test_leave_one_out_equals_an_index_without_the_evidence(docs, settings):
    query = "diagnostic des infections par microfluidique et séquençage, imagerie en cancérologie"
    with_loo = HybridMatcher(**settings).fit(docs).features(query, exclude_source_refs={"ilab-2"})
    kept = [d for d in docs if d.source_ref != "ilab-2"]
    without = HybridMatcher(**settings).fit(kept).features(query)
    fitted, smaller = HybridMatcher(**settings).fit(docs), HybridMatcher(**settings).fit(kept)
    keys = {fitted.index.org_key(int(o)) for o in with_loo.orgs[with_loo.candidates]}
    assert keys == {smaller.index.org_key(int(o)) for o in without.orgs[without.candidates]} == {"lab:a", "lab:d"}
    for org in ("lab:a", "lab:d"):
        i = with_loo.position(int(fitted.index.org_numbers([org])[0]))
        j = without.position(int(smaller.index.org_numbers([org])[0]))
        assert i >= 0 and j >= 0
        for name in ("lexical_org", "lexical", "prior_length"):
            assert with_loo.raw[name][i] == pytest.approx(without.raw[name][j], abs=1e-5)


def test_search_before_fit_raises():
    with pytest.raises(NotFittedError):
        HybridMatcher().search("x")


def test_region_prior_is_soft_explained_and_off_without_context(docs, fake_encoder):
    from matchmaker.ranking.features import CONTEXT_FEATURES

    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    query = "imagerie médicale et microfluidique pour le diagnostic"
    text_only = matcher.search(query, k=4, explain=False)
    assert all("same_region" not in m.parts for m in text_only)
    last = text_only[-1].org_id
    matcher.settings_["weights"] = {**matcher.settings_["weights"], "same_region": 0.0}
    assert [m.org_id for m in matcher.search(query, k=4, explain=False, near={last})] == [
        m.org_id for m in text_only
    ]
    matcher.settings_["weights"]["same_region"] = 100.0
    boosted = matcher.search(query, k=4, explain=False, near={last})
    assert boosted[0].org_id == last and boosted[0].parts["same_region"] == 1.0
    assert {m.org_id for m in boosted} == {m.org_id for m in text_only}  # a prior reorders, never adds
    assert "same_region" in CONTEXT_FEATURES


def test_a_supplier_search_fuses_with_the_supplier_weights(docs, fake_encoder):
    record = {"lexical_record": 1.0}
    project = {"lexical_project": 1.0, "lexical_field": 1.0}
    matcher = HybridMatcher(encoder=fake_encoder, weights=project, supplier_weights=record).fit(docs)
    assert matcher.weights_for(suppliers=True) == record and matcher.weights_for() == project
    query = "laboratoire imagerie cancer microbiologie"
    general = matcher.search(query, k=10)
    supplier = matcher.search(query, k=10, suppliers=True)
    assert all(m.score == pytest.approx(m.parts["lexical_record"]) for m in supplier)
    assert all(m.score == pytest.approx(m.parts["lexical_project"] + m.parts["lexical_field"]) for m in general)
    assert [m.org_id for m in supplier] != [m.org_id for m in general]
