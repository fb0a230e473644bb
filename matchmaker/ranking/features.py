"""Per-query organisation features, computed for the candidate organisations only, leave-one-out aware.

First stage (bounded, from the index): the lexical top-n evidence rows and organisation profiles
(tantivy) and the dense top-n rows (ANN or exact) name a set of organisations. Second stage (exact, on
those organisations' rows only): BM25 per evidence and per profile, tf-idf cosine, dense similarity
and profile cosine, aggregated per organisation and kind group, and the profile priors. Corpus-wide
statistics come from the index (document frequencies, lengths, vector moments), never from a scan.
"Floor" values (what an organisation without evidence of a group gets) are the lowest over the
evaluated organisations, which include the organisations farthest from the query in the dense space,
so they stand for the bottom of the whole catalogue as in a full scan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from matchmaker.ranking.bilingual import lexical_query
from matchmaker.ranking.index import EvidenceIndex
from matchmaker.ranking.profile import DIRECTORY_KIND
from matchmaker.ranking.scoring import aggregate, zscore
from matchmaker.ranking.settings import GROUP_OF_KIND, KIND_GROUPS
from matchmaker.ranking.text import HIDDEN_KINDS, analyse

SIGNALS = ("lexical", "dense")
PRIORS = ("prior_projects", "prior_funded", "prior_fields", "prior_length")
LEXICAL_FEATURES = (
    *(name for signal in ("lexical", "cosine") for name in (signal, *(f"{signal}_{g}" for g in KIND_GROUPS))),
    "lexical_org",
)
DENSE_FEATURES = (
    *(name for signal in ("dense", "hybrid") for name in (signal, *(f"{signal}_{g}" for g in KIND_GROUPS))),
    "dense_org",
)
FEATURE_NAMES = (*LEXICAL_FEATURES, *DENSE_FEATURES, *PRIORS)
"""Text features: what the ranker measures without knowing who searches."""
CONTEXT_FEATURES = ("same_region",)
"""The searcher's declared context, a soft prior added to the text score (raw 0/1, not standardised)."""
NONNEGATIVE = ("lexical", "cosine")
FARTHEST_ROWS = 32


@dataclass
class QueryFeatures:
    """Everything one query computes, over the organisations it evaluated.

    Attributes:
        orgs: (m,) organisation numbers evaluated (the candidates and a few references).
        org: feature name -> (m,) float32 feature, standardised over the candidates.
        raw: feature name -> (m,) float32 feature before standardisation.
        candidates: (m,) bool, organisations retrieved by a first-stage signal within the pool (rankable).
        rows: (r,) evidence rows of the evaluated organisations (live, not left out).
        row_org: (r,) position in ``orgs`` of each row.
        doc_combined: (r,) float32 evidence relevance used to pick explanations.
        sufficient: (m,) bool, profile has enough text outside its directory record (and hidden machine text).
        term_weights: query stem -> idf, for highlighting.
        coverage: (m,) float32 share of the query's idf weight found in the organisation's evidence outside
            its directory record (a name alone covers nothing), leave-one-out aware.
        coverage_rare: (m,) the same over the rarer half of the query's words (the specific part).
    """

    orgs: np.ndarray
    org: dict[str, np.ndarray]
    raw: dict[str, np.ndarray]
    candidates: np.ndarray
    rows: np.ndarray
    row_org: np.ndarray
    doc_combined: np.ndarray
    sufficient: np.ndarray
    term_weights: dict[str, float]
    coverage: np.ndarray
    coverage_rare: np.ndarray

    def position(self, org: int) -> int:
        """Return the position of organisation number ``org`` in ``orgs`` (-1 when not evaluated)."""
        found = np.flatnonzero(self.orgs == org)
        return int(found[0]) if found.size else -1


@dataclass(frozen=True)
class _Query:
    stems: dict[str, float]  # known stem -> query weight
    columns: np.ndarray  # (q,) term columns
    weights: np.ndarray  # (q,) 1 + log(count)


def _query(index: EvidenceIndex, text: str) -> _Query:
    counts = Counter(analyse(text))
    known = index.term_columns(counts)
    stems = {stem: 1.0 + float(np.log(counts[stem])) for stem in known}
    return _Query(stems, np.fromiter(known.values(), np.int64, count=len(known)),
                  np.fromiter(stems.values(), np.float32, count=len(stems)))


