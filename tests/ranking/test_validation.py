import csv
import gzip

import numpy as np
import pytest

from matchmaker.ranking.learn import QueryGroup, fit_weights
from matchmaker.ranking.validation import (
    assert_disjoint,
    bootstrap_interval,
    evaluation_population,
    grouped_folds,
    held_out_metrics,
    intervals,
    paired_difference,
    procurement_validation_queries,
    tender_family,
    validation_queries,
)


def _write_csv(path, rows):
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_evaluation_population_follows_the_data_readme_rule(tmp_path):
    _write_csv(tmp_path / "rnsr.csv.gz", [{"numero_national_de_structure": "A"}, {"numero_national_de_structure": "B"}])
    text = {"moto": "Diagnostic rapide des infections", "resume": "Un résumé."}
    _write_csv(
        tmp_path / "ilab.csv.gz",
        [
            {"ilab_uid": "ilab-1", "rnsr_ids_unite": "A", "is_health_domain": "1", **text},  # in
            {"ilab_uid": "ilab-2", "rnsr_ids_unite": "Z, B", "is_health_domain": "1", **text},  # comma: in
            {"ilab_uid": "ilab-3", "rnsr_ids_unite": "A", "is_health_domain": "0", **text},  # not health
            {"ilab_uid": "ilab-4", "rnsr_ids_unite": "Z", "is_health_domain": "1", **text},  # closed unit
            {"ilab_uid": "ilab-5", "rnsr_ids_unite": "A", "is_health_domain": "1", "moto": "Court", "resume": ""},
        ],
    )
    assert evaluation_population(tmp_path / "ilab.csv.gz", tmp_path / "rnsr.csv.gz") == {"ilab-1", "ilab-2"}


def _startup(uid, links, siren=None, health=False, text="Capteurs optiques pour la vigne. Un long résumé du projet."):
    return {
        "key": f"ilab:{uid}",
        "kind": "startup",
        "siren": siren,
        "region": "Bretagne",
        "links": links,
        "attributes": {"ilab_uid": uid, "is_health_domain": health},
        "evidence": [{"kind": "ilab_project", "source_ref": uid, "text": text}],
    }


def test_validation_queries_leave_out_the_evaluation_rows_and_group_labs_and_companies():
    records = [
        _startup("ilab-1", ["rnsr:A"], siren="111"),
        _startup("ilab-2", ["rnsr:B"], siren="111"),  # same company as ilab-1: one group
        _startup("ilab-3", ["rnsr:B"]),  # same lab as ilab-2: same group
        _startup("ilab-4", ["rnsr:C"], health=True),
        _startup("ilab-5", ["rnsr:D"], health=True),  # evaluation row: never used
        _startup("ilab-6", []),  # no lab
        {"key": "rnsr:A", "kind": "lab", "evidence": []},
    ]
    queries = validation_queries(records, excluded_uids={"ilab-5"})
    assert {q.qid for q in queries} == {f"ilab-{i}{s}" for i in (1, 2, 3, 4) for s in ("", "#pitch")}
    group = {q.qid: q.group for q in queries}
    assert group["ilab-1"] == group["ilab-2"] == group["ilab-3"] == group["ilab-3#pitch"] != group["ilab-4"]
    first = next(q for q in queries if q.qid == "ilab-4#pitch")
    assert first.query == "Capteurs optiques pour la vigne" and first.is_pitch and first.health
    assert first.exclude_source_refs == ("ilab-4",) and first.region == "Bretagne"
    assert_disjoint(queries, {"ilab-5"})
    with pytest.raises(ValueError, match="evaluation rows"):
        assert_disjoint(queries, {"ilab-4"})


def test_grouped_folds_keep_each_group_in_one_fold_and_stay_balanced():
    groups = [f"g{i // 3}" for i in range(60)] + ["big"] * 9
    folds = grouped_folds(groups, 5, seed=1)
    for name in set(groups):
        assert len({folds[i] for i, g in enumerate(groups) if g == name}) == 1
    sizes = np.bincount(folds, minlength=5)
    assert sizes.max() - sizes.min() <= 9


