"""Learn the match-strength calibration (strong / possible / weak) on held-out validation queries.

    python benchmarks/strength.py            # fit, print the held-out precision of each band, write
                                             # matchmaker/ranking/learned_strength.py and results/strength.md

Validation queries: the i-Lab projects outside the evaluation rule (non-health projects linked to an RNSR
lab, as for the fusion weights), the project left out of every profile; a ranked lab is right when it is a
linked lab. The dev sets are never read. A logistic model maps the absolute signals of each of the 10 first
sufficient matches (coverage of the need by the evidence, fused score, profile similarity, log rank) to the
probability of being right; 5-fold cross-validation grouped by project gives the held-out probabilities,
and the band thresholds are the lowest probabilities at which the held-out precision of the band reaches
its target (strong: 0.50, possible: 0.20).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from matchmaker.ranking import HybridMatcher, load_encoder
from matchmaker.ranking.corpus import RNSR_PREFIX, evidence_docs, read_records
from matchmaker.ranking.learn import training_queries
from matchmaker.ranking.strength import INPUTS, STRONG_MIN_COVERAGE

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"strong": 0.5, "possible": 0.2}
DEPTH = 10


def collect(matcher: HybridMatcher, queries, pool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (signals (n, len(INPUTS)), labels (n,), query group (n,)) of the first sufficient matches."""
    rows, labels, groups = [], [], []
    for number, query in enumerate(queries):
        for match in matcher.search(query.query, DEPTH, pool, query.exclude_source_refs, explain=False):
            if not match.sufficient:
                continue
            rows.append([match.signals[name] for name in INPUTS])
            labels.append(match.org_id in query.relevant)
            groups.append(number)
    return np.asarray(rows, np.float64), np.asarray(labels, bool), np.asarray(groups)


def threshold_for(probabilities: np.ndarray, labels: np.ndarray, target: float) -> tuple[float, float, int]:
    """Return the lowest probability whose band (p >= it) has held-out precision >= target, with that precision."""
    order = np.argsort(-probabilities)
    hits = np.cumsum(labels[order])
    precision = hits / np.arange(1, order.size + 1)
    ok = np.flatnonzero(precision >= target)
    if ok.size == 0:
        return 1.01, float("nan"), 0
    last = int(ok.max())
    return float(probabilities[order][last]), float(precision[last]), last + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, default=ROOT / "data/competences/organisations.jsonl.gz")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "models/embeddings")
    parser.add_argument("--encoders", nargs="*", default=["e5"])
    parser.add_argument("--limit", type=int, default=600, help="validation queries used (the first N, seeded order)")
    args = parser.parse_args()
    records = list(read_records(args.directory))
    docs = evidence_docs(records)
    pool = [r["key"] for r in records if r["key"].startswith(RNSR_PREFIX)]
    queries = training_queries(records)
    rng = np.random.default_rng(13)
    queries = [queries[i] for i in rng.permutation(len(queries))[: args.limit]]
    learned, report = {}, ["# Match strength calibration (validation: non-health i-Lab rows linked to labs)\n"]
    for name in [None, *args.encoders]:
        key = name or "lexical"
        encoder = load_encoder(name) if name else None
        matcher = HybridMatcher(encoder=encoder).fit(docs, cache_dir=args.cache_dir)
        matcher.strength_model_ = None
        if encoder is not None:
            matcher.prime_queries([q.query for q in queries], cache_dir=args.cache_dir)
        x, y, groups = collect(matcher, queries, pool)
        held_out = np.zeros(len(y))
        fold = groups % 5
        for f in range(5):
            model = LogisticRegression(C=1.0, max_iter=2000).fit(x[fold != f], y[fold != f])
            held_out[fold == f] = model.predict_proba(x[fold == f])[:, 1]
        # strong also needs the evidence to cover half of the need (as HybridMatcher._match applies it)
        covered = x[:, INPUTS.index("coverage")] >= STRONG_MIN_COVERAGE
        strong, strong_precision, n_strong = threshold_for(np.where(covered, held_out, 0.0), y, TARGETS["strong"])
        possible, _, _ = threshold_for(held_out, y, TARGETS["possible"])
        weak = held_out < possible
        strong_mask = covered & (held_out >= strong)
        model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
        learned[key] = {
            "inputs": list(INPUTS),
            "coefficients": [round(float(c), 5) for c in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 5),
            "strong": round(strong, 4),
            "possible": round(possible, 4),
            "precision": {
                "strong": round(strong_precision, 3),
                "possible": round(float(y[(held_out >= possible) & ~strong_mask].mean()), 3),
                "weak": round(float(y[weak].mean()) if weak.any() else 0.0, 3),
            },
        }
        top1 = np.r_[True, groups[1:] != groups[:-1]]
        report.append(
            f"## {key}: {len(set(groups))} queries, {len(y)} ranked labs (top {DEPTH}), {int(y.sum())} right\n\n"
            f"| band | threshold (p) | held-out precision | share of ranked labs | share of first results |\n"
            f"|---|---|---|---|---|\n"
            f"| strong | {strong:.3f} | {strong_precision:.3f} | {n_strong / len(y):.3f} | "
            f"{strong_mask[top1].mean():.3f} |\n"
            f"| possible | {possible:.3f} | {learned[key]['precision']['possible']:.3f} | "
            f"{((held_out >= possible) & ~strong_mask).mean():.3f} | "
            f"{((held_out[top1] >= possible) & ~strong_mask[top1]).mean():.3f} |\n"
            f"| weak | — | {learned[key]['precision']['weak']:.3f} | {weak.mean():.3f} | "
            f"{(held_out[top1] < possible).mean():.3f} |\n"
        )
        print(report[-1])
    target = ROOT / "matchmaker/ranking/learned_strength.py"
    target.write_text(
        '"""Strength calibration learned by ``benchmarks/strength.py`` (generated file: rerun it after changing '
        'features)."""\n\nLEARNED_STRENGTH: dict[str, dict] = ' + json.dumps(learned, indent=4) + "\n"
    )
    (ROOT / "benchmarks/results/strength.md").write_text("\n".join(report))


if __name__ == "__main__":
    main()
