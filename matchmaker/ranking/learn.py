"""Learn the fusion weights: pairwise logistic regression over the features of the first-stage candidates.

Training queries come from the bundled directory: i-Lab projects outside the health domains whose start-up
is linked to an RNSR lab (query = the project text, relevant = the linked labs, the project itself left out).
Health-domain linked projects are never used: they are the evaluation population.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from matchmaker.ranking.corpus import RNSR_PREFIX, EvalQuery
from matchmaker.ranking.matcher import HybridMatcher


@dataclass(frozen=True)
class QueryGroup:
    """The standardised candidate features of one training query.

    Attributes:
        group: id shared by the variants of one source row (for grouped cross-validation).
        features: (n_candidates, n_features) float32.
        labels: (n_candidates,) bool, relevant or not.
        n_relevant: relevant organisations in the pool (some may be missing from the candidates).
    """

    group: str
    features: np.ndarray
    labels: np.ndarray
    n_relevant: int


def _vector(weights: Mapping[str, float], names: Sequence[str]) -> np.ndarray:
    """Return the weights in the order of ``names`` (missing = 0)."""
    return np.array([weights.get(n, 0.0) for n in names], np.float32)


def training_queries(records: Iterable[Mapping[str, Any]], short: bool = True) -> list[EvalQuery]:
    """Return non-health i-Lab projects linked to RNSR labs as queries (plus their one-line pitch)."""
    queries = []
    for record in records:
        attributes = record.get("attributes") or {}
        links = [link for link in record.get("links") or [] if link.startswith(RNSR_PREFIX)]
        if record.get("kind") != "startup" or attributes.get("is_health_domain", True) or not links:
            continue
        for evidence in record.get("evidence") or []:
            uid = evidence.get("source_ref")
            text = (evidence.get("text") or "").strip()
            if evidence.get("kind") != "ilab_project" or not uid or len(text) < 20:
                continue
            relevant = tuple(dict.fromkeys(links))
            queries.append(EvalQuery(uid, text, relevant, (uid,)))
            pitch = text.split(". ", 1)[0]
            if short and pitch != text and len(pitch) >= 20:
                queries.append(EvalQuery(f"{uid}#pitch", pitch, relevant, (uid,)))
    return queries


def collect(
    matcher: HybridMatcher,
    queries: Sequence[EvalQuery],
    pool: Sequence[str],
    names: Sequence[str],
    near: Callable[[Any], Collection[str] | None] | None = None,
) -> list[QueryGroup]:
    """Compute the standardised candidate features of each query (features missing from the index = 0).

    ``near`` gives a query's same-region organisations (the searcher's context), or None for text only.
    """
    groups = []
    for query in queries:
        context = near(query) if near is not None else None
        found = matcher.features(query.query, pool, query.exclude_source_refs, context)
        rows = np.flatnonzero(found.candidates)
        zero = np.zeros(rows.size, np.float32)
        features = np.stack([found.org[n][rows] if n in found.org else zero for n in names], axis=1)
        relevant = matcher.index.org_numbers(query.relevant)
        relevant = relevant[relevant >= 0]
        labels = np.isin(found.orgs[rows], relevant)
        group = getattr(query, "group", None) or query.qid.split("#")[0]
        groups.append(QueryGroup(group, features, labels, int(np.unique(relevant).size)))
    return groups


def fit_weights(groups: Sequence[QueryGroup], names: Sequence[str], C: float = 0.01) -> dict[str, float]:
    """Fit a pairwise logistic regression (relevant minus non-relevant candidate features, no intercept).

    Each query weighs the same whatever its number of candidates and relevant organisations.
    """
    differences, weights = [], []
    for group in groups:
        positive, negative = group.features[group.labels], group.features[~group.labels]
        if len(positive) == 0 or len(negative) == 0:
            continue
        for row in positive:
            differences.append(row - negative)
            weights.append(np.full(len(negative), 1.0 / (len(positive) * len(negative))))
    x = np.concatenate(differences)
    w = np.concatenate(weights)  # every query sums to 1, so C reads as a per-query strength
    model = LogisticRegression(C=C, fit_intercept=False, max_iter=5000)
    model.fit(np.concatenate([x, -x]), np.r_[np.ones(len(x)), np.zeros(len(x))], sample_weight=np.r_[w, w])
    return {name: round(float(c), 4) for name, c in zip(names, model.coef_[0], strict=True)}


def fit_window_weights(
    groups: Sequence[QueryGroup], names: Sequence[str], base: Mapping[str, float], C: float = 0.1, depth: int = 20
) -> dict[str, float]:
    """Fit a pointwise logistic regression on the ``depth`` best candidates under ``base`` (the first page).

    The pairwise fit weighs every relevant/non-relevant pair alike, most of them far down the list; this one
    learns what separates the right organisation from its neighbours on the page a user reads.
    """
    vector = _vector(base, names)
    rows, labels = [], []
    for group in groups:
        if not group.labels.any():
            continue
        window = np.argsort(-(group.features @ vector), kind="stable")[:depth]
        rows.append(group.features[window])
        labels.append(group.labels[window])
    x, y = np.concatenate(rows), np.concatenate(labels)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
    model.fit((x - x.mean(axis=0)) / scale, y)
    return {name: round(float(c), 4) for name, c in zip(names, model.coef_[0] / scale, strict=True)}


def blend_weights(
    groups: Sequence[QueryGroup], names: Sequence[str], first: Mapping[str, float], second: Mapping[str, float]
) -> dict[str, float]:
    """Sum two weight sets, each scaled so that its scores spread alike (mean per-query std over candidates)."""

    def spread(weights: Mapping[str, float]) -> float:
        vector = _vector(weights, names)
        return float(np.mean([np.std(g.features @ vector) for g in groups])) or 1.0

    a, b = spread(first), spread(second)
    return {n: round(first.get(n, 0.0) / a + second.get(n, 0.0) / b, 4) for n in names}


def fit_blended_weights(groups: Sequence[QueryGroup], names: Sequence[str], C: float, window_C: float = 0.1) -> dict:
    """Pairwise weights blended with the first-page pointwise weights learned on top of them."""
    pairwise = fit_weights(groups, names, C)
    return blend_weights(groups, names, pairwise, fit_window_weights(groups, names, pairwise, window_C))


def per_query(
    groups: Sequence[QueryGroup], names: Sequence[str], weights: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """Return each query's MRR, Recall@10 and nDCG@10 under the weighted candidate scores.

    A relevant organisation missing from the candidates counts as not found; a query without relevant
    organisations in the pool scores 0.

    Returns:
        metric name -> (len(groups),) float64.
    """
    vector = _vector(weights, names)
    out = {name: np.zeros(len(groups)) for name in ("MRR", "R@10", "nDCG@10")}
    for i, group in enumerate(groups):
        if group.n_relevant == 0:
            continue
        scores = group.features @ vector
        order = np.argsort(-scores, kind="stable")
        ranks = np.flatnonzero(group.labels[order]) + 1
        out["MRR"][i] = 1.0 / ranks[0] if ranks.size else 0.0
        out["R@10"][i] = float((ranks <= 10).sum()) / group.n_relevant
        ideal = np.sum(1.0 / np.log2(np.arange(min(group.n_relevant, 10)) + 2))
        out["nDCG@10"][i] = float(np.sum(1.0 / np.log2(ranks[ranks <= 10] + 1))) / ideal
    return out


def evaluate(groups: Sequence[QueryGroup], names: Sequence[str], weights: Mapping[str, float]) -> dict[str, float]:
    """Return mean MRR and Recall@10 of the weighted candidate scores (missing relevant = not found)."""
    answered = [g for g in groups if g.n_relevant]
    values = per_query(answered, names, weights)
    return {"MRR": float(np.mean(values["MRR"])), "R@10": float(np.mean(values["R@10"]))}


def cross_validate(
    groups: Sequence[QueryGroup],
    names: Sequence[str],
    Cs: Sequence[float],
    folds: int = 5,
    seed: int = 0,
    fit: Callable[[Sequence[QueryGroup], Sequence[str], float], Mapping[str, float]] = fit_weights,
) -> dict[float, dict[str, float]]:
    """Return the held-out MRR / Recall@10 of each C, folds grouped by source row (``fit`` learns the weights)."""
    ids = sorted({g.group for g in groups})
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(ids, rng.permutation(len(ids)) % folds, strict=True))
    results: dict[float, dict[str, float]] = {}
    for C in Cs:
        scores = []
        for fold in range(folds):
            train = [g for g in groups if fold_of[g.group] != fold]
            test = [g for g in groups if fold_of[g.group] == fold]
            scores.append(evaluate(test, names, fit(train, names, C)))
        results[C] = {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}
    return results


CONTEXT_GRID = tuple(round(0.5 * i, 1) for i in range(17))
"""Weights tried for a context prior (0 to 8 fused-score units; the fused text score spreads about 2 units)."""


def fit_context_weight(
    groups: Sequence[QueryGroup],
    names: Sequence[str],
    text_weights: Mapping[str, float],
    feature: str,
    grid: Sequence[float] = CONTEXT_GRID,
    tolerance: float = 0.01,
) -> float:
    """Return the smallest weight of one context prior whose MRR is within ``tolerance`` of the best.

    The prior is added to fixed text weights learned without it, so the text-only ranking never depends on it.
    The tolerance keeps the prior soft: past a point a larger weight turns it into a filter for no real gain.
    """
    scores = []
    for weight in grid:
        values = per_query(groups, names, {**text_weights, feature: weight})
        scores.append(float(np.mean(values["MRR"])))
    best = max(scores)
    return float(next(w for w, score in zip(grid, scores, strict=True) if score >= best - tolerance))


def select_features(groups: Sequence[QueryGroup], names: Sequence[str], keep: Sequence[str]) -> list[QueryGroup]:
    """Return the groups with only the ``keep`` feature columns (in that order)."""
    columns = [list(names).index(n) for n in keep]
    return [QueryGroup(g.group, g.features[:, columns], g.labels, g.n_relevant) for g in groups]


def with_context_prior(
    fit: Callable[[Sequence[QueryGroup], Sequence[str]], Mapping[str, float]],
    text_names: Sequence[str],
    feature: str = "same_region",
) -> Callable[[Sequence[QueryGroup], Sequence[str]], dict[str, float]]:
    """Return a fit that learns the text weights on ``text_names`` alone, then the prior's weight on top."""

    def fit_all(groups: Sequence[QueryGroup], names: Sequence[str]) -> dict[str, float]:
        weights = dict(fit(select_features(groups, names, text_names), text_names))
        weights[feature] = fit_context_weight(groups, names, weights, feature)
        return weights

    return fit_all
