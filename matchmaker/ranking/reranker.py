"""Re-rank matches with a logistic regression learned from staff curation (kept / rejected)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from matchmaker.ranking.errors import NotFittedError
from matchmaker.ranking.match import Match
from matchmaker.ranking.metrics import reciprocal_rank

MIN_LABELS = 30
"""Curation labels needed (with both outcomes present) before the re-ranker switches on."""

MIN_PER_CLASS = 5

DEFAULT_C = 0.01


def feature_row(match: Match, extra: Mapping[str, float] | None = None) -> dict[str, float]:
    """Return the features of one match: its fused score, its score parts and caller features."""
    row = {"score": float(match.score), **{f"part:{k}": float(v) for k, v in match.parts.items()}}
    row.update({k: float(v) for k, v in (extra or {}).items()})
    return row


class CurationReranker:
    """Logistic regression over match features; inactive until it has seen enough labels.

    Args:
        C: inverse regularisation strength of the logistic regression (strong by default: with a few hundred
            labels a weak one overfits, see benchmarks/results/reranker.md).
        min_labels: labels needed before ``fit`` activates the model.
    """

    def __init__(self, C: float = DEFAULT_C, min_labels: int = MIN_LABELS) -> None:
        self.C = C
        self.min_labels = min_labels

    def fit(self, feature_rows: Sequence[Mapping[str, float]], labels: Sequence[int | bool]) -> CurationReranker:
        """Learn from rows built by ``feature_row`` and 1/0 labels (kept / rejected by staff)."""
        if len(feature_rows) != len(labels):
            raise ValueError("feature_rows and labels must have the same length")
        y = np.asarray(labels, dtype=np.int64)
        self.n_labels_ = int(y.size)
        self.feature_names_ = sorted({name for row in feature_rows for name in row})
        positives = int(y.sum())
        self.active_ = y.size >= self.min_labels and min(positives, y.size - positives) >= MIN_PER_CLASS
        self.mean_ = np.zeros(len(self.feature_names_))
        self.scale_ = np.ones(len(self.feature_names_))
        self.coef_ = np.zeros(len(self.feature_names_))
        self.intercept_ = 0.0
        if not self.active_:
            return self
        x = self._matrix(feature_rows, standardise=False)
        self.mean_ = x.mean(axis=0)
        self.scale_ = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=1000)
        model.fit((x - self.mean_) / self.scale_, y)
        self.coef_ = model.coef_[0]
        self.intercept_ = float(model.intercept_[0])
        return self

    def _matrix(self, rows: Sequence[Mapping[str, float]], standardise: bool = True) -> np.ndarray:
        x = np.array([[float(row.get(n, 0.0)) for n in self.feature_names_] for row in rows], np.float64)
        x = x.reshape(len(rows), len(self.feature_names_))
        return (x - self.mean_) / self.scale_ if standardise else x

    def decision_function(self, feature_rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Return the (n,) log-odds that staff would keep each row."""
        self._check_fitted()
        return self._matrix(feature_rows) @ self.coef_ + self.intercept_

    def rerank(
        self, matches: Sequence[Match], feature_rows: Sequence[Mapping[str, float]] | None = None
    ) -> list[Match]:
        """Reorder matches by the learned log-odds; unchanged while the re-ranker is inactive.

        Args:
            matches: matches from a ranker, best first.
            feature_rows: optional caller features per match (kind / region / certification match...).
        """
        self._check_fitted()
        if not self.active_ or not matches:
            return list(matches)
        extras = feature_rows if feature_rows is not None else [{}] * len(matches)
        if len(extras) != len(matches):
            raise ValueError("one feature row per match is required")
        rows = [feature_row(m, extra) for m, extra in zip(matches, extras, strict=True)]
        scores = self.decision_function(rows)
        order = sorted(range(len(matches)), key=lambda i: (-scores[i], i))
        return [
            replace(matches[i], score=float(scores[i]), parts={**matches[i].parts, "curation": float(scores[i])})
            for i in order
        ]

    def _check_fitted(self) -> None:
        if not hasattr(self, "active_"):
            raise NotFittedError("CurationReranker is not fitted: call fit() or load()")

    def to_dict(self) -> dict[str, Any]:
        """Return the fitted model as plain JSON-able data."""
        self._check_fitted()
        return {
            "C": self.C,
            "min_labels": self.min_labels,
            "n_labels": self.n_labels_,
            "active": self.active_,
            "feature_names": self.feature_names_,
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CurationReranker:
        """Rebuild a fitted re-ranker from ``to_dict`` output."""
        reranker = cls(C=data["C"], min_labels=data["min_labels"])
        reranker.n_labels_ = int(data["n_labels"])
        reranker.active_ = bool(data["active"])
        reranker.feature_names_ = list(data["feature_names"])
        reranker.mean_ = np.asarray(data["mean"], np.float64)
        reranker.scale_ = np.asarray(data["scale"], np.float64)
        reranker.coef_ = np.asarray(data["coef"], np.float64)
        reranker.intercept_ = float(data["intercept"])
        return reranker

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    @classmethod
    def load(cls, path: Path) -> CurationReranker:
        """Read a model written by ``save``."""
        return cls.from_dict(json.loads(Path(path).read_text()))


def held_out_mrr(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[int | bool],
    groups: Sequence[object],
    C: float = DEFAULT_C,
    folds: int = 5,
    min_groups: int = 5,
) -> tuple[float, float] | None:
    """Return the mean reciprocal rank of the first kept match per held-out need, engine order vs re-ranked.

    ``groups`` names the need of each row. Needs with both a kept and a rejected match are split into
    folds; each fold is scored by a re-ranker fitted on the others. The engine order is the ``score``
    feature (the fused score the match had when staff decided). Returns None with fewer than
    ``min_groups`` such needs: too little to tell whether the re-ranker helps.
    """
    by_group: dict[object, list[int]] = {}
    for i, group in enumerate(groups):
        by_group.setdefault(group, []).append(i)
    usable = [ids for ids in by_group.values() if 0 < sum(bool(labels[i]) for i in ids) < len(ids)]
    if len(usable) < max(min_groups, 2):
        return None
    folds = min(folds, len(usable))
    order = np.random.default_rng(0).permutation(len(usable))

    def first_kept(ids: list[int], scores: np.ndarray) -> float:
        ranked = [ids[j] for j in sorted(range(len(ids)), key=lambda j: (-scores[j], j))]
        return reciprocal_rank(ranked, [i for i in ids if labels[i]])

    before, after = [], []
    for fold in range(folds):
        test = [usable[g] for k, g in enumerate(order) if k % folds == fold]
        train = [i for k, g in enumerate(order) if k % folds != fold for i in usable[g]]
        model = CurationReranker(C=C, min_labels=0).fit([rows[i] for i in train], [labels[i] for i in train])
        for ids in test:
            engine = np.array([float(rows[i].get("score", 0.0)) for i in ids])
            before.append(first_kept(ids, engine))
            learned = model.decision_function([rows[i] for i in ids]) if model.active_ else engine
            after.append(first_kept(ids, learned))
    return float(np.mean(before)), float(np.mean(after))
