"""Measure ranking quality on validation (held out) and on the dev sets, every variant in one run.

    python benchmarks/quality.py                       # table -> benchmarks/results/quality.md
    python benchmarks/quality.py --encoders e5 minilm  # dense encoders to compare (default: e5 minilm)
    python benchmarks/quality.py --learn               # relearn the fusion weights first (learned_weights.py)

Decisions are taken on the validation queries (``matchmaker.ranking.validation``: i-Lab rows outside the
evaluation population, grouped cross-validation, bootstrap intervals); the dev sets are only reported.
Pool: all RNSR structures of the bundled directory; leave-one-out: every evidence whose source_ref is the
query's i-Lab uid is ignored. The index holds every evidence document (as the app builds it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from baselines import TfidfBaseline

from matchmaker.catalogue.records import normalise_company_name
from matchmaker.ranking import HybridMatcher, load_encoder
from matchmaker.ranking.corpus import (
    RNSR_PREFIX,
    EvalQuery,
    evidence_docs,
    is_company_set,
    read_eval_set,
    read_records,
)
from matchmaker.ranking.features import DENSE_FEATURES, FEATURE_NAMES
from matchmaker.ranking.learn import (
    QueryGroup,
    collect,
    cross_validate,
    fit_blended_weights,
    fit_context_weight,
    fit_weights,
    per_query,
    select_features,
    with_context_prior,
)
from matchmaker.ranking.match import EvidenceDoc
from matchmaker.ranking.metrics import ndcg_at_k, recall_at_k, reciprocal_rank, summarise
from matchmaker.ranking.validation import (
    SUBSETS,
    ValidationQuery,
    assert_disjoint,
    evaluation_population,
    format_interval,
    held_out_metrics,
    intervals,
    translated_queries,
    validation_queries,
)
from matchmaker.vocabulary import NOT_COMPANY_KINDS

ROOT = Path(__file__).resolve().parents[1]
Ranker = Callable[[EvalQuery], list[str]]
CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
DEFAULT_FIT = {"C": 0.3, "how": "blended"}
VAL_METRICS = ("R@10", "MRR")


def matcher_ranker(
    matcher: HybridMatcher, pool: Sequence[str], k: int = 50, near: Callable[[EvalQuery], set[str] | None] | None = None
) -> Ranker:
    """Return a ranker over the pool with leave-one-out (and the searcher's region when ``near`` is given)."""
    return lambda q: [
        m.org_id
        for m in matcher.search(
            q.query, k, pool, q.exclude_source_refs, explain=False, near=near(q) if near is not None else None
        )
    ]


def latency(matcher: HybridMatcher, queries: Sequence[EvalQuery], pool: Sequence[str]) -> float:
    """Return the mean ms of search(k=10) with explanations (query vectors primed beforehand)."""
    start = time.perf_counter()
    for q in queries:
        matcher.search(q.query, 10, pool, q.exclude_source_refs)
    return (time.perf_counter() - start) / max(len(queries), 1) * 1000


def run_variant(ranker: Ranker, sets: dict[str, list[EvalQuery]]) -> dict[str, dict[str, float]]:
    """Return the metrics and mean latency of one ranker on each query set."""
    results = {}
    for name, queries in sets.items():
        start = time.perf_counter()
        rankings = [ranker(q) for q in queries]
        elapsed = (time.perf_counter() - start) / max(len(queries), 1)
        summary = summarise(rankings, [q.relevant for q in queries])
        summary["ms"] = elapsed * 1000
        results[name] = summary
    return results


def encoding_speed(
    encoder_name: str, docs: Sequence[EvidenceDoc], sample: int, max_chars: int | None, seed: int = 0
) -> dict[str, float]:
    """Encode a random sample of evidence texts (cut like the index does) without cache; return docs/s."""
    encoder = load_encoder(encoder_name)
    encoder.encode_passages(["warm-up"])
    texts = [d.text[:max_chars] if max_chars else d.text for d in random.Random(seed).sample(list(docs), sample)]
    wall = time.perf_counter()
    for start in range(0, len(texts), 32):
        encoder.encode_passages(texts[start : start + 32])
    wall = time.perf_counter() - wall
    return {"docs/s": len(texts) / wall, "mean chars": float(np.mean([len(t) for t in texts])), "wall s": wall}


def fitter(choice: dict) -> Callable[[Sequence[QueryGroup], Sequence[str]], dict[str, float]]:
    """Return the weight-fitting function of a (C, how) choice."""
    fit = fit_blended_weights if choice["how"] == "blended" else fit_weights
    return lambda groups, names: fit(groups, names, choice["C"])


def learn(groups: list[QueryGroup], names: list[str], key: str, out: list[str]) -> dict:
    """Cross-validate C (folds grouped by query–lab–company component), log the table, return the choice."""
    pairwise = cross_validate(groups, names, CS)
    blended = cross_validate(groups, names, CS, fit=fit_blended_weights)
    candidates = {(c, "pairwise"): r for c, r in pairwise.items()} | {(c, "blended"): r for c, r in blended.items()}
    best_c, how = max(candidates, key=lambda c: candidates[c]["MRR"])
    out.append(f"\n### {key}: {len(groups)} validation queries, 5-fold CV grouped by query–lab–company component\n")
    out.append(
        "Pairwise: logistic regression on relevant-minus-other candidate features. Blended: the pairwise "
        "weights plus a pointwise logistic regression fitted on their top-20 candidates (the first page), each "
        "scaled to the same score spread.\n"
    )
    out.append("| C | pairwise CV MRR | pairwise CV R@10 | blended CV MRR | blended CV R@10 |\n|---|---|---|---|---|")
    out.extend(
        f"| {c} | {r['MRR']:.3f} | {r['R@10']:.3f} | {blended[c]['MRR']:.3f} | {blended[c]['R@10']:.3f} |"
        for c, r in pairwise.items()
    )
    out.append(f"\nchosen: {how}, C = {best_c}")
    return {"C": best_c, "how": how}


def ranking_metrics(rankings: Sequence[Sequence[str]], queries: Sequence[ValidationQuery]) -> dict[str, np.ndarray]:
    """Return per-query R@10, MRR and nDCG@10 of full rankings."""
    return {
        "R@10": np.array([recall_at_k(r, q.relevant, 10) for r, q in zip(rankings, queries, strict=True)]),
        "MRR": np.array([reciprocal_rank(r, q.relevant) for r, q in zip(rankings, queries, strict=True)]),
        "nDCG@10": np.array([ndcg_at_k(r, q.relevant, 10) for r, q in zip(rankings, queries, strict=True)]),
    }


def validation_cells(values: dict[str, np.ndarray], queries: Sequence[ValidationQuery]) -> str:
    """Return the markdown cells of one validation row: R@10 and MRR with intervals, per subset."""
    found = intervals(values, queries, VAL_METRICS)
    return " | ".join(format_interval(*found[s][m]) for s in found for m in VAL_METRICS)


def write_weights(weights: dict[str, dict[str, float]], choices: dict[str, dict]) -> None:
    """Rewrite matchmaker/ranking/learned_weights.py (weights of encoders not measured are kept)."""
    from matchmaker.ranking.learned_weights import LEARNED_WEIGHTS

    path = ROOT / "matchmaker" / "ranking" / "learned_weights.py"
    body = json.dumps({**LEARNED_WEIGHTS, **weights}, indent=4)
    choice_lines = "\n".join(f"    {name}: C = {c['C']}, {c['how']}" for name, c in choices.items())
    path.write_text(
        '"""Fusion weights learned by ``benchmarks/quality.py --learn`` on the validation queries.\n\n'
        "See learn.py and validation.py. Generated file: rerun the command to refresh it after changing the "
        f"features.\nFits chosen by grouped cross-validation:\n{choice_lines}\n\"\"\"\n\n"
        f"LEARNED_WEIGHTS: dict[str, dict[str, float]] = {body}\n"
    )


def company_repeats(records: Sequence[dict]) -> dict[str, set[str]]:
    """Map each i-Lab uid to the labs linked to *other* i-Lab rows of the same company (SIREN or name)."""
    by_company: dict[str, list[dict]] = {}
    for record in records:
        attributes = record.get("attributes") or {}
        if record.get("kind") != "startup" or not attributes.get("ilab_uid"):
            continue
        ids = [f"siren:{record['siren']}"] if record.get("siren") else []
        if attributes.get("company_name_known"):
            ids.append(f"name:{normalise_company_name(record['name'])}")
        for company in ids:
            by_company.setdefault(company, []).append(record)
    repeats: dict[str, set[str]] = {}
    for rows in by_company.values():
        for record in rows:
            uid = record["attributes"]["ilab_uid"]
            others = (set(o.get("links") or ()) for o in rows if o["attributes"]["ilab_uid"] != uid)
            repeats.setdefault(uid, set()).update(*others)
    return repeats


def breakdown(
    matcher: HybridMatcher, records: Sequence[dict], sets: dict[str, list[EvalQuery]], pool: Sequence[str]
) -> list[str]:
    """Return table rows: the default ranking per kind of query, by what the relevant lab's profile holds."""
    repeats = company_repeats(records)
    rows = []
    for name, queries in sets.items():
        buckets: dict[str, list[tuple[float, float]]] = {}
        for query in queries:
            found = matcher.features(query.query, pool, query.exclude_source_refs)
            ranked = [m.org_id for m in matcher.search(query.query, 50, pool, query.exclude_source_refs, explain=False)]
            number = int(matcher.index.org_numbers(query.relevant[:1])[0]) if query.relevant else -1
            lab = found.position(number) if number >= 0 else None
            if any(query.relevant[0] in repeats.get(ref, ()) for ref in query.exclude_source_refs):
                bucket = "same company won i-Lab again, linked to this lab"
            elif number < 0:
                bucket = "relevant lab not in the directory"
            elif lab < 0:
                bucket = "relevant lab not reached by the first stage"
            elif found.raw["prior_projects"][lab] > 0:
                bucket = "lab has other i-Lab projects"
            elif found.raw["prior_funded"][lab] > 0:
                bucket = "lab known through ANR only"
            else:
                bucket = "RNSR record and ERC panels only"
            if lab is not None and lab >= 0 and not found.candidates[lab]:
                bucket += " (not a first-stage candidate)"
            buckets.setdefault(bucket, []).append(
                (recall_at_k(ranked, query.relevant, 10), reciprocal_rank(ranked, query.relevant))
            )
        for bucket, values in sorted(buckets.items()):
            recall, rr = np.mean(values, axis=0)
            rows.append(f"| {name} | {bucket} | {len(values)} | {recall:.3f} | {rr:.3f} |")
    return rows


def row(name: str, results: dict[str, dict[str, float]], extra: str = "") -> str:
    """Format one table row."""
    cells = []
    for summary in results.values():
        cells.append(
            f"{summary['R@1']:.3f} | {summary['R@10']:.3f} | {summary['R@50']:.3f} | {summary['MRR']:.3f} | "
            f"{summary['nDCG@10']:.3f} | {summary['ms']:.0f}"
        )
    return f"| {name} | " + " | ".join(cells) + f" | {extra} |"


KEPT_MARKER = "<!-- Everything below is written by hand and kept when quality.py rewrites this file. -->"


def main() -> None:
    """Run every variant on validation and on the dev sets, and write the markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, default=ROOT / "data/competences/organisations.jsonl.gz")
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--eval", type=Path, nargs="+", default=None, help="dev sets (default: i-Lab, fr and en needs)")
    parser.add_argument("--encoders", nargs="*", default=["e5", "minilm"])
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "models/embeddings")
    parser.add_argument("--speed-sample", type=int, default=300)
    parser.add_argument("--learn", action="store_true", help="relearn the fusion weights before measuring")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/quality.md")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    eval_paths = args.eval or [
        args.shared_data / "eval/ilab_lab_link_dev.jsonl",
        args.shared_data / "eval/fr_needs_dev.jsonl",
        args.shared_data / "eval/procurement_dev.jsonl",
        *sorted((ROOT / "benchmarks").glob("*_needs_dev.jsonl")),
    ]

    records = list(read_records(args.directory))
    docs = evidence_docs(records)
    pool = [r["key"] for r in records if r["key"].startswith(RNSR_PREFIX)]
    # the searcher's context of the i-Lab based sets: the region of the query's start-up (i-Lab data, by uid)
    startup_region = {
        (r.get("attributes") or {}).get("ilab_uid"): r.get("region") for r in records if r.get("kind") == "startup"
    }
    every_set = {
        path.stem: [
            replace(q, region=q.region or startup_region.get(next(iter(q.exclude_source_refs), None)))
            for q in read_eval_set(path)
        ]
        for path in eval_paths
    }
    sets = {name: queries for name, queries in every_set.items() if not is_company_set(queries)}
    supplier_sets = {name: queries for name, queries in every_set.items() if is_company_set(queries)}
    companies = [r["key"] for r in records if r["kind"] not in NOT_COMPANY_KINDS]
    by_region: dict[str, set[str]] = {}
    for record in records:
        if record.get("region"):
            by_region.setdefault(record["region"], set()).add(record["key"])

    def near(query: EvalQuery | ValidationQuery) -> set[str] | None:
        return by_region.get(query.region, set()) if query.region else None
    population = evaluation_population(
        args.shared_data / "ilab_laureats_1999_2025.csv.gz", args.shared_data / "rnsr_structures_actives_2022.csv.gz"
    )
    validation = validation_queries(records, population)
    with open(ROOT / "benchmarks/en_validation.jsonl", encoding="utf-8") as handle:
        validation += translated_queries(validation, (json.loads(line) for line in handle if line.strip()))
    assert_disjoint(validation, {ref for queries in sets.values() for q in queries for ref in q.exclude_source_refs})
    dev = [q for queries in sets.values() for q in queries]
    all_queries = [q.query for q in (*(q for queries in every_set.values() for q in queries), *validation)]
    supplier_rows: list[str] = []
    if supplier_sets:
        company_baseline = TfidfBaseline(docs, companies, kinds=None)
        supplier_rows.append(
            row("TF-IDF over each company's evidence", run_variant(company_baseline.rank, supplier_sets))
        )
    log: list[str] = []
    choices: dict[str, dict] = {}

    variants: list[str] = []
    checks: list[str] = []
    speeds: dict[str, dict[str, float]] = {}
    breakdown_rows: list[str] = []

    def report(label: str, dev_results: dict, val_values: dict[str, np.ndarray], note: str = "") -> None:
        variants.append(row(label, dev_results, note))
        checks.append(f"| {label} | {validation_cells(val_values, validation)} |")
        print(variants[-1], "\n", checks[-1], flush=True)

    start = time.perf_counter()
    baseline = TfidfBaseline(docs, pool)
    report(
        "TF-IDF baseline (README: RNSR + ERC + other i-Lab, refit per query)",
        run_variant(baseline.rank, sets),
        ranking_metrics([baseline.rank(q) for q in validation], validation),
    )

    lexical = HybridMatcher().fit(docs)
    lexical_fit = time.perf_counter() - start
    learned: dict[str, dict[str, float]] = {}
    for name in ["lexical", *args.encoders]:
        if name == "lexical":
            matcher, fit_seconds = lexical, lexical_fit
            names = [n for n in FEATURE_NAMES if n not in DENSE_FEATURES]
        else:
            fit_start = time.perf_counter()
            matcher = HybridMatcher(encoder=load_encoder(name)).fit(docs, cache_dir=args.cache_dir, progress=True)
            fit_seconds = time.perf_counter() - fit_start
            matcher.prime_queries(all_queries, cache_dir=args.cache_dir, progress=True)
            names = list(FEATURE_NAMES)
        with_region = [*names, "same_region"]
        region_groups = collect(matcher, validation, pool, with_region, near=near)
        groups = select_features(region_groups, with_region, names)
        choice = learn(groups, names, name, log) if args.learn else DEFAULT_FIT
        choices[name] = choice
        default = fitter(choice)(groups, names) if args.learn else dict(matcher.settings_["weights"])
        if args.learn:
            default["same_region"] = fit_context_weight(region_groups, with_region, default, "same_region")
        learned[name] = default
        label = "lexical fused (learned weights, no encoder)" if name == "lexical" else f"**fused {name} (default)**"
        singles = (
            [("BM25 per evidence, max + damped sum", {"lexical": 1.0}),
             ("BM25 per organisation profile", {"lexical_org": 1.0}),
             ("TF-IDF cosine per evidence, max + damped sum", {"cosine": 1.0})]
            if name == "lexical"
            else [(f"dense {name} per evidence, z-scored, max + damped sum", {"dense": 1.0}),
                  (f"dense {name} organisation centroid", {"dense_org": 1.0}),
                  (f"hybrid {name}: BM25 + cosine + dense, equal weights",
                   {"lexical": 1.0, "cosine": 1.0, "dense": 1.0})]
        )
        for variant, weights in [*singles, (label, default)]:
            matcher.settings_["weights"] = weights
            note = "" if name == "lexical" else f"index {fit_seconds:.0f} s (embedding cache warm)"
            if weights is default:
                note += f"; search k=10 + passages: {latency(matcher, dev, pool):.0f} ms"
                values = held_out_metrics(groups, names, fitter(choice))
            else:
                values = per_query(groups, names, weights)
            report(variant, run_variant(matcher_ranker(matcher, pool), sets), values, note.lstrip("; "))
        matcher.settings_["weights"] = default
        if supplier_sets:
            supplier_rows.append(
                row(f"fused {name} (default)", run_variant(matcher_ranker(matcher, companies), supplier_sets))
            )
            print(supplier_rows[-1], flush=True)
        report(
            f"{label.strip('*')} + searcher's region (context prior, weight {default.get('same_region', 0)})",
            run_variant(matcher_ranker(matcher, pool, near=near), sets),
            held_out_metrics(region_groups, with_region, with_context_prior(fitter(choice), names)),
            "dev: the start-up's i-Lab region; validation: the same, prior weight refitted per fold",
        )
        if name != "lexical":
            for limit in dict.fromkeys([matcher.settings_["dense_max_chars"], None]):
                speeds_key = f"{name}, texts cut at {limit} chars" if limit else f"{name}, full texts"
                speeds[speeds_key] = encoding_speed(name, docs, min(args.speed_sample, len(docs)), limit)
            if not breakdown_rows:  # the first encoder is the default one
                breakdown_rows.extend(breakdown(matcher, records, sets, pool))
    if args.learn:
        write_weights(learned, choices)

    default_encoder = args.encoders[0] if args.encoders else "lexical"
    header = " | ".join(f"{name}: R@1 | R@10 | R@50 | MRR | nDCG@10 | ms (k=50, no passages)" for name in sets)
    subsets = list(SUBSETS)
    val_header = " | ".join(f"val {s}: {m}" for s in subsets for m in VAL_METRICS)
    counts = {s: sum(1 for q in validation if rule(q)) for s, rule in SUBSETS.items()}
    lines = [
        "# Ranking quality: validation (decides) and dev sets (report)",
        "",
        f"`python benchmarks/quality.py {' '.join(os.sys.argv[1:])}` — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs.",
        "",
        f"Pool: the {len(pool)} RNSR structures; leave-one-out (the query's i-Lab row is ignored everywhere). "
        f"Index: all {len(docs)} evidence documents.",
        "",
        "## Validation (held out from the evaluation population; every decision is taken here)",
        "",
        f"{len(validation)} queries from the i-Lab rows *outside* the evaluation population ({len(population)} "
        "health-domain rows with a declared unit in the RNSR snapshot, of which the dev sets and their hidden twins "
        "are drawn): non-health projects linked to a lab, and health projects reaching the directory only through "
        "the RNSR succession of their closed unit, plus authored English versions of the health pitches "
        "(`benchmarks/en_validation.jsonl`). Subsets: "
        + ", ".join(f"{s} ({n})" for s, n in counts.items())
        + ". Learned variants are scored by grouped 5-fold cross-validation repeated 3 times (weights refitted "
        "without the held-out fold; folds grouped by query–lab–company component so that no lab or company "
        "straddles two folds); the shipped weights are fitted on all of them. Brackets: 95% bootstrap interval "
        f"over the {len({q.group for q in validation})} groups.",
        "",
        f"| variant | {val_header} |",
        "|---|" + "---|" * (len(subsets) * len(VAL_METRICS)),
        *checks,
        "",
        "## Dev sets (read once per change, to report)",
        "",
        "Query sets: " + ", ".join(f"{name} ({len(q)})" for name, q in sets.items())
        + f". Lexical index built in {lexical_fit:.1f} s. Latencies exclude query encoding (query vectors primed); "
        "the notes give search(k=10) with passages, the app's call.",
        "",
        f"| variant | {header} | notes |",
        "|---|" + "---|" * (6 * len(sets) + 1),
        *variants,
        "",
        *(
            [
                "## Supplier side: a hospital's tender -> the company that won it (company pool)",
                "",
                f"Pool: the {len(companies)} companies (every kind but lab, platform, start-up, buyer); every evidence "
                "whose source_ref is in the line's exclude_source_refs (the whole tender) is left out.",
                "",
                "| variant | "
                + " | ".join(f"{name}: R@1 | R@10 | R@50 | MRR | nDCG@10 | ms" for name in supplier_sets)
                + " | notes |",
                "|---|" + "---|" * (6 * len(supplier_sets) + 1),
                *supplier_rows,
                "",
            ]
            if supplier_rows
            else []
        ),
        f"## Where the default ({default_encoder}, fused) finds the lab, by kind of query",
        "",
        "The relevant lab's profile after leave-one-out decides most of it. \"Same company\": the start-up won i-Lab "
        "another year and that other row (a different i-Lab uid, so kept by the leave-one-out rule) is linked to the "
        "same lab — real-world repetition, reported apart. A lab that is not a first-stage candidate (not among the "
        "best 200 of any signal) cannot be ranked.",
        "",
        "| set | relevant lab | queries | R@10 | MRR |",
        "|---|---|---|---|---|",
        *breakdown_rows,
        "",
        "## Passage encoding speed (no cache, batches of 32, same random evidence sample)",
        "",
        "| encoder | docs/s | mean chars | seconds | full index estimate |",
        "|---|---|---|---|---|",
        *(
            f"| {n} | {s['docs/s']:.1f} | {s['mean chars']:.0f} | {s['wall s']:.0f} | "
            f"{len(docs) / s['docs/s'] / 60:.0f} min for {len(docs)} docs |"
            for n, s in speeds.items()
        ),
        "",
        f"Load average at the end: {os.getloadavg()[0]:.1f} (the machine is shared: speeds are lower bounds).",
    ]
    if log:
        lines += ["", "## Learned fusion weights", *log]
    kept = ""
    if args.output.exists() and KEPT_MARKER in args.output.read_text():
        kept = args.output.read_text().split(KEPT_MARKER, 1)[1]
    lines += ["", KEPT_MARKER + kept.rstrip("\n")]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(args.output)


if __name__ == "__main__":
    main()
