"""Collect the candidate features of every validation query once (for ``second_stage_cv.py``).

    python benchmarks/second_stage_collect.py OUT.pkl EMBEDDING_CACHE_DIR [DIRECTORY.jsonl.gz]

Validation queries: ``matchmaker.ranking.validation`` (i-Lab rows outside the evaluation population, plus the
authored English pitches); e5 index over the bundled directory, the shipped fusion weights.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from matchmaker.ranking import HybridMatcher, load_encoder
from matchmaker.ranking.corpus import RNSR_PREFIX, evidence_docs, read_eval_set, read_records
from matchmaker.ranking.features import FEATURE_NAMES
from matchmaker.ranking.scoring import fuse
from matchmaker.ranking.validation import evaluation_population, translated_queries, validation_queries

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared/data"


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = Path(sys.argv[1])
    cache = Path(sys.argv[2])
    directory = Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT / "data/competences/organisations.jsonl.gz"
    records = list(read_records(directory))
    docs = evidence_docs(records)
    pool = [r["key"] for r in records if r["key"].startswith(RNSR_PREFIX)]
    population = evaluation_population(
        SHARED / "ilab_laureats_1999_2025.csv.gz", SHARED / "rnsr_structures_actives_2022.csv.gz"
    )
    validation = validation_queries(records, population)
    with open(ROOT / "benchmarks/en_validation.jsonl", encoding="utf-8") as handle:
        validation += translated_queries(validation, (json.loads(line) for line in handle if line.strip()))
    by_region: dict[str, set[str]] = {}
    for record in records:
        if record.get("region"):
            by_region.setdefault(record["region"], set()).add(record["key"])
    startup_region = {
        (r.get("attributes") or {}).get("ilab_uid"): r.get("region") for r in records if r.get("kind") == "startup"
    }
    dev = {}
    for path in [SHARED / "eval/ilab_lab_link_dev.jsonl", SHARED / "eval/fr_needs_dev.jsonl",
                 ROOT / "benchmarks/en_needs_dev.jsonl"]:
        dev[path.stem] = read_eval_set(path)
    start = time.perf_counter()
    matcher = HybridMatcher(encoder=load_encoder("e5")).fit(docs, cache_dir=cache, progress=True)
    texts = [q.query for q in validation] + [q.query for qs in dev.values() for q in qs]
    matcher.prime_queries(texts, cache_dir=cache, progress=True)
    print("fit", time.perf_counter() - start, flush=True)
    weights = matcher.settings_["weights"]
    raw_names = ["lexical", "cosine", "dense", "dense_org", "lexical_org", "hybrid", "prior_length", "prior_projects"]

    def one(q, region):
        near = by_region.get(region, set()) if region else None
        found = matcher.features(q.query, pool, q.exclude_source_refs, near)
        rows = np.flatnonzero(found.candidates)
        feats = np.stack([found.org[n][rows] for n in FEATURE_NAMES], axis=1).astype(np.float32)
        raw = np.stack([found.raw[n][rows] for n in raw_names], axis=1).astype(np.float32)
        base = fuse(found.org, {k: v for k, v in weights.items() if k != "same_region"})[rows]
        relevant = matcher.index.org_numbers(q.relevant)
        relevant = relevant[relevant >= 0]
        return dict(
            qid=q.qid, rows=rows, features=feats, raw=raw, base=base.astype(np.float32),
            coverage=found.coverage[rows], coverage_rare=found.coverage_rare[rows],
            sufficient=found.sufficient[rows], labels=np.isin(found.orgs[rows], relevant),
            n_relevant=int(np.unique(relevant).size),
            same_region=found.org["same_region"][rows] if near is not None else np.zeros(rows.size, np.float32),
            n_terms=len(found.term_weights), query=q.query,
        )

    items = []
    for i, q in enumerate(validation):
        item = one(q, q.region)
        item.update(group=q.group, is_pitch=q.is_pitch, is_english=q.is_english, health=q.health)
        items.append(item)
        if i % 200 == 0:
            print(i, time.perf_counter() - start, flush=True)
    dev_items = {}
    for name, qs in dev.items():
        dev_items[name] = []
        for q in qs:
            region = q.region or startup_region.get(next(iter(q.exclude_source_refs), None))
            dev_items[name].append(one(q, region))
    with open(out, "wb") as handle:
        pickle.dump({"feature_names": FEATURE_NAMES, "raw_names": raw_names, "val": items, "dev": dev_items,
                     "weights": weights}, handle)
    print("done", time.perf_counter() - start)


if __name__ == "__main__":
    main()
