"""Validation of the trust changes (issue 13): lab side and supplier side, variants side by side.

    python benchmarks/trust_validation.py                          # the shipped configuration only
    python benchmarks/trust_validation.py --variants no_cpv_label thin_free
    python benchmarks/trust_validation.py --variants all --output benchmarks/results/trust_validation.md
    python benchmarks/trust_validation.py --learn-suppliers     # relearn the supplier weights (learned_weights.py)

Every decision of the trust work is taken here, never on the dev sets. Two sides:

- **labs**: the held-out i-Lab queries of ``matchmaker.ranking.validation`` (rows outside the evaluation
  population, leave-one-out), lab pool, as in ``benchmarks/quality.py``;
- **suppliers**, company pool: ``decp`` are the DECP tenders outside ``procurement_dev.jsonl`` under its rule
  ("new tender": the whole tender left out, at most 4 titles per tender, grouped by buyer; see
  ``procurement_validation_queries``); the hidden procurement set is drawn from the same tenders, so decisions
  are also checked on two sets not drawn from them: ``bdpm`` asks for a medicine as a hospital pharmacy
  would ("Fourniture de midazolam, solution injectable") and counts as relevant every company of the directory
  that markets it (BDPM); ``authored`` are purchase needs we wrote (``benchmarks/supplier/needs.jsonl``) with
  the companies a buyer would accept, chosen by hand from the directory.

Each variant is compared with the shipped ranking on the same queries: the paired per-query difference with a
95 % bootstrap interval over groups (query–lab–company components for the labs, the medicine's holders for
BDPM, each need for the authored set).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from matchmaker.catalogue.enrichment import _join_key
from matchmaker.ranking import HybridMatcher, load_encoder
from matchmaker.ranking.corpus import RNSR_PREFIX, evidence_docs, read_records
from matchmaker.ranking.features import FEATURE_NAMES
from matchmaker.ranking.learn import QueryGroup, collect, fit_blended_weights, fit_weights, per_query
from matchmaker.ranking.match import EvidenceDoc
from matchmaker.ranking.metrics import ndcg_at_k, recall_at_k, reciprocal_rank
from matchmaker.ranking.scoring import fuse, top_k
from matchmaker.ranking.settings import SUPPLIERS
from matchmaker.ranking.validation import (
    ValidationQuery,
    assert_disjoint,
    bootstrap_interval,
    evaluation_population,
    format_interval,
    held_out_metrics,
    procurement_validation_queries,
    translated_queries,
    validation_queries,
)
from matchmaker.vocabulary import NOT_COMPANY_KINDS

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("R@10", "MRR")
Ranker = Callable[[HybridMatcher, ValidationQuery, Sequence[str], bool], list[str]]
"""(matcher, query, pool, supplier search) -> ranked organisation ids."""


# ------------------------------------------------------------------ supplier queries


def _medicine_name(denomination: str, holder: str) -> str:
    """Return what a pharmacy orders: the medicine's name ("oxygene medicinal", "chlorure de sodium", "scandonest")
    without its dosage or the holder's name."""
    head = re.split(r"[,\d]", denomination, maxsplit=1)[0]
    holder_words = {w for w in re.findall(r"\w+", holder.lower()) if len(w) > 2}
    words = [w for w in re.findall(r"[\w'/-]+", head.lower()) if w not in holder_words]
    if len(words) >= 3 and words[1] in ("de", "d'", "a", "pour"):
        return " ".join(words[:3])
    return " ".join(words[:2]) if len(words) >= 2 and words[0] in ("oxygene", "protoxyde", "acide", "eau") else (
        words[0] if words else "")


