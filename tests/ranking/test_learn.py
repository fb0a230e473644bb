import numpy as np
import pytest

from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.corpus import EvalQuery
from matchmaker.ranking.learn import QueryGroup, collect, cross_validate, evaluate, fit_weights, training_queries


def test_training_queries_keep_only_non_health_linked_startups():
    records = [
        {
            "key": "ilab:1",
            "kind": "startup",
            "links": ["rnsr:A"],
            "attributes": {"is_health_domain": False},
            "evidence": [
                {
                    "kind": "ilab_project",
                    "source_ref": "ilab-1",
                    "text": "Capteurs optiques pour la vigne. Un long résumé.",
                }
            ],
        },
        {
            "key": "ilab:2",
            "kind": "startup",
            "links": ["rnsr:B"],
            "attributes": {"is_health_domain": True},
            "evidence": [{"kind": "ilab_project", "source_ref": "ilab-2", "text": "Thérapie génique. Un résumé."}],
        },
        {
            "key": "ilab:3",
            "kind": "startup",
            "links": [],
            "attributes": {"is_health_domain": False},
            "evidence": [{"kind": "ilab_project", "source_ref": "ilab-3", "text": "Robotique agricole. Résumé."}],
        },
    ]
    queries = training_queries(records)
    assert [q.qid for q in queries] == ["ilab-1", "ilab-1#pitch"]
    assert queries[0].relevant == ("rnsr:A",) and queries[0].exclude_source_refs == ("ilab-1",)
    assert queries[1].query == "Capteurs optiques pour la vigne"


def _group(name, good_first):
    features = np.array([[2.0, 0.0], [0.0, 2.0], [0.5, 0.5]], np.float32)
    labels = np.array([good_first, not good_first, False])
    return QueryGroup(name, features, labels, 1)


def test_fit_weights_learns_the_informative_feature():
    groups = [_group(f"q{i}", True) for i in range(8)] + [_group("noise", False)]
    weights = fit_weights(groups, ["useful", "useless"], C=1.0)
    assert weights["useful"] > weights["useless"]
    assert evaluate(groups[:8], ["useful", "useless"], weights)["MRR"] == pytest.approx(1.0)
    cv = cross_validate(groups, ["useful", "useless"], [0.1, 1.0], folds=3)
    assert set(cv) == {0.1, 1.0}


def test_collect_builds_one_group_per_query(docs, fake_encoder):
    matcher = HybridMatcher(encoder=fake_encoder).fit(docs)
    query = EvalQuery("q", "diagnostic microfluidique des infections", ("lab:c",), ("ilab-2",))
    (group,) = collect(matcher, [query], ["lab:a", "lab:b", "lab:c", "lab:d"], ["lexical", "dense", "absent"])
    assert group.features.shape[1] == 3 and np.all(group.features[:, 2] == 0)
    assert group.labels.sum() == 1 and group.n_relevant == 1


def _page_groups(seed: int = 0, n: int = 60) -> list[QueryGroup]:
    """Queries where feature 0 brings the right answer near the top and feature 1 decides within the page."""
    rng = np.random.default_rng(seed)
    groups = []
    for q in range(n):
        features = rng.normal(size=(40, 2)).astype(np.float32)
        labels = np.zeros(40, bool)
        labels[0] = True
        features[0, 0] = 1.5  # always on the first page under feature 0, rarely first
        features[:6, 0] = np.maximum(features[:6, 0], 1.4)
        features[0, 1] = features[1:6, 1].max() + 0.5  # feature 1 picks it out among its neighbours
        groups.append(QueryGroup(f"q{q}", features, labels, 1))
    return groups


def test_window_weights_learn_what_separates_the_first_page():
    from matchmaker.ranking.learn import fit_window_weights

    base = {"a": 1.0, "b": 0.0}
    weights = fit_window_weights(_page_groups(), ["a", "b"], base, C=1.0, depth=6)
    assert weights["b"] > 0

    def first_on_page(w):  # how often the right answer heads the base ranking's first page once reordered by w
        hits = []
        for group in _page_groups(1):
            page = np.argsort(-group.features[:, 0], kind="stable")[:6]
            best = page[np.argmax(group.features[page] @ np.array([w["a"], w["b"]]))]
            hits.append(bool(group.labels[best]))
        return np.mean(hits)

    assert first_on_page(weights) > first_on_page(base) + 0.3


def test_blended_weights_rank_better_than_the_base_on_held_out_queries():
    from matchmaker.ranking.learn import blend_weights, fit_blended_weights

    train, test = _page_groups(0), _page_groups(1)
    base = {"a": 1.0, "b": 0.0}
    assert evaluate(test, ["a", "b"], fit_blended_weights(train, ["a", "b"], C=1.0))["MRR"] > evaluate(
        test, ["a", "b"], base
    )["MRR"]
    # blending scales each set to the same spread: the sum of a set with itself ranks like the set
    same = blend_weights(train, ["a", "b"], base, base)
    assert same["b"] == 0 and same["a"] > 0
