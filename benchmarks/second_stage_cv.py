"""A learned second stage over the fused ranking, measured on validation by grouped cross-validation (issue 16).

    python benchmarks/second_stage_collect.py /tmp/feats.pkl models/embeddings   # candidate features, once
    python benchmarks/second_stage_cv.py /tmp/feats.pkl 1 base,lin_cov,hgb30,add0.5,add1.0

Variants: the default linear fusion (blended weights refitted per fold), the same with the coverage of the need
by each organisation's evidence as two more linear features, and scikit-learn gradient-boosted trees
(HistGradientBoostingClassifier) over the features, eight unstandardised signals, the fused score and its rank,
the need's length and language and the coverage, trained on the first page (top 30 under the fold's fusion) of the
training folds: either re-ordering the top 30, or added to the fused score of every candidate (x beta). Folds are
grouped by query–lab–company component; the base fusion is refitted inside each fold. Measured, not shipped: see
benchmarks/results/quality.md (decisions log).
"""

from __future__ import annotations

import pickle
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from matchmaker.ranking.bilingual import is_english
from matchmaker.ranking.learn import QueryGroup, fit_blended_weights, per_query
from matchmaker.ranking.validation import ValidationQuery, cross_validate_per_query, intervals, paired_difference

with open(sys.argv[1], "rb") as handle:
    data = pickle.load(handle)
names = list(data["feature_names"])
val = data["val"]
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
WINDOW = 30
groups_ids = [v["group"] for v in val]
fake_queries = [
    ValidationQuery(v["qid"], v["query"], (), (), v["group"], None, v["health"]) for v in val
]


def qgroups(items, extra=()):
    out = []
    for v in items:
        cols = [v["features"]]
        for e in extra:
            cols.append(EXTRA[e](v)[:, None])
        out.append(QueryGroup(v["group"] if "group" in v else v["qid"], np.hstack(cols).astype(np.float32),
                              v["labels"], v["n_relevant"]))
    return out


def z(x):
    s = x.std()
    return (x - x.mean()) / s if s > 1e-9 else x * 0


EXTRA = {
    "coverage": lambda v: z(v["coverage"]),
    "coverage_rare": lambda v: z(v["coverage_rare"]),
    "cov_raw": lambda v: v["coverage"],
    "covr_raw": lambda v: v["coverage_rare"],
}


def metrics_from_scores(items, scores_list):
    out = {m: np.zeros(len(items)) for m in ("MRR", "R@10", "nDCG@10")}
    for i, (v, s) in enumerate(zip(items, scores_list, strict=True)):
        if v["n_relevant"] == 0:
            continue
        order = np.argsort(-s, kind="stable")
        ranks = np.flatnonzero(v["labels"][order]) + 1
        out["MRR"][i] = 1.0 / ranks[0] if ranks.size else 0.0
        out["R@10"][i] = float((ranks <= 10).sum()) / v["n_relevant"]
        ideal = np.sum(1.0 / np.log2(np.arange(min(v["n_relevant"], 10)) + 2))
        out["nDCG@10"][i] = float(np.sum(1.0 / np.log2(ranks[ranks <= 10] + 1))) / ideal
    return out


def rr_features(v, base):
    """Per-candidate features for the second stage."""
    order = np.argsort(-base, kind="stable")
    rank = np.empty(base.size)
    rank[order] = np.arange(1, base.size + 1)
    english = float(is_english(v["query"]))
    n = base.size
    return np.column_stack([
        v["features"], v["raw"], z(base), base - base.max(), np.log(rank),
        np.full(n, v["n_terms"]), np.full(n, english), v["sufficient"].astype(float), v["coverage"], v["coverage_rare"],
    ])


def run(label, fit_and_score):
    t = time.perf_counter()
    values = cross_validate_per_query(len(val), groups_ids, fit_and_score, 5, REPEATS, 0)
    res = intervals(values, fake_queries, n_boot=300)
    cells = "  ".join(f"{s}: {r['R@10'][0]:.3f}/{r['MRR'][0]:.3f}/{r['nDCG@10'][0]:.3f}" for s, r in res.items())
    print(f"{label:45s} {cells}  ({time.perf_counter() - t:.0f}s)", flush=True)
    return values