def _bm25(tf: np.ndarray, lengths: np.ndarray, idf: np.ndarray, weights: np.ndarray, average: float,
          k1: float, b: float) -> np.ndarray:
    """Return BM25 per row of a dense (r, q) term-frequency block."""
    if tf.size == 0:
        return np.zeros(tf.shape[0], np.float32)
    norm = k1 * (1.0 - b + b * lengths / average)
    contribution = idf * weights * tf * (k1 + 1.0) / (tf + norm[:, None])
    return contribution.sum(axis=1).astype(np.float32)


class _Rows:
    """The counts, lengths, kinds and positions of a set of evidence rows, gathered once."""

    def __init__(self, index: EvidenceIndex, rows: np.ndarray, columns: np.ndarray, removed: np.ndarray) -> None:
        self.rows = rows
        self.removed = removed
        self.counts = index.counts_of(rows)
        self.tf = self.counts[:, columns].toarray().astype(np.float32) if columns.size else np.zeros((rows.size, 0))
        self.lengths = index.length_of(rows)
        kinds = index.kinds
        self.kind = index.kind_of(rows)
        groups = np.asarray([KIND_GROUPS.index(GROUP_OF_KIND.get(k, "project")) for k in kinds], np.int64)
        self.group = groups[self.kind] if rows.size else np.zeros(0, np.int64)
        directory = np.asarray([k == DIRECTORY_KIND for k in kinds], bool)
        self.is_directory = directory[self.kind] if rows.size else np.zeros(0, bool)
        hidden = np.asarray([k in HIDDEN_KINDS for k in kinds], bool)
        self.is_hidden = hidden[self.kind] if rows.size else np.zeros(0, bool)