def test_bootstrap_interval_brackets_the_mean_and_collapses_on_constants():
    rng = np.random.default_rng(0)
    values = rng.random(200)
    groups = [f"g{i // 2}" for i in range(200)]
    mean, low, high = bootstrap_interval(values, groups)
    assert low < mean < high and high - low < 0.2
    assert bootstrap_interval(np.full(10, 0.5), list("abcdefghij")) == pytest.approx((0.5, 0.5, 0.5))


def _query_group(name, informative):
    features = np.array([[2.0, 0.0], [0.0, 2.0], [0.5, 0.5]], np.float32)
    return QueryGroup(name, features, np.array([informative, not informative, False]), 1)


def test_held_out_metrics_refit_without_the_held_out_group():
    groups = [_query_group(f"q{i}", True) for i in range(20)]
    values = held_out_metrics(groups, ["useful", "useless"], lambda g, n: fit_weights(g, n, 1.0), folds=4, repeats=2)
    assert values["MRR"].shape == (20,) and np.all(values["MRR"] == 1.0)
    assert np.all(values["R@10"] == 1.0)


def test_intervals_and_paired_difference_per_subset():
    from matchmaker.ranking.validation import ValidationQuery

    queries = [
        ValidationQuery(f"ilab-{i}" + ("#pitch" if i % 2 else ""), "q", ("rnsr:A",), (f"ilab-{i}",), f"g{i // 4}",
                        health=i < 4)
        for i in range(16)
    ]
    better = {"R@10": np.ones(16), "MRR": np.full(16, 0.5)}
    base = {"R@10": np.zeros(16), "MRR": np.full(16, 0.25)}
    found = intervals(better, queries, ("R@10", "MRR"))
    assert set(found) == {"projects", "pitches", "health"}
    assert found["projects"]["MRR"] == pytest.approx((0.5, 0.5, 0.5))
    delta = paired_difference(better, base, queries)
    assert delta["pitches"]["R@10"][0] == pytest.approx(1.0)


def test_procurement_validation_leaves_out_evaluation_tenders_and_whole_tenders():
    records = [
        {"key": "co:a", "kind": "manufacturer", "evidence": [
            {"text": "A. Fabricant", "kind": "directory_record"},
            {"text": "Marché : pompes", "kind": "contract_won", "source_ref": "decp:b1|1"},
            {"text": "Marché : pompes lot 2", "kind": "contract_won", "source_ref": "decp:b1|2"}]},
        {"key": "co:b", "kind": "distributor", "evidence": [
            {"text": "Marché : vaccins", "kind": "contract_won", "source_ref": "decp:b2|1"}]},
    ]
    contracts = [
        {"uid": "b1|1", "acheteur_id": "b1", "objet": "Fourniture de pompes à perfusion"},
        {"uid": "b1|2", "acheteur_id": "b1", "objet": "Fourniture de pompes  à perfusion"},
        {"uid": "b2|1", "acheteur_id": "b2", "objet": "Fourniture de vaccins humains"},
        {"uid": "b3|1", "acheteur_id": "b3", "objet": "Fourniture de vaccins antigrippaux"},
    ]
    dev = [{"tender_family": tender_family("b3", "Fourniture de vaccins antigrippaux"), "exclude_source_refs": []}]
    queries = procurement_validation_queries(records, contracts, dev)
    # b1: lots of one title merged, the whole tender left out, the winner still has its record; b2: its only
    # evidence is left out (not findable, dropped); b3: an evaluation tender, never used
    assert [(q.query, q.relevant, set(q.exclude_source_refs), q.group) for q in queries] == [
        ("Fourniture de pompes à perfusion", ("co:a",), {"decp:b1|1", "decp:b1|2"}, "b1"),
    ]