BASE_C = 3.0
base_groups = qgroups(val)


def base_fit_score(train, test):
    w = fit_blended_weights([base_groups[i] for i in train], names, BASE_C)
    return per_query([base_groups[i] for i in test], names, w)


def linear_extra(extra):
    gs = qgroups(val, extra)
    nn = [*names, *extra]

    def f(train, test):
        w = fit_blended_weights([gs[i] for i in train], nn, BASE_C)
        return per_query([gs[i] for i in test], nn, w)
    return f


def tree_rerank(window=WINDOW, blend=None, params=None, model_kind="hgb", additive=None):
    params = params or {}

    def f(train, test):
        w = fit_blended_weights([base_groups[i] for i in train], names, BASE_C)
        vec = np.array([w.get(n, 0.0) for n in names], np.float32)
        bases = [v["features"] @ vec for v in val]
        xs, ys = [], []
        for i in train:
            v = val[i]
            if not v["labels"].any():
                continue
            top = np.argsort(-bases[i], kind="stable")[:window]
            xs.append(rr_features(v, bases[i])[top])
            ys.append(v["labels"][top])
        x, y = np.concatenate(xs), np.concatenate(ys)
        if model_kind == "hgb":
            model = HistGradientBoostingClassifier(
                max_iter=params.get("n", 150), learning_rate=params.get("lr", 0.05), max_depth=params.get("depth", 3),
                min_samples_leaf=params.get("leaf", 40), l2_regularization=1.0, random_state=0)
        else:
            mean, scale = x.mean(0), np.where(x.std(0) > 1e-9, x.std(0), 1)
            model = LogisticRegression(C=params.get("C", 0.1), max_iter=3000)
            x = (x - mean) / scale
        model.fit(x, y)
        scores = []
        for i in test:
            v = val[i]
            s = bases[i].astype(np.float64).copy()
            if additive is not None:
                scores.append(s + additive * model.decision_function(rr_features(v, bases[i])))
                continue
            top = np.argsort(-s, kind="stable")[:window]
            feats = rr_features(v, bases[i])[top]
            if model_kind != "hgb":
                feats = (feats - mean) / scale
            learned = model.decision_function(feats)
            if blend is not None:
                learned = z(s[top]) + blend * z(learned)
            new = s.copy()
            new[top] = 1e6 + learned  # the window stays above the rest
            scores.append(new)
        return metrics_from_scores([val[i] for i in test], scores)
    return f


if __name__ == "__main__":
    which = sys.argv[3].split(",") if len(sys.argv) > 3 else ["base", "lin_cov", "hgb30", "lr30"]
    results = {}
    if "base" in which:
        results["base"] = run("base (blended C=3, refit per fold)", base_fit_score)
    if "lin_cov" in which:
        results["lin_cov"] = run("linear + coverage, coverage_rare", linear_extra(["coverage", "coverage_rare"]))
    if "hgb30" in which:
        results["hgb30"] = run("HGB re-rank top 30", tree_rerank(30))
    if "hgb50" in which:
        results["hgb50"] = run("HGB re-rank top 50", tree_rerank(50))
    if "hgb30b" in which:
        results["hgb30b"] = run("HGB top 30 blended with base (1:1)", tree_rerank(30, blend=1.0))
    if "hgb20" in which:
        results["hgb20"] = run("HGB re-rank top 20", tree_rerank(20))
    for beta in (0.25, 0.5, 1.0, 2.0):
        if f"add{beta}" in which:
            results[f"add{beta}"] = run(f"HGB (top 30) added to base x{beta}", tree_rerank(30, additive=beta))
    if "lr30" in which:
        results["lr30"] = run("LR pointwise re-rank top 30", tree_rerank(30, model_kind="lr"))
    if "base" in results:
        for k, v in results.items():
            if k == "base":
                continue
            d = paired_difference(v, results["base"], fake_queries, n_boot=500)
            print("  diff", k, "  ".join(
                f"{s}: R@10 {r['R@10'][0]:+.3f} [{r['R@10'][1]:+.3f},{r['R@10'][2]:+.3f}] "
                f"MRR {r['MRR'][0]:+.3f} [{r['MRR'][1]:+.3f},{r['MRR'][2]:+.3f}]" for s, r in d.items()))