def first_stage(
    index: EvidenceIndex,
    query: _Query,
    vector: np.ndarray | None,
    pool: np.ndarray,
    removed: np.ndarray,
    settings: Mapping[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Return (candidate organisations within the pool, reference organisations far from the query)."""
    found = []
    limit = settings["first_stage_orgs"]

    def owners(rows: np.ndarray) -> np.ndarray:
        """Return the organisations of ranked rows, up to ``limit`` distinct ones (the best rows first)."""
        rows = rows[~np.isin(rows, removed)] if removed.size else rows
        owner = index.owner_of(rows)
        distinct, first = np.unique(owner, return_index=True)
        if limit and distinct.size > limit:
            owner = owner[: np.sort(first)[limit]]
        return owner

    if int(index.stats.org_live[pool].sum()) <= settings["exhaustive_rows"]:
        found.append(np.flatnonzero(pool))  # a small pool (narrow filters, small catalogue): score all of it
    else:
        if query.stems:
            rows = index.lexical_rows(query.stems, settings["candidate_rows"], pool)
            found += [owners(rows), index.lexical_orgs(query.stems, settings["candidate_profiles"], pool)]
        if vector is not None:
            found.append(owners(index.dense_rows(vector, settings["dense_top_n"], pool)))
    far = np.zeros(0, np.int64)
    if vector is not None:  # the bottom of the catalogue, for the floors of the dense signals
        far = owners(index.dense_rows(vector, FARTHEST_ROWS, None, farthest=True))
    orgs = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
    return orgs[pool[orgs]], np.unique(far)


def compute_features(
    index: EvidenceIndex,
    settings: Mapping[str, Any],
    query_text: str,
    vector: np.ndarray | None,
    candidate_orgs: Collection[str] | np.ndarray | None,
    exclude_source_refs: Collection[str],
    near: Collection[str] | np.ndarray | None = None,
) -> QueryFeatures:
    """Score the candidate organisations of a query (see the module docstring).

    Args:
        index: the evidence index.
        settings: merged ranking settings (k1, b, depths...).
        query_text: the need.
        vector: (dim,) query embedding, or None for lexical features only.
        candidate_orgs: organisation ids, or an (n_orgs,) bool mask, restricting the pool (None = all).
        exclude_source_refs: evidence left out (leave-one-out).
        near: organisation ids, or an (n_orgs,) bool mask, of the searcher's region (None: no context); they
            get the ``same_region`` prior.
    """
    stats = index.stats
    # an English need's lexical query gets the French words of its key terms (the dense side reads the need)
    query = _query(index, lexical_query(query_text) if settings["translate_queries"] else query_text)
    removed = index.rows_of_refs(exclude_source_refs)
    if isinstance(candidate_orgs, np.ndarray):
        pool = candidate_orgs.astype(bool) & (stats.org_live > 0)
    else:
        pool = index.org_mask(candidate_orgs)
    removed_owner = index.owner_of(removed)
    alive = stats.org_live - np.bincount(removed_owner, minlength=index.n_orgs) > 0
    pool = pool & alive
    if vector is not None and stats.moments is None:
        vector = None

    chosen, far = first_stage(index, query, vector, pool, removed, settings)
    far = far[alive[far]]
    orgs = np.union1d(chosen, far)
    rows, row_org = index.rows_of_orgs(orgs)
    if removed.size:
        keep = ~np.isin(rows, removed)
        rows, row_org = rows[keep], row_org[keep]
    if row_org.size and np.any(np.diff(row_org) < 0):  # rows added since the base come last: regroup
        order = np.argsort(row_org, kind="stable")
        rows, row_org = rows[order], row_org[order]
    block = _Rows(index, rows, query.columns, removed)
    covered = orgs.size >= int(np.count_nonzero(alive))
    n_valid = stats.live_rows - removed.size

    raw: dict[str, np.ndarray] = {}
    lexical_doc, lexical_org = _lexical(index, settings, query, block, row_org, orgs.size, removed, removed_owner)
    cosine_doc, cosine_z = _cosine(index, query, block, removed, n_valid)
    raw.update(_signal("lexical", lexical_doc, block, row_org, orgs.size, settings, covered))
    raw.update(_signal("cosine", cosine_doc, block, row_org, orgs.size, settings, covered))
    raw["lexical_org"] = lexical_org
    mean = float(lexical_doc.sum()) / max(n_valid, 1)
    spread = np.sqrt(max(float((lexical_doc**2).sum()) / max(n_valid, 1) - mean**2, 0.0))
    doc_combined = np.where(lexical_doc > 0, (lexical_doc - mean) / spread if spread > 1e-12 else 0.0, 0.0)
    if vector is not None:
        dense_doc, dense_org = _dense(index, vector, block, row_org, orgs, removed_owner)
        raw.update(_signal("dense", dense_doc, block, row_org, orgs.size, settings, covered))
        raw["dense_org"] = dense_org
        raw.update(_signal("hybrid", cosine_z + dense_doc, block, row_org, orgs.size, settings, covered))
        doc_combined = doc_combined + dense_doc

    counted = ~block.is_directory & ~block.is_hidden
    content = np.bincount(row_org, weights=block.lengths * counted, minlength=orgs.size)
    for prior, group in (("prior_projects", "project"), ("prior_funded", "funded"), ("prior_fields", "field")):
        count = np.bincount(row_org[block.group == KIND_GROUPS.index(group)], minlength=orgs.size).astype(np.float32)
        raw[prior] = np.log1p(count) if prior == "prior_projects" else (count > 0).astype(np.float32)
    raw["prior_length"] = np.log1p(content).astype(np.float32)

    in_pool = np.isin(orgs, chosen)
    candidates = _candidates(raw, in_pool, settings["candidate_depth"], settings["candidate_features"])
    df = stats.df[query.columns]
    idf = np.log1p((max(n_valid, 1) - df + 0.5) / (df + 0.5)).astype(np.float32)
    content_tf = block.tf * ~block.is_directory[:, None] if query.columns.size else block.tf
    present = _group_sums(content_tf, row_org, orgs.size) > 0
    coverage = _coverage(present, idf)
    # the rarer half of the need's words says what is specific about it ("oxyde d'éthylène", not "dispositif")
    rare = idf >= np.median(idf) if idf.size else np.zeros(0, bool)
    coverage_rare = _coverage(present[:, rare], idf[rare])
    if settings["name_needs_support"] and candidates.any():
        # a word of an organisation's name (its directory record) counts only when its other evidence shares
        # something with the need: unsupported records get the candidates' lowest record signal
        unsupported = (coverage <= 0) & (content >= settings["min_profile_tokens"])
        for name in [n for n in raw if n.endswith("_record")]:
            raw[name] = np.where(unsupported, float(raw[name][candidates].min()), raw[name]).astype(np.float32)
    org = {name: zscore(values, candidates) for name, values in raw.items()}
    if near is not None:
        nearby = near.astype(bool) if isinstance(near, np.ndarray) else index.org_mask(near)
        raw["same_region"] = org["same_region"] = nearby[orgs].astype(np.float32)
    return QueryFeatures(
        orgs=orgs,
        org=org,
        raw=raw,
        candidates=candidates,
        rows=rows,
        row_org=row_org,
        doc_combined=np.asarray(doc_combined, np.float32),
        sufficient=content >= settings["min_profile_tokens"],
        term_weights={stem: float(w) for stem, w in zip(query.stems, idf, strict=True)},
        coverage=coverage,
        coverage_rare=coverage_rare,
    )


def _coverage(present: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Return the (m,) share of the query idf weight present in each organisation's content evidence."""
    total = float(idf.sum())
    if idf.size == 0 or total <= 0:
        return np.zeros(present.shape[0], np.float32)
    return (present @ idf / total).astype(np.float32)


def _presence(index: EvidenceIndex, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Return, per column, how many of ``rows`` contain the term."""
    if rows.size == 0 or columns.size == 0:
        return np.zeros(columns.size, np.int64)
    return np.asarray((index.counts_of(rows)[:, columns] > 0).sum(axis=0)).ravel().astype(np.int64)


def _lexical(
    index: EvidenceIndex,
    settings: Mapping[str, Any],
    query: _Query,
    block: _Rows,
    row_org: np.ndarray,
    n_orgs: int,
    removed: np.ndarray,
    removed_owner: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return BM25 per row and per organisation profile, with corpus statistics less the left-out rows."""
    stats = index.stats
    k1 = settings["k1"]
    if query.columns.size == 0:
        return np.zeros(block.rows.size, np.float32), np.zeros(n_orgs, np.float32)
    removed_lengths = index.length_of(removed)
    nonempty = max(stats.nonempty_docs - int(np.count_nonzero(removed_lengths)), 1)
    average = max((stats.total_length - float(removed_lengths.sum())) / nonempty, 1.0)
    df = stats.df[query.columns] - _presence(index, removed, query.columns)
    idf = np.log1p((nonempty - df + 0.5) / (df + 0.5)).astype(np.float32)
    per_row = _bm25(block.tf, block.lengths, idf, query.weights, average, k1, settings["b"])

    # organisation profiles: the sum of their rows; statistics over organisations
    org_tf = _group_sums(block.tf, row_org, n_orgs)
    org_lengths = np.bincount(row_org, weights=block.lengths, minlength=n_orgs).astype(np.float32)
    lost_orgs, org_df_lost = _organisations_losing(index, removed, removed_owner, query.columns)
    org_nonempty = max(stats.nonempty_orgs - lost_orgs, 1)
    org_average = max((stats.total_length - float(removed_lengths.sum())) / org_nonempty, 1.0)
    org_df = stats.org_df[query.columns] - org_df_lost
    org_idf = np.log1p((org_nonempty - org_df + 0.5) / (org_df + 0.5)).astype(np.float32)
    per_org = _bm25(org_tf, org_lengths, org_idf, query.weights, org_average, k1, settings["org_b"])
    return per_row, per_org


def _organisations_losing(
    index: EvidenceIndex, removed: np.ndarray, removed_owner: np.ndarray, columns: np.ndarray
) -> tuple[int, np.ndarray]:
    """Return how many organisations the left-out rows empty, and per column how many lose the term."""
    if removed.size == 0:
        return 0, np.zeros(columns.size, np.int64)
    owners = np.unique(removed_owner)
    rows, position = index.rows_of_orgs(owners)
    counts = index.counts_of(rows)[:, columns].toarray() > 0
    lengths = index.length_of(rows)
    kept = ~np.isin(rows, removed)
    before = np.zeros((owners.size, columns.size), bool)
    after = np.zeros((owners.size, columns.size), bool)
    np.logical_or.at(before, position, counts)
    np.logical_or.at(after, position[kept], counts[kept])
    length_before = np.bincount(position, weights=lengths, minlength=owners.size)
    length_after = np.bincount(position[kept], weights=lengths[kept], minlength=owners.size)
    emptied = int(np.count_nonzero((length_before > 0) & (length_after <= 0)))
    return emptied, (before & ~after).sum(axis=0).astype(np.int64)


def _cosine(
    index: EvidenceIndex, query: _Query, block: _Rows, removed: np.ndarray, n_valid: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the tf-idf cosine per row and its z-score over every valid row of the catalogue.

    The mean is exact (per-term sums); the second moment is exact for the gathered rows and uses the
    per-term sums of squares for the others (rows outside the candidates rarely share two query terms).
    """
    rows = block.rows.size
    if query.columns.size == 0:
        zeros = np.zeros(rows, np.float32)
        return zeros, zeros
    stats = index.stats
    idf = index.tfidf_idf()
    q = query.weights * idf[query.columns]
    q = q / max(float(np.linalg.norm(q)), 1e-12)

    def shares(rows: np.ndarray, tf: np.ndarray) -> np.ndarray:
        logged = np.where(tf > 0, 1.0 + np.log(np.maximum(tf, 1.0)), 0.0)
        return logged / np.maximum(index.norms_of(rows), 1e-12)[:, None]

    share = shares(block.rows, block.tf)
    cosine = (share * idf[query.columns]) @ q
    removed_share = np.zeros((0, query.columns.size))
    if removed.size:
        removed_share = shares(removed, index.counts_of(removed)[:, query.columns].toarray())
    removed_cosine = (removed_share * idf[query.columns]) @ q
    weighted = q * idf[query.columns]
    n = max(n_valid, 1)
    mean = (float(weighted @ stats.cos_sum[query.columns]) - float(removed_cosine.sum())) / n
    outside = stats.cos_sq[query.columns] - (share**2).sum(axis=0) - (removed_share**2).sum(axis=0)
    second = (float((cosine**2).sum()) + float(weighted**2 @ np.maximum(outside, 0.0))) / n
    spread = np.sqrt(max(second - mean**2, 0.0))
    z = (cosine - mean) / spread if spread > 1e-12 else np.zeros(rows)
    return cosine.astype(np.float32), z.astype(np.float32)


def _dense(
    index: EvidenceIndex, vector: np.ndarray, block: _Rows, row_org: np.ndarray, orgs: np.ndarray,
    removed_owner: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the dense z-score per row (exact corpus moments) and each profile's mean-vector cosine.

    The profile cosine is (sum of the rows' similarities) / |sum of the rows' embeddings|: the norm is kept
    per organisation by the index, and recomputed only for organisations that lose left-out evidence.
    """
    embeddings = index.embeddings_of(block.rows)
    similarities = embeddings @ vector
    stats = index.stats
    excluded = index.embeddings_of(block.removed) if block.removed.size else None
    mean, spread = stats.moments.mean_std(vector, excluded)
    z = (similarities - mean) / spread if spread > 1e-12 else np.zeros(block.rows.size)
    dots = np.bincount(row_org, weights=similarities, minlength=orgs.size)
    norms = np.asarray(stats.org_vector_norm[orgs], np.float64)
    touched = np.flatnonzero(np.isin(orgs, removed_owner))
    if touched.size:
        mine = np.isin(row_org, touched)
        sums = _group_sums(embeddings[mine], np.searchsorted(touched, row_org[mine]), touched.size)
        norms[touched] = np.linalg.norm(sums, axis=1)
    profile = np.where(norms > 1e-6, dots / np.maximum(norms, 1e-6), 0.0)
    return z.astype(np.float32), profile.astype(np.float32)


def _group_sums(values: np.ndarray, row_org: np.ndarray, n_orgs: int) -> np.ndarray:
    """Return the (n_orgs, k) sums of (r, k) row values grouped by organisation position."""
    ownership = sp.csr_matrix((np.ones(row_org.size, np.float32), (row_org, np.arange(row_org.size))),
                              shape=(n_orgs, row_org.size))
    return np.asarray(ownership @ values, np.float32)


def _signal(
    name: str,
    scores: np.ndarray,
    block: _Rows,
    row_org: np.ndarray,
    n_orgs: int,
    settings: Mapping[str, Any],
    covered: bool,
) -> dict[str, np.ndarray]:
    """Aggregate one evidence-level signal per organisation and per kind group."""
    valid = np.ones(scores.size, bool)
    best = aggregate(scores, row_org, n_orgs, valid, settings["damping"], settings["aggregate_depth"])
    floor = float(np.nanmin(best)) if np.isfinite(best).any() else 0.0
    if name in NONNEGATIVE and not covered:
        floor = min(floor, 0.0)  # some organisation of the catalogue shares no word with the query
    out = {name: np.nan_to_num(best, nan=floor).astype(np.float32)}
    per_group = np.full(n_orgs * len(KIND_GROUPS), -np.inf, np.float32)
    np.maximum.at(per_group, row_org * len(KIND_GROUPS) + block.group, scores)
    per_group = per_group.reshape(n_orgs, len(KIND_GROUPS))
    for g, group in enumerate(KIND_GROUPS):
        values = per_group[:, g]
        out[f"{name}_{group}"] = np.where(np.isfinite(values), values, floor).astype(np.float32)
    return out


def _candidates(raw: dict[str, np.ndarray], pool: np.ndarray, depth: int, names: list[str]) -> np.ndarray:
    """Return the union of the ``depth`` best pool organisations under each first-stage signal.

    Only organisations with a positive signal qualify, so a small pool (filters) never ranks profiles that
    share nothing with the query.
    """
    chosen = np.zeros(pool.size, bool)
    for name in names:
        if name not in raw:
            continue
        rows = np.flatnonzero(pool & (raw[name] > 0))
        if rows.size == 0:
            continue
        values = raw[name][rows]
        take = min(depth, rows.size)
        chosen[rows[np.argpartition(-values, take - 1)[:take]]] = True
    return chosen
