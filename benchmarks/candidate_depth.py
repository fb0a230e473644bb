"""First-stage depth on validation: does retrieving more candidates per signal find more relevant labs?

    python benchmarks/candidate_depth.py 200,400      # depths to compare (grouped 5-fold CV, 3 repeats)

Every depth gets its own fusion weights, refitted inside each fold (blended, C = 3), as the default is learned.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from matchmaker.ranking import HybridMatcher, load_encoder
from matchmaker.ranking.corpus import RNSR_PREFIX, evidence_docs, read_records
from matchmaker.ranking.features import FEATURE_NAMES
from matchmaker.ranking.learn import collect, fit_blended_weights
from matchmaker.ranking.validation import (
    evaluation_population,
    held_out_metrics,
    intervals,
    paired_difference,
    translated_queries,
    validation_queries,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared/data"


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    depths = [int(x) for x in sys.argv[1].split(",")]
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
    names = list(FEATURE_NAMES)
    results = {}
    for depth in depths:
        matcher.settings_["candidate_depth"] = depth
        groups = collect(matcher, validation, pool, names)
        found = np.mean([g.labels.sum() / g.n_relevant for g in groups if g.n_relevant])
        results[depth] = held_out_metrics(groups, names, lambda g, n: fit_blended_weights(g, n, 3.0))
        cells = "  ".join(
            f"{s}: {r['R@10'][0]:.3f}/{r['MRR'][0]:.3f}/{r['nDCG@10'][0]:.3f}"
            for s, r in intervals(results[depth], validation, n_boot=300).items()
        )
        print(f"depth {depth}: relevant labs among the candidates {found:.3f}  {cells}", flush=True)
        if depth != depths[0]:
            diff = paired_difference(results[depth], results[depths[0]], validation, n_boot=500)
            print("  diff", "  ".join(
                f"{s}: R@10 {r['R@10'][0]:+.3f} [{r['R@10'][1]:+.3f},{r['R@10'][2]:+.3f}] "
                f"MRR {r['MRR'][0]:+.3f} [{r['MRR'][1]:+.3f},{r['MRR'][2]:+.3f}]" for s, r in diff.items()),
                flush=True)


if __name__ == "__main__":
    main()
