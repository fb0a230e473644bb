"""Measure ranking quality on the dev sets, every variant on the same queries, in one run.

    python benchmarks/quality.py                       # table -> benchmarks/results/quality.md
    python benchmarks/quality.py --encoders e5 minilm  # dense encoders to compare (default: e5 minilm)
    python benchmarks/quality.py --learn               # relearn the fusion weights first (learned_weights.py)

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
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

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
from matchmaker.ranking.learn import collect, cross_validate, fit_blended_weights, fit_weights, training_queries
from matchmaker.ranking.match import EvidenceDoc
from matchmaker.ranking.metrics import recall_at_k, reciprocal_rank, summarise
from matchmaker.vocabulary import NOT_COMPANY_KINDS

ROOT = Path(__file__).resolve().parents[1]
Ranker = Callable[[EvalQuery], list[str]]
BASELINE_KINDS = frozenset({"directory_record", "research_fields", "ilab_project"})
CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


class TfidfBaseline:
    """The data README baseline: one TF-IDF (sub-linear tf) text per lab, refitted for each query.

    Lab text = RNSR record + ERC panels + the lab's other i-Lab projects (no ANR). Refitting is exact and
    cheap: term counts are kept per evidence, the left-out evidence is subtracted from its lab, and df/idf
    are recomputed from the remaining lab texts.
    """

    def __init__(
        self, docs: Sequence[EvidenceDoc], pool: Sequence[str], kinds: frozenset[str] | None = BASELINE_KINDS
    ) -> None:
        self.pool = list(pool)
        row_of = {org: i for i, org in enumerate(self.pool)}
        kept = [d for d in docs if d.org_id in row_of and (kinds is None or d.kind in kinds)]
        self.vectorizer = CountVectorizer(lowercase=True)
        counts = self.vectorizer.fit_transform([d.text for d in kept]).tocsr().astype(np.float32)
        owner = np.array([row_of[d.org_id] for d in kept])
        ownership = sp.csr_matrix((np.ones(len(kept)), (owner, np.arange(len(kept)))), (len(self.pool), len(kept)))
        self.lab_counts = (ownership @ counts).tocsr()
        self.doc_counts, self.owner = counts, owner
        self.rows_of_ref: dict[str, list[int]] = {}
        for i, doc in enumerate(kept):
            if doc.source_ref:
                self.rows_of_ref.setdefault(doc.source_ref, []).append(i)

    def rank(self, query: EvalQuery, k: int = 50) -> list[str]:
        """Return the ``k`` best lab ids for one query."""
        counts = self.lab_counts
        rows = [r for ref in query.exclude_source_refs for r in self.rows_of_ref.get(ref, [])]
        if rows:
            moved = sp.csr_matrix(
                (np.ones(len(rows)), (self.owner[rows], np.arange(len(rows)))), (counts.shape[0], len(rows))
            )
            counts = (counts - moved @ self.doc_counts[rows]).tocsr()
            counts.eliminate_zeros()
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log((1 + n) / (1 + df)) + 1
        tfidf = counts.copy()
        tfidf.data = (1 + np.log(tfidf.data)) * idf[tfidf.indices]
        norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
        q = self.vectorizer.transform([query.query]).astype(np.float32)
        q.data = (1 + np.log(q.data)) * idf[q.indices]
        scores = np.asarray((tfidf @ q.T).todense()).ravel() / np.maximum(norms, 1e-12)
        top = np.argsort(-scores, kind="stable")[:k]
        return [self.pool[i] for i in top]


def matcher_ranker(matcher: HybridMatcher, pool: Sequence[str], k: int = 50) -> Ranker:
    """Return a ranker over the pool with leave-one-out."""
    return lambda q: [m.org_id for m in matcher.search(q.query, k, pool, q.exclude_source_refs, explain=False)]


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


def learn(matcher: HybridMatcher, key: str, train: list[EvalQuery], pool: list[str], out: list[str]) -> dict:
    """Cross-validate C, fit the weights of one feature set on every training query, log the CV table."""
    names = [n for n in FEATURE_NAMES if key != "lexical" or n not in DENSE_FEATURES]
    groups = collect(matcher, train, pool, names)
    pairwise = cross_validate(groups, names, CS)
    blended = cross_validate(groups, names, CS, fit=fit_blended_weights)
    candidates = {(c, "pairwise"): r for c, r in pairwise.items()} | {(c, "blended"): r for c, r in blended.items()}
    best_c, how = max(candidates, key=lambda c: candidates[c]["MRR"])
    out.append(f"\n### {key}: {len(groups)} training queries, 5-fold CV grouped by i-Lab row\n")
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
    return (fit_blended_weights if how == "blended" else fit_weights)(groups, names, best_c)


def write_weights(weights: dict[str, dict[str, float]]) -> None:
    """Rewrite matchmaker/ranking/learned_weights.py (weights of encoders not measured are kept)."""
    from matchmaker.ranking.learned_weights import LEARNED_WEIGHTS

    path = ROOT / "matchmaker" / "ranking" / "learned_weights.py"
    body = json.dumps({**LEARNED_WEIGHTS, **weights}, indent=4)
    path.write_text(
        '"""Fusion weights learned by ``benchmarks/quality.py --learn`` (pairwise logistic regression, see '
        'learn.py).\n\nGenerated file: rerun the command to refresh it after changing the features.\n"""\n\n'
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
    table = matcher.table_
    rows = []
    for name, queries in sets.items():
        buckets: dict[str, list[tuple[float, float]]] = {}
        for query in queries:
            found = matcher.features(query.query, pool, query.exclude_source_refs)
            ranked = [m.org_id for m in matcher.search(query.query, 50, pool, query.exclude_source_refs, explain=False)]
            lab = table.org_index.get(query.relevant[0]) if query.relevant else None
            if any(query.relevant[0] in repeats.get(ref, ()) for ref in query.exclude_source_refs):
                bucket = "same company won i-Lab again, linked to this lab"
            elif lab is None:
                bucket = "relevant lab not in the directory"
            elif found.raw["prior_projects"][lab] > 0:
                bucket = "lab has other i-Lab projects"
            elif found.raw["prior_funded"][lab] > 0:
                bucket = "lab known through ANR only"
            else:
                bucket = "RNSR record and ERC panels only"
            if lab is not None and not found.candidates[lab]:
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


def main() -> None:
    """Run every variant and write the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, default=ROOT / "data/competences/organisations.jsonl.gz")
    parser.add_argument(
        "--eval", type=Path, nargs="+", default=sorted((ROOT.parent / "shared/data/eval").glob("*.jsonl"))
    )
    parser.add_argument("--encoders", nargs="*", default=["e5", "minilm"])
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "models/embeddings")
    parser.add_argument("--speed-sample", type=int, default=300)
    parser.add_argument("--learn", action="store_true", help="relearn the fusion weights before measuring")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/quality.md")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    records = list(read_records(args.directory))
    docs = evidence_docs(records)
    pool = [r["key"] for r in records if r["key"].startswith(RNSR_PREFIX)]
    every_set = {path.stem: read_eval_set(path) for path in args.eval}
    sets = {name: queries for name, queries in every_set.items() if not is_company_set(queries)}
    supplier_sets = {name: queries for name, queries in every_set.items() if is_company_set(queries)}
    companies = [r["key"] for r in records if r["kind"] not in NOT_COMPANY_KINDS]
    train = training_queries(records)
    dev = [q for queries in sets.values() for q in queries]
    all_queries = [q.query for queries in (*every_set.values(), train) for q in queries]
    supplier_rows: list[str] = []
    if supplier_sets:
        company_baseline = TfidfBaseline(docs, companies, kinds=None)
        supplier_rows.append(
            row("TF-IDF over each company's evidence", run_variant(company_baseline.rank, supplier_sets))
        )
    log: list[str] = []

    variants: list[str] = []
    start = time.perf_counter()
    baseline = TfidfBaseline(docs, pool)
    variants.append(
        row("TF-IDF baseline (README: RNSR + ERC + other i-Lab, refit per query)", run_variant(baseline.rank, sets))
    )
    print(variants[-1], flush=True)

    lexical = HybridMatcher().fit(docs)
    lexical_fit = time.perf_counter() - start
    learned: dict[str, dict[str, float]] = {}
    if args.learn:
        learned["lexical"] = learn(lexical, "lexical", train, pool, log)
    lexical_default = dict(learned.get("lexical") or lexical.settings_["weights"])
    for label, weights in (
        ("BM25 per evidence, max + damped sum", {"lexical": 1.0}),
        ("BM25 per organisation profile", {"lexical_org": 1.0}),
        ("TF-IDF cosine per evidence, max + damped sum", {"cosine": 1.0}),
        ("lexical fused (learned weights, no encoder)", lexical_default),
    ):
        lexical.settings_["weights"] = weights
        note = f"search k=10 + passages: {latency(lexical, dev, pool):.0f} ms" if weights is lexical_default else ""
        variants.append(row(label, run_variant(matcher_ranker(lexical, pool), sets), note))
        print(variants[-1], flush=True)

    speeds = {}
    breakdown_rows: list[str] = []
    for name in args.encoders:
        encoder = load_encoder(name)
        fit_start = time.perf_counter()
        matcher = HybridMatcher(encoder=encoder).fit(docs, cache_dir=args.cache_dir, progress=True)
        fit_seconds = time.perf_counter() - fit_start
        matcher.prime_queries(all_queries, cache_dir=args.cache_dir, progress=True)
        if args.learn:
            learned[name] = learn(matcher, name, train, pool, log)
        default = dict(learned.get(name) or matcher.settings_["weights"])
        for limit in dict.fromkeys([matcher.settings_["dense_max_chars"], None]):
            speeds[f"{name}, texts cut at {limit} chars" if limit else f"{name}, full texts"] = encoding_speed(
                name, docs, min(args.speed_sample, len(docs)), limit
            )
        for label, weights in (
            (f"dense {name} per evidence, z-scored, max + damped sum", {"dense": 1.0}),
            (f"dense {name} organisation centroid", {"dense_org": 1.0}),
            (f"hybrid {name}: BM25 + cosine + dense, equal weights", {"lexical": 1.0, "cosine": 1.0, "dense": 1.0}),
            (f"**fused {name} (default: learned weights)**", default),
        ):
            matcher.settings_["weights"] = weights
            note = f"index {fit_seconds:.0f} s (embedding cache warm)"
            if weights is default:
                note += f"; search k=10 + passages: {latency(matcher, dev, pool):.0f} ms"
            variants.append(row(label, run_variant(matcher_ranker(matcher, pool), sets), note))
            print(variants[-1], flush=True)
        if supplier_sets:
            matcher.settings_["weights"] = default
            supplier_rows.append(
                row(f"fused {name} (default)", run_variant(matcher_ranker(matcher, companies), supplier_sets))
            )
            print(supplier_rows[-1], flush=True)
        if not breakdown_rows:  # the first encoder is the default one
            breakdown_rows = breakdown(matcher, records, sets, pool)
    if args.learn:
        write_weights(learned)

    default_encoder = args.encoders[0] if args.encoders else "lexical"
    header = " | ".join(f"{name}: R@1 | R@10 | R@50 | MRR | nDCG@10 | ms (k=50, no passages)" for name in sets)
    lines = [
        "# Ranking quality on the dev sets",
        "",
        f"`python benchmarks/quality.py {' '.join(os.sys.argv[1:])}` — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs.",
        "",
        f"Pool: the {len(pool)} RNSR structures; leave-one-out (the query's i-Lab row is ignored everywhere). "
        f"Index: all {len(docs)} evidence documents. Query sets: "
        + ", ".join(f"{name} ({len(q)})" for name, q in sets.items())
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
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(args.output)


if __name__ == "__main__":
    main()
