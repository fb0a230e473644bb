"""Validation protocol: queries held out from the evaluation population, grouped folds, bootstrap intervals.

Every ranking decision (features, fusion, thresholds, what to index) is taken on these queries; the dev sets
are only read to report. The evaluation sets (dev and their hidden twins) are drawn from the health-domain
i-Lab rows linked to a structure of the RNSR snapshot (``evaluation_population``); validation uses every
other i-Lab row linked to a lab of the directory:

- non-health projects linked to a lab (the project text, and its one-line pitch as a short need);
- health projects whose declared unit closed before the snapshot and reaches the directory only through
  the RNSR succession of that unit (outside the evaluation rule, which keeps declared units only).

The leave-one-out rule is the evaluation's: the query's own i-Lab row is removed from every profile.
Queries are grouped so that no lab and no company straddles two folds (connected components of the
query–lab–company graph), and intervals come from a bootstrap over those groups.
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from matchmaker.ranking.corpus import RNSR_PREFIX
from matchmaker.ranking.learn import QueryGroup, per_query

MIN_QUERY_CHARS = 20


@dataclass(frozen=True)
class ValidationQuery:
    """One validation query, with what the evaluation would know about it.

    Attributes:
        qid: ``<ilab uid>`` for the project text, ``<ilab uid>#pitch`` for its one-line pitch.
        query: the text.
        relevant: relevant organisation ids (RNSR labs).
        exclude_source_refs: evidence source refs left out (the query's own i-Lab row).
        group: id of the query–lab–company component (folds and bootstrap resample whole groups).
        region: the start-up's region (searcher's context), or None.
        health: the project is in a health technology domain.
    """

    qid: str
    query: str
    relevant: tuple[str, ...]
    exclude_source_refs: tuple[str, ...]
    group: str
    region: str | None = None
    health: bool = False

    @property
    def is_pitch(self) -> bool:
        """Return True for the short (one-line pitch) variant of a project."""
        return self.qid.endswith("#pitch")

    @property
    def is_english(self) -> bool:
        """Return True for an authored English version of a pitch."""
        return self.qid.endswith("#en")


def _read_csv(path: Path) -> Iterable[dict[str, str]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def evaluation_population(ilab_csv: Path, rnsr_csv: Path) -> set[str]:
    """Return the i-Lab uids the evaluation sets and their hidden twins can be drawn from.

    The rule of the data README: health domain, at least one declared unit in the RNSR snapshot, text of at
    least 20 characters. Units are split on ``;`` *and* ``,`` so the set is a superset of the rule as built
    (303 rows with ``;`` only, 327 with both): conservative, a doubtful row is never used for validation.
    """
    known = {row["numero_national_de_structure"] for row in _read_csv(rnsr_csv)}
    population = set()
    for row in _read_csv(ilab_csv):
        units = [u.strip() for u in re.split(r"[;,]", row.get("rnsr_ids_unite") or "") if u.strip()]
        moto, resume = (row.get("moto") or "").strip(), (row.get("resume") or "").strip()
        text = f"{moto}. {resume}" if resume else moto
        if row.get("is_health_domain") == "1" and any(u in known for u in units) and len(text) >= MIN_QUERY_CHARS:
            population.add(row["ilab_uid"])
    return population


class _Components:
    """Union-find over string keys."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def validation_queries(
    records: Iterable[Mapping[str, Any]],
    excluded_uids: set[str],
    short: bool = True,
) -> list[ValidationQuery]:
    """Return the validation queries of a bundled directory, never one of ``excluded_uids``.

    Args:
        records: organisation records (the bundled directory format).
        excluded_uids: i-Lab uids of the evaluation population (see ``evaluation_population``).
        short: also return the one-line pitch of each project as a short query.
    """
    rows = []
    for record in records:
        attributes = record.get("attributes") or {}
        uid = attributes.get("ilab_uid")
        links = [link for link in record.get("links") or [] if link.startswith(RNSR_PREFIX)]
        if record.get("kind") != "startup" or not uid or not links or uid in excluded_uids:
            continue
        text = next(
            (
                (e.get("text") or "").strip()
                for e in record.get("evidence") or []
                if e.get("kind") == "ilab_project" and e.get("source_ref") == uid
            ),
            "",
        )
        if len(text) < MIN_QUERY_CHARS:
            continue
        company = f"siren:{record['siren']}" if record.get("siren") else None
        if company is None and attributes.get("company_name_known"):
            company = "name:" + " ".join(str(record.get("name") or "").upper().split())
        rows.append((uid, text, tuple(dict.fromkeys(links)), company, record))
    components = _Components()
    for uid, _, links, company, _ in rows:
        for key in (*links, *([company] if company else [])):
            components.union(f"ilab:{uid}", key)
    queries = []
    for uid, text, links, _company, record in rows:
        group = components.find(f"ilab:{uid}")
        health = bool((record.get("attributes") or {}).get("is_health_domain"))
        common = dict(relevant=links, exclude_source_refs=(uid,), group=group, region=record.get("region"))
        queries.append(ValidationQuery(uid, text, health=health, **common))
        pitch = text.split(". ", 1)[0]
        if short and pitch != text and len(pitch) >= MIN_QUERY_CHARS:
            queries.append(ValidationQuery(f"{uid}#pitch", pitch, health=health, **common))
    return queries


