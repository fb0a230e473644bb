"""Evaluate the served ranking on a JSON-lines file of queries with known relevant organisations.

A line names its relevant organisations by key (``relevant_org_keys``: ``rnsr:...``, ``decp:...``,
``eudamed:...``) or, as the first sets did, by RNSR id (``relevant_rnsr_ids``). Evidence whose source_ref is in
``exclude_source_refs`` (or is the line's ``ilab_uid``) is left out while ranking that line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from flask_babel import lazy_gettext as _l

from matchmaker.errors import InvalidQuery
from matchmaker.geo import canonical_region
from matchmaker.ranking import HybridMatcher
from matchmaker.ranking.metrics import ndcg_at_k, recall_at_k, reciprocal_rank
from matchmaker.vocabulary import NOT_COMPANY_KINDS

RNSR_PREFIX = "rnsr:"
POOLS = ("labs", "companies", "all")
"""Candidate pools: RNSR structures, companies (every kind but lab, platform, start-up and buyer), everyone."""
NOT_COMPANIES = NOT_COMPANY_KINDS


@dataclass(frozen=True)
class EvaluationQuery:
    """One benchmark line: the text, what is relevant, which evidence to leave out, the searcher's region."""

    qid: str
    query: str
    relevant: frozenset[str]
    exclude_source_refs: frozenset[str]
    region: str | None = None
    ilab_uid: str | None = None


def read_queries(path: Path) -> list[EvaluationQuery]:
    """Read and validate an evaluation file; raise InvalidQuery naming the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidQuery(_l("Impossible de lire %(path)s : %(error)s", path=str(path), error=str(exc))) from exc
    queries: list[EvaluationQuery] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidQuery(
                _l("%(file)s ligne %(line)d : JSON invalide (%(error)s).", file=path.name, line=number, error=exc.msg)
            ) from exc
        if not isinstance(item, dict):
            raise InvalidQuery(_l("%(file)s ligne %(line)d : un objet JSON est attendu.", file=path.name, line=number))
        missing = [k for k in ("qid", "query") if k not in item]
        if "relevant_rnsr_ids" not in item and "relevant_org_keys" not in item:
            missing.append("relevant_org_keys / relevant_rnsr_ids")
        if missing:
            raise InvalidQuery(_l("%(file)s ligne %(line)d : champ(s) manquant(s) %(fields)s.", file=path.name,
                                  line=number, fields=", ".join(missing)))
        relevant: set[str] = set()
        for name, prefix in (("relevant_org_keys", ""), ("relevant_rnsr_ids", RNSR_PREFIX)):
            values = item.get(name, [])
            if not isinstance(values, list) or not all(isinstance(r, str) and r for r in values):
                raise InvalidQuery(_l("%(file)s ligne %(line)d : %(field)s doit être une liste d'identifiants.",
                                      file=path.name, line=number, field=name))
            relevant.update(prefix + r for r in values)
        if not isinstance(item["query"], str) or not item["query"].strip():
            raise InvalidQuery(_l("%(file)s ligne %(line)d : query est vide.", file=path.name, line=number))
        excluded = item.get("exclude_source_refs", [])
        if not isinstance(excluded, list) or not all(isinstance(r, str) for r in excluded):
            raise InvalidQuery(_l("%(file)s ligne %(line)d : exclude_source_refs doit être une liste.",
                                  file=path.name, line=number))
        ilab_uid = item.get("ilab_uid")
        if isinstance(ilab_uid, str) and ilab_uid:
            excluded = [*excluded, ilab_uid]
        context = item.get("context") or {}
        region = context.get("region") if isinstance(context, dict) else None
        if not isinstance(context, dict) or (region is not None and canonical_region(str(region)) is None):
            raise InvalidQuery(_l("%(file)s ligne %(line)d : context doit être {\"region\": \"<région française>\"}.",
                                  file=path.name, line=number))
        queries.append(
            EvaluationQuery(
                qid=str(item["qid"]),
                query=item["query"],
                relevant=frozenset(relevant),
                exclude_source_refs=frozenset(r for r in excluded if r),
                region=canonical_region(str(region)) if region is not None else None,
                ilab_uid=ilab_uid if isinstance(ilab_uid, str) and ilab_uid else None,
            )
        )
    if not queries:
        raise InvalidQuery(_l("%(path)s ne contient aucune requête.", path=str(path)))
    return queries


def pool_of(kinds: dict[str, str], pool: str) -> set[str]:
    """Return the organisation keys of a named pool from a key -> kind mapping."""
    if pool == "labs":
        return {key for key in kinds if key.startswith(RNSR_PREFIX)}
    if pool == "companies":
        return {key for key, kind in kinds.items() if kind not in NOT_COMPANIES}
    if pool == "all":
        return set(kinds)
    raise ValueError(f"unknown pool {pool!r} (expected one of {', '.join(POOLS)})")


def with_startup_regions(queries: Iterable[EvaluationQuery], region_of: Callable[[str], str | None]) -> list:
    """Return the queries with the region of their i-Lab start-up (``region_of(ilab_uid)``) where none is declared."""
    return [
        q if q.region is not None or q.ilab_uid is None else replace(q, region=region_of(q.ilab_uid)) for q in queries
    ]


def evaluate(
    matcher: HybridMatcher,
    queries: Iterable[EvaluationQuery],
    pool: set[str],
    *,
    k: int = 10,
    on_query: Callable[[int], None] | None = None,
    near: Callable[[str], Collection[str] | np.ndarray] | None = None,
    suppliers: bool = False,
) -> dict[str, Any]:
    """Rank the pool for every query (leaving its own evidence out) and return the mean metrics.

    ``suppliers`` ranks as a supplier search does (the company pool: companies compete with each other).

    ``near(region)`` gives the organisations of a region (ids, or a mask over the index's organisations):
    queries with a region then get the proximity prior
    (the searcher's context); without it every query is ranked on its text alone.
    """
    recalls: list[float] = []
    rrs: list[float] = []
    ndcgs: list[float] = []
    recall_50: list[float] = []
    started = time.perf_counter()
    for query in queries:
        context = near(query.region) if near is not None and query.region else None
        matches = matcher.search(
            query.query, k=100, candidate_orgs=pool, exclude_source_refs=query.exclude_source_refs, explain=False,
            near=context, suppliers=suppliers,
        )
        ranked = [m.org_id for m in matches]
        relevant = set(query.relevant)
        recalls.append(recall_at_k(ranked, relevant, k))
        recall_50.append(recall_at_k(ranked, relevant, 50))
        rrs.append(reciprocal_rank(ranked, relevant))
        ndcgs.append(ndcg_at_k(ranked, relevant, k))
        if on_query:
            on_query(1)
    n = len(recalls)
    elapsed = time.perf_counter() - started
    return {
        "n": n,
        "pool": len(pool),
        "recall_at_10": round(sum(recalls) / n, 4),
        "mrr": round(sum(rrs) / n, 4),
        "ndcg_at_10": round(sum(ndcgs) / n, 4),
        "recall_at_50": round(sum(recall_50) / n, 4),
        "ms_per_query": round(1000 * elapsed / n, 1),
    }
