"""A learned linear query adapter for e5, measured on validation by grouped cross-validation (issue 16).

    python benchmarks/query_adapter.py 0.01,1.0     # L2 strengths to try

q' = normalise(q + q W), W (384 x 384) trained on the training folds' validation queries with a softmax over every
evidence row of the index (positives: the relevant labs' evidence, the query's own row left out); documents keep
their bundled vectors (no re-encoding). The fusion weights are refitted in each fold on the adapted features, and
the base is refitted the same way. Measured, not shipped: see benchmarks/results/quality.md (decisions log).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from matchmaker.ranking import HybridMatcher, load_encoder
from matchmaker.ranking.corpus import RNSR_PREFIX, evidence_docs, read_records
from matchmaker.ranking.features import FEATURE_NAMES
from matchmaker.ranking.learn import collect, fit_blended_weights, per_query
from matchmaker.ranking.validation import (
    evaluation_population,
    grouped_folds,
    intervals,
    paired_difference,
    translated_queries,
    validation_queries,
)

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = int(os.environ.get("ADAPTER_EPOCHS", "5"))
SHARED = ROOT.parent / "shared/data"
torch.set_num_threads(1)


def train_adapter(queries, vectors, matcher, l2: float, epochs: int = EPOCHS, tau: float = 0.02, seed: int = 0):
    """Return W (dim, dim): q' = normalise(q + q @ W), trained by softmax over every valid evidence row."""
    torch.manual_seed(seed)
    emb = torch.tensor(np.asarray(matcher.embeddings_, np.float32))
    owner = matcher.table_.owner
    idx = matcher.table_.org_index
    positives, excluded = [], []
    for q in queries:
        labs = [idx[r] for r in q.relevant if r in idx]
        rows = np.flatnonzero(np.isin(owner, labs))
        out = matcher.table_.excluded_rows(q.exclude_source_refs)
        rows = np.setdiff1d(rows, out)
        positives.append(rows)
        excluded.append(out)
    keep = [i for i, p in enumerate(positives) if p.size]
    q = torch.tensor(np.stack([vectors[i] for i in keep]))
    n_docs, dim = emb.shape
    pos_mask = torch.zeros(len(keep), n_docs, dtype=torch.bool)
    bad_mask = torch.zeros(len(keep), n_docs, dtype=torch.bool)
    for j, i in enumerate(keep):
        pos_mask[j, positives[i]] = True
        bad_mask[j, excluded[i]] = True
    w = torch.zeros(dim, dim, requires_grad=True)
    opt = torch.optim.Adam([w], lr=1e-3)
    for _ in range(epochs):
        perm = torch.randperm(len(keep))
        for start in range(0, len(keep), 64):
            b = perm[start : start + 64]
            qb = q[b] + q[b] @ w
            qb = qb / qb.norm(dim=1, keepdim=True)
            s = (qb @ emb.T) / tau
            s = s.masked_fill(bad_mask[b], -1e9)
            loss = (torch.logsumexp(s, 1) - torch.logsumexp(s.masked_fill(~pos_mask[b], -1e9), 1)).mean()
            loss = loss + l2 * (w * w).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return w.detach().numpy()


def adapt(vectors: np.ndarray, w: np.ndarray) -> np.ndarray:
    out = vectors + vectors @ w
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    l2s = [float(x) for x in sys.argv[1].split(",")]
    records = list(read_records(ROOT / "data/competences/organisations.jsonl.gz"))
    docs = evidence_docs(records)
    pool = [r["key"] for r in records if r["key"].startswith(RNSR_PREFIX)]
    population = evaluation_population(
        SHARED / "ilab_laureats_1999_2025.csv.gz", SHARED / "rnsr_structures_actives_2022.csv.gz"
    )
    validation = validation_queries(records, population)
    with open(ROOT / "benchmarks/en_validation.jsonl", encoding="utf-8") as handle:
        validation += translated_queries(validation, (json.loads(line) for line in handle if line.strip()))
    cache = Path(os.environ.get("EMBEDDING_CACHE", ROOT / "models/embeddings"))
    matcher = HybridMatcher(encoder=load_encoder("e5")).fit(docs, cache_dir=cache)
    matcher.prime_queries([q.query for q in validation], cache_dir=cache)
    original = np.stack([matcher.query_vector(q.query) for q in validation])
    names = list(FEATURE_NAMES)
    groups_ids = [q.group for q in validation]
    fold_of = grouped_folds(groups_ids, 5, 0)
    t = time.perf_counter()

    def run(w_of_fold):
        values = {m: np.zeros(len(validation)) for m in ("MRR", "R@10", "nDCG@10")}
        for fold in range(5):
            train, test = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
            vectors = original if w_of_fold is None else adapt(original, w_of_fold(train))
            matcher._query_vectors.clear()
            matcher._query_vectors.update({q.query: v for q, v in zip(validation, vectors, strict=True)})
            groups = collect(matcher, validation, pool, names)
            weights = fit_blended_weights([groups[i] for i in train], names, 3.0)
            for m, v in per_query([groups[i] for i in test], names, weights).items():
                values[m][test] = v
            print(" fold", fold, time.perf_counter() - t, flush=True)
        return values

    def show(label, values):
        res = intervals(values, validation, n_boot=300)
        print(label, "  ".join(f"{s}: {r['R@10'][0]:.3f}/{r['MRR'][0]:.3f}/{r['nDCG@10'][0]:.3f}"
                               for s, r in res.items()), flush=True)

    base = run(None)
    show("base", base)
    for l2 in l2s:
        values = run(lambda train, l2=l2: train_adapter([validation[i] for i in train], original[train], matcher, l2))
        show(f"adapter l2={l2}", values)
        d = paired_difference(values, base, validation, n_boot=500)
        print("  diff", "  ".join(
            f"{s}: R@10 {r['R@10'][0]:+.3f} [{r['R@10'][1]:+.3f},{r['R@10'][2]:+.3f}] "
            f"MRR {r['MRR'][0]:+.3f} [{r['MRR'][1]:+.3f},{r['MRR'][2]:+.3f}]" for s, r in d.items()), flush=True)


if __name__ == "__main__":
    main()