def assert_disjoint(queries: Iterable[ValidationQuery], evaluation_uids: Iterable[str]) -> None:
    """Raise ValueError when a validation query leaves out (so comes from) an evaluation row."""
    forbidden = set(evaluation_uids)
    leaked = sorted({ref for q in queries for ref in q.exclude_source_refs if ref in forbidden})
    if leaked:
        raise ValueError(f"{len(leaked)} validation queries come from evaluation rows, e.g. {leaked[:3]}")


def grouped_folds(groups: Sequence[str], folds: int, seed: int) -> np.ndarray:
    """Assign each item a fold so that items of one group share it (groups dealt in a random order).

    Groups are dealt largest first into the fold with the fewest items so far (ties at random), which keeps
    folds balanced even with a few large components.

    Returns:
        (n,) int fold of each item.
    """
    rng = np.random.default_rng(seed)
    names, inverse, sizes = np.unique(np.asarray(groups), return_inverse=True, return_counts=True)
    order = np.lexsort((rng.random(len(names)), -sizes))
    load = np.zeros(folds)
    fold_of_group = np.zeros(len(names), np.int64)
    for g in order:
        lightest = np.flatnonzero(load == load.min())
        fold = int(rng.choice(lightest))
        fold_of_group[g] = fold
        load[fold] += sizes[g]
    return fold_of_group[inverse]