def bdpm_queries(records: Sequence[dict], bdpm_csv: Path, per_holder: int = 3, seed: int = 13) -> list[ValidationQuery]:
    """Return medicine -> marketing companies queries for the companies the directory joined to the BDPM.

    A query names a medicine (the denomination without dosage and holder name) and its dosage form; every
    directory company marketing a medicine of that name is relevant. Nothing is left out: the set measures
    whether what a company markets is found among 2,700 companies, contract texts and names included.
    """
    owners = {
        (r.get("attributes") or {}).get("bdpm_holder"): r["key"]
        for r in records
        if (r.get("attributes") or {}).get("bdpm_holder")
    }
    offers: dict[str, dict[str, str]] = defaultdict(dict)  # medicine name -> company key -> dosage form
    with gzip.open(bdpm_csv, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["etat_commercialisation"] != "Commercialisée":
                continue
            for holder in (h.strip() for h in row["titulaires"].split(";")):
                key = owners.get(_join_key(holder)) if holder else None
                medicine = _medicine_name(row["denomination"], holder) if key else ""
                if key and len(medicine) >= 4:
                    offers[medicine].setdefault(key, row["forme_pharmaceutique"].strip())
    by_company: dict[str, list[str]] = defaultdict(list)
    for medicine, companies in sorted(offers.items()):
        for key in companies:
            by_company[key].append(medicine)
    rng = random.Random(seed)
    chosen: dict[str, None] = {}
    for key in sorted(by_company):
        names = by_company[key]
        for medicine in rng.sample(names, min(per_holder, len(names))):
            chosen[medicine] = None
    queries = []
    for n, medicine in enumerate(chosen):
        companies = offers[medicine]
        form = next(iter(companies.values()))
        text = f"Fourniture de {medicine}, {form}" if form else f"Fourniture de {medicine}"
        queries.append(ValidationQuery(f"bdpm-{n}", text, tuple(sorted(companies)), (), group=min(companies)))
    return queries


def authored_queries(path: Path) -> list[ValidationQuery]:
    """Return the authored purchase needs (one group each)."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            queries.append(
                ValidationQuery(row["qid"], row["query"], tuple(row["relevant_org_keys"]),
                                tuple(row.get("exclude_source_refs", ())), group=row["qid"])
            )
    return queries


# ------------------------------------------------------------------ variants


_CPV_LABEL = re.compile(r"\s*\(catégorie : [^)]*\)\s*$")


def without_cpv_labels(docs: Sequence[EvidenceDoc]) -> list[EvidenceDoc]:
    """Return the documents with the CPV category words removed from contract and purchase texts."""
    return [
        EvidenceDoc(d.id, d.org_id, _CPV_LABEL.sub("", d.text), d.kind, d.source_ref)
        if d.kind in ("contract_won", "purchase") else d
        for d in docs
    ]


def shipped(
    matcher: HybridMatcher, query: ValidationQuery, pool: Sequence[str], suppliers: bool, k: int = 50
) -> list[str]:
    """Rank as the product does (``HybridMatcher.search``; the company pool is a supplier search)."""
    return [
        m.org_id
        for m in matcher.search(query.query, k, pool, query.exclude_source_refs, explain=False, suppliers=suppliers)
    ]


def general_weights(
    matcher: HybridMatcher, query: ValidationQuery, pool: Sequence[str], suppliers: bool, k: int = 50
) -> list[str]:
    """Rank every query with the general weights (no supplier weights), as before they were learned."""
    return [m.org_id for m in matcher.search(query.query, k, pool, query.exclude_source_refs, explain=False)]


def thin_free(
    matcher: HybridMatcher, query: ValidationQuery, pool: Sequence[str], suppliers: bool, k: int = 50
) -> list[str]:
    """Rank every candidate on its fused score, thin profiles included (the ranking before issue 13)."""
    found = matcher.features(query.query, pool, query.exclude_source_refs)
    scores = fuse(found.org, matcher.weights_for(suppliers))
    return [matcher.table_.org_ids[i] for i in top_k(scores, k, found.candidates)]


VARIANTS: dict[str, dict] = {
    "shipped": {},
    "no_cpv_label": {"docs": without_cpv_labels},
    "thin_free": {"ranker": thin_free},
    "general_weights": {"ranker": general_weights},
}
"""Named variants: ``docs`` transforms the evidence, ``settings`` overrides ranking settings, ``ranker`` replaces
the product's ranking call."""


# ------------------------------------------------------------------ supplier weights

LEARN_CS = (0.01, 0.1, 1.0, 3.0)


def _fit(how: str, C: float) -> Callable[[Sequence[QueryGroup], Sequence[str]], dict[str, float]]:
    fit = fit_blended_weights if how == "blended" else fit_weights
    return lambda groups, names: fit(groups, names, C)


def _spread(groups: Sequence[QueryGroup], names: Sequence[str], weights: dict[str, float]) -> float:
    vector = np.array([weights.get(n, 0.0) for n in names], np.float32)
    return float(np.mean([np.std(g.features @ vector) for g in groups])) or 1.0


def learn_supplier_weights(
    matcher: HybridMatcher, sets: dict[str, tuple[list[ValidationQuery], str]], pool: Sequence[str], log: list[str]
) -> tuple[dict[str, float], dict[str, dict[str, np.ndarray]]]:
    """Learn the supplier weights on the supplier validation sets; return them and their held-out metrics.

    The fit (pairwise or blended, C) is chosen by 5-fold cross-validation grouped by buyer / medicine holder /
    need, on the mean of the sets' MRR (each set counts alike, whatever its size). The weights are then fitted
    on every supplier query and scaled so that fused scores spread as the general weights' do on the same
    candidates (the strength calibration reads the fused score). Returns the per-query held-out metrics of the
    chosen fit, per set.
    """
    names = list(FEATURE_NAMES)
    supplier_sets = {name: queries for name, (queries, pool_name) in sets.items() if pool_name == "companies"}
    queries = [q for qs in supplier_sets.values() for q in qs]
    groups = collect(matcher, queries, pool, names)
    bounds = np.cumsum([0, *(len(qs) for qs in supplier_sets.values())])
    slices = {name: slice(bounds[i], bounds[i + 1]) for i, name in enumerate(supplier_sets)}
    log.append(f"\n### Supplier weights: {len(groups)} supplier validation queries, 5-fold CV grouped (x3 repeats)\n")
    log.append("| fit | " + " | ".join(f"{n}: R@10 | {n}: MRR" for n in supplier_sets) + " | mean MRR |")
    log.append("|---|" + "---|" * (2 * len(supplier_sets) + 1))
    general = per_query(groups, names, matcher.settings_["weights"])
    held: dict[tuple[str, float], dict[str, np.ndarray]] = {("general weights", 0.0): general}
    for how in ("pairwise", "blended"):
        for C in LEARN_CS:
            held[(how, C)] = held_out_metrics(groups, names, _fit(how, C))
    score = {}
    for (how, C), values in held.items():
        means = [float(values["MRR"][sl].mean()) for sl in slices.values()]
        score[(how, C)] = float(np.mean(means))
        cells = " | ".join(
            f"{values['R@10'][sl].mean():.3f} | {values['MRR'][sl].mean():.3f}" for sl in slices.values()
        )
        log.append(f"| {how}{f' C={C}' if C else ''} | {cells} | {score[(how, C)]:.3f} |")
    how, C = max((k for k in score if k[0] != "general weights"), key=score.get)
    weights = _fit(how, C)(groups, names)
    factor = _spread(groups, names, matcher.settings_["weights"]) / _spread(groups, names, weights)
    weights = {n: round(w * factor, 4) for n, w in weights.items()}
    weights["same_region"] = matcher.settings_["weights"].get("same_region", 0.0)
    log.append(f"\nchosen: C = {C}, {how}, scaled by {factor:.3f} to the general score spread")
    chosen = held[(how, C)]
    return weights, {name: {m: v[sl] for m, v in chosen.items()} for name, sl in slices.items()}


def write_supplier_weights(key: str, weights: dict[str, float], choice: str) -> None:
    """Set ``LEARNED_WEIGHTS[key]`` in matchmaker/ranking/learned_weights.py, keeping the other entries."""
    from matchmaker.ranking.learned_weights import LEARNED_WEIGHTS

    path = ROOT / "matchmaker" / "ranking" / "learned_weights.py"
    head = path.read_text(encoding="utf-8").split("LEARNED_WEIGHTS:", 1)[0]
    end = head.index('"""', 3)
    doc, rest = head[3:end], head[end + 3 :]
    doc = "\n".join(line for line in doc.splitlines() if not line.startswith(f"    {key}:"))
    doc += f"\n    {key}: {choice} (trust_validation.py --learn-suppliers)\n"
    body = json.dumps({**LEARNED_WEIGHTS, key: weights}, indent=4)
    path.write_text(f'"""{doc}"""{rest}LEARNED_WEIGHTS: dict[str, dict[str, float]] = {body}\n', encoding="utf-8")


# ------------------------------------------------------------------ measurement


def per_query_metrics(rankings: Sequence[Sequence[str]], queries: Sequence[ValidationQuery]) -> dict[str, np.ndarray]:
    """Return the per-query R@10, MRR and nDCG@10 of full rankings."""
    return {
        "R@10": np.array([recall_at_k(r, q.relevant, 10) for r, q in zip(rankings, queries, strict=True)]),
        "MRR": np.array([reciprocal_rank(r, q.relevant) for r, q in zip(rankings, queries, strict=True)]),
        "nDCG@10": np.array([ndcg_at_k(r, q.relevant, 10) for r, q in zip(rankings, queries, strict=True)]),
    }


def subsets(
    lab: Sequence[ValidationQuery],
    bdpm: Sequence[ValidationQuery],
    authored: Sequence[ValidationQuery],
    decp: Sequence[ValidationQuery],
):
    """Return the reported subsets: name -> (queries, pool name)."""
    return {
        "supplier decp": (list(decp), "companies"),
        "lab projects": ([q for q in lab if not q.is_pitch and not q.is_english], "labs"),
        "lab pitches": ([q for q in lab if q.is_pitch], "labs"),
        "lab english": ([q for q in lab if q.is_english], "labs"),
        "supplier bdpm": (list(bdpm), "companies"),
        "supplier authored": (list(authored), "companies"),
    }


def main() -> None:
    """Measure the requested variants on every validation subset and print / write the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, default=ROOT / "data/competences/organisations.jsonl.gz")
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--encoder", default="e5", help="e5, minilm or none (lexical only)")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "models/embeddings")
    parser.add_argument("--variants", nargs="*", default=[], help=f"among {', '.join(VARIANTS)} (or all)")
    parser.add_argument("--settings", type=json.loads, default={}, help='extra variant: JSON ranking settings')
    parser.add_argument("--lab-sample", type=int, default=0, help="rank only this many lab queries (0 = all)")
    parser.add_argument("--only", nargs="*", default=None, help="subsets to run (default: all)")
    parser.add_argument("--output", type=Path, default=None, help="write the markdown table here")
    parser.add_argument("--learn-suppliers", action="store_true",
                        help="relearn the supplier weights on the supplier sets and write learned_weights.py first")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    names = ["shipped", *(VARIANTS if args.variants == ["all"] else args.variants)]
    names = list(dict.fromkeys(names))
    variants = {name: VARIANTS[name] for name in names}
    if args.settings:
        variants["settings " + json.dumps(args.settings)] = {"settings": args.settings}

    records = list(read_records(args.directory))
    population = evaluation_population(
        args.shared_data / "ilab_laureats_1999_2025.csv.gz", args.shared_data / "rnsr_structures_actives_2022.csv.gz"
    )
    lab = validation_queries(records, population)
    with open(ROOT / "benchmarks/en_validation.jsonl", encoding="utf-8") as handle:
        lab += translated_queries(lab, (json.loads(line) for line in handle if line.strip()))
    dev_refs = set()
    for name in ("ilab_lab_link_dev", "fr_needs_dev"):
        for line in (args.shared_data / "eval" / f"{name}.jsonl").read_text().splitlines():
            if line.strip():
                dev_refs.add(json.loads(line)["ilab_uid"])
    assert_disjoint(lab, dev_refs)
    if args.lab_sample and args.lab_sample < len(lab):
        lab = random.Random(0).sample(lab, args.lab_sample)
    bdpm = bdpm_queries(records, args.shared_data / "pharma/bdpm_cis_medicaments_2024-08.csv.gz")
    authored = authored_queries(ROOT / "benchmarks/supplier/needs.jsonl")
    with gzip.open(args.shared_data / "procurement/decp_2019_health_contracts.jsonl.gz", "rt") as handle:
        contracts = [json.loads(line) for line in handle if line.strip()]
    with open(args.shared_data / "eval/procurement_dev.jsonl", encoding="utf-8") as handle:
        evaluation_lines = [json.loads(line) for line in handle if line.strip()]
    decp = procurement_validation_queries(records, contracts, evaluation_lines)
    sets = subsets(lab, bdpm, authored, decp)
    if args.only:
        sets = {k: v for k, v in sets.items() if k in args.only}
    pools = {
        "labs": [r["key"] for r in records if r["key"].startswith(RNSR_PREFIX)],
        "companies": [r["key"] for r in records if r["kind"] not in NOT_COMPANY_KINDS],
    }
    encoder = None if args.encoder == "none" else load_encoder(args.encoder)
    base_docs = evidence_docs(records)
    matchers: dict[object, HybridMatcher] = {}
    if args.learn_suppliers:
        matcher = HybridMatcher(encoder=encoder).fit(base_docs, cache_dir=args.cache_dir)
        matcher.prime_queries([q.query for qs, _ in sets.values() for q in qs], cache_dir=args.cache_dir)
        log: list[str] = []
        weights, held = learn_supplier_weights(matcher, sets, pools["companies"], log)
        print("\n".join(log))
        write_supplier_weights(f"{args.encoder}{SUPPLIERS}", weights, log[-1].strip())
        matcher.settings_["supplier_weights"] = weights
        matchers[None] = matcher
        (ROOT / "benchmarks/results/supplier_weights.md").write_text(
            f"`python benchmarks/trust_validation.py {' '.join(sys.argv[1:])}` — {time.strftime('%Y-%m-%d %H:%M')}\n"
            + "\n".join(log) + "\n"
        )
    results: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    all_queries = [q.query for queries, _ in sets.values() for q in queries]
    for name, spec in variants.items():
        transform = spec.get("docs")
        if transform not in matchers:
            started = time.perf_counter()
            docs = transform(base_docs) if transform else base_docs
            matchers[transform] = HybridMatcher(encoder=encoder).fit(docs, cache_dir=args.cache_dir)
            matchers[transform].prime_queries(all_queries, cache_dir=args.cache_dir)
            print(f"[{name}] index {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        matcher = matchers[transform]
        saved = dict(matcher.settings_)
        matcher.settings_.update(spec.get("settings", {}))
        ranker: Ranker = spec.get("ranker", shipped)
        results[name] = {}
        for subset, (queries, pool_name) in sets.items():
            started = time.perf_counter()
            rankings = [ranker(matcher, q, pools[pool_name], pool_name == "companies") for q in queries]
            results[name][subset] = per_query_metrics(rankings, queries)
            means = {m: results[name][subset][m].mean() for m in METRICS}
            print(f"[{name}] {subset} ({len(queries)}): R@10 {means['R@10']:.3f} MRR {means['MRR']:.3f} "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        matcher.settings_.clear()
        matcher.settings_.update(saved)
    lines = report(results, sets)
    print("\n".join(lines))
    if args.output:
        command = "python benchmarks/trust_validation.py " + " ".join(sys.argv[1:])
        header = [f"`{command}` — {time.strftime('%Y-%m-%d %H:%M')}", ""]
        args.output.write_text("\n".join(header + lines) + "\n")


def report(results: dict[str, dict[str, dict[str, np.ndarray]]], sets: dict) -> list[str]:
    """Return the markdown table: each variant's figures and, after the first, its paired difference."""
    names = list(results)
    lines = [
        "| variant | " + " | ".join(f"{s} ({len(sets[s][0])}): {m}" for s in sets for m in METRICS) + " |",
        "|---|" + "---|" * (len(sets) * len(METRICS)),
    ]
    for name in names:
        cells = []
        for subset, (queries, _) in sets.items():
            groups = [q.group for q in queries]
            for metric in METRICS:
                values = results[name][subset][metric]
                if name == names[0]:
                    cells.append(format_interval(*bootstrap_interval(values, groups)))
                else:
                    delta = values - results[names[0]][subset][metric]
                    cells.append(f"{values.mean():.3f}, Δ " + format_interval(*bootstrap_interval(delta, groups),
                                                                             signed=True))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    main()