def cross_validate_per_query(
    n: int,
    groups: Sequence[str],
    fit_and_score: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]],
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Return each item's held-out metrics, averaged over ``repeats`` grouped ``folds``-fold splits.

    Args:
        n: number of items (queries).
        groups: (n,) group of each item.
        fit_and_score: (train indices, test indices) -> metric name -> (len(test),) values on the test items,
            from a model fitted on the train items only.
    """
    totals: dict[str, np.ndarray] = {}
    for repeat in range(repeats):
        fold_of = grouped_folds(groups, folds, seed + repeat)
        for fold in range(folds):
            test = np.flatnonzero(fold_of == fold)
            train = np.flatnonzero(fold_of != fold)
            if test.size == 0:
                continue
            for name, values in fit_and_score(train, test).items():
                totals.setdefault(name, np.zeros(n))[test] += values
    return {name: values / repeats for name, values in totals.items()}


def bootstrap_interval(
    values: np.ndarray,
    groups: Sequence[str],
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Return (mean, low, high): the mean of ``values`` and its percentile interval over group resamples.

    Args:
        values: (n,) per-query values (a metric, or the per-query difference of two rankers).
        groups: (n,) group of each query; whole groups are resampled (cluster bootstrap).
    """
    values = np.asarray(values, np.float64)
    names, inverse = np.unique(np.asarray(groups), return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(names))
    counts = np.bincount(inverse, minlength=len(names)).astype(np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(n_boot, len(names)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(values.mean()), float(low), float(high)


def format_interval(mean: float, low: float, high: float, signed: bool = False) -> str:
    """Return ``0.412 [0.380, 0.441]`` (with a sign when ``signed``)."""
    spec = "+.3f" if signed else ".3f"
    return f"{mean:{spec}} [{low:{spec}}, {high:{spec}}]"


SUBSETS = {
    "projects": lambda q: not q.is_pitch and not q.is_english,
    "pitches": lambda q: q.is_pitch,
    "health": lambda q: q.health and not q.is_pitch and not q.is_english,
    "english": lambda q: q.is_english,
}
"""Validation subsets: project texts (like the i-Lab dev set), one-line pitches (short needs, like the French
needs set), the health-domain project texts (the evaluation domain, few queries), and authored English versions
of the health pitches (cross-lingual needs)."""


def subset_masks(queries: Sequence[ValidationQuery]) -> dict[str, np.ndarray]:
    """Return the (n,) bool mask of each validation subset."""
    return {name: np.array([rule(q) for q in queries], bool) for name, rule in SUBSETS.items()}


def intervals(
    values: Mapping[str, np.ndarray],
    queries: Sequence[ValidationQuery],
    metrics: Sequence[str] = ("R@10", "MRR", "nDCG@10"),
    n_boot: int = 1000,
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Return subset -> metric -> (mean, low, high) from per-query values (95% group bootstrap)."""
    groups = np.array([q.group for q in queries])
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for subset, mask in subset_masks(queries).items():
        if mask.any():
            out[subset] = {m: bootstrap_interval(values[m][mask], groups[mask], n_boot) for m in metrics}
    return out


def paired_difference(
    better: Mapping[str, np.ndarray],
    base: Mapping[str, np.ndarray],
    queries: Sequence[ValidationQuery],
    metrics: Sequence[str] = ("R@10", "MRR"),
    n_boot: int = 1000,
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Return subset -> metric -> (mean, low, high) of the per-query difference ``better - base``."""
    return intervals({m: np.asarray(better[m]) - np.asarray(base[m]) for m in metrics}, queries, metrics, n_boot)


def held_out_metrics(
    groups: Sequence[QueryGroup],
    names: Sequence[str],
    fit: Callable[[Sequence[QueryGroup], Sequence[str]], Mapping[str, float]],
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Return each query's metrics under weights fitted without its group (grouped CV, averaged over repeats).

    Args:
        groups: candidate features of the validation queries (``learn.collect``), in query order.
        names: feature names, the columns of the groups' features.
        fit: learns fusion weights from training groups, e.g. ``lambda g, n: fit_blended_weights(g, n, 0.3)``.
    """

    def fit_and_score(train: np.ndarray, test: np.ndarray) -> dict[str, np.ndarray]:
        weights = fit([groups[i] for i in train], names)
        return per_query([groups[i] for i in test], names, weights)

    return cross_validate_per_query(len(groups), [g.group for g in groups], fit_and_score, folds, repeats, seed)


def translated_queries(queries: Sequence[ValidationQuery], lines: Iterable[Mapping[str, Any]]) -> list[ValidationQuery]:
    """Return authored translations of validation queries (``qid``, ``source_qid``, ``query`` per line).

    A translation keeps its source's relevant labs, left-out row, group and region; its qid ends with ``#en``.
    """
    by_qid = {q.qid: q for q in queries}
    out = []
    for line in lines:
        source = by_qid.get(str(line["source_qid"]))
        if source is None:
            raise ValueError(f"translation of an unknown validation query: {line['source_qid']}")
        out.append(replace(source, qid=str(line["qid"]), query=str(line["query"])))
    return out


# ------------------------------------------------------------------ supplier side (DECP tenders)

MAX_QUERIES_PER_TENDER = 4


def tender_family(buyer_id: str, title: str) -> str:
    """Return the tender a contract belongs to: its buyer and the folded first 40 characters of its title.

    Lots of one tender repeat (nearly) the same title; this is the family rule of ``procurement_dev.jsonl``
    (spaces collapsed, accents folded).
    """
    spaced = " ".join(title.lower().split())
    folded = "".join(c for c in unicodedata.normalize("NFKD", spaced) if not unicodedata.combining(c))
    return f"{buyer_id}/{folded[:40]}"


def procurement_validation_queries(
    records: Iterable[Mapping[str, Any]],
    contracts: Iterable[Mapping[str, Any]],
    evaluation_lines: Iterable[Mapping[str, Any]],
) -> list[ValidationQuery]:
    """Return "tender -> the companies that won it" queries from the DECP tenders outside the evaluation set.

    The rule of the evaluation set ("new tender"): the query is a contract title (lots with the same title
    merged), every contract of its tender family is left out of every profile, and a winner is relevant only if
    the directory still holds evidence of it (its record counts). At most four titles per tender. A tender
    whose family or whose contracts appear in ``evaluation_lines`` (``procurement_dev.jsonl``) is never used.
    Queries are grouped by buyer (folds and bootstrap resample whole buyers). ``relevant`` holds company keys;
    buyer and domain are never part of the query.
    """
    owner_of_ref: dict[str, str] = {}
    evidence_refs: dict[str, list[str | None]] = {}
    for record in records:
        if record.get("kind") == "buyer":
            continue
        refs = [e.get("source_ref") for e in record.get("evidence") or [] if (e.get("text") or "").strip()]
        evidence_refs[record["key"]] = refs
        for ref in refs:
            if ref and ref.startswith("decp:"):
                owner_of_ref.setdefault(ref, record["key"])
    banned_families, banned_refs = set(), set()
    for line in evaluation_lines:
        banned_families.add(str(line.get("tender_family") or ""))
        banned_refs.update(line.get("exclude_source_refs") or ())
    families: dict[str, dict[str, list[str]]] = {}
    for contract in contracts:
        family = tender_family(str(contract["acheteur_id"]), str(contract["objet"]))
        title = " ".join(str(contract["objet"]).split())
        families.setdefault(family, {}).setdefault(title, []).append(f"decp:{contract['uid']}")
    queries = []
    for family, titles in sorted(families.items()):
        refs = tuple(dict.fromkeys(r for title_refs in titles.values() for r in title_refs))
        if family in banned_families or banned_refs.intersection(refs):
            continue
        left_out = set(refs)
        kept = 0
        for n, (title, title_refs) in enumerate(sorted(titles.items())):
            winners = dict.fromkeys(owner_of_ref[r] for r in title_refs if r in owner_of_ref)
            relevant = tuple(w for w in winners if any(r not in left_out for r in evidence_refs[w]))
            if not relevant or len(title) < MIN_QUERY_CHARS or kept >= MAX_QUERIES_PER_TENDER:
                continue
            kept += 1
            buyer = family.split("/", 1)[0]
            queries.append(ValidationQuery(f"decp-val:{family}#{n}", title, relevant, refs, group=buyer))
    return queries
