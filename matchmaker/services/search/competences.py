"""Competence map: the organisations of a region or domain grouped into clusters of related competences.

Vectors: the mean of each organisation's evidence embeddings as the served index holds them
(``EvidenceIndex.org_mean_embeddings``), L2-normalised — the same dense space the ranking searches.
Organisations the index does not know (no evidence yet) are listed apart in a last group. When there is
no index or it has no dense side, every organisation falls back to TF-IDF vectors of its texts
(scikit-learn, reduced by truncated SVD when large), so a map is always drawn; ``CompetenceMap.vectors``
says which was used.

Clusters: k-means with k = round(sqrt(n / 2)) clipped to [2, ``MAX_CLUSTERS``] (the usual rule of
thumb), fewer when there are fewer distinct vectors. Labels: the ``LABEL_TERMS`` words or word pairs
whose mean TF-IDF weight in the cluster most exceeds their mean over all the organisations shown.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.models import Evidence, Organisation
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError, RankingError
from matchmaker.ranking.stopwords import STOPWORDS
from matchmaker.ranking.text import fold, stem
from matchmaker.services.domains import organisation_domain
from matchmaker.services.search.engine import SearchEngine
from matchmaker.vocabulary import EvidenceKind

logger = logging.getLogger(__name__)

MAP_LIMIT = 1500
MAX_CLUSTERS = 12
LABEL_TERMS = 3
TEXT_CHARS = 3000
SVD_COMPONENTS = 100
DENSE_CELLS = 4_000_000
_BOILERPLATE = frozenset(
    # words every evidence of a source repeats ("Marché remporté auprès de", "Comités ANR :", "Medical devices:")
    # and generic words of project abstracts, accent-folded like STOPWORDS
    "marche remporte aupres numero consultation achat fourniture fournitures cpv lot lots comites anr devices "
    "projet projets laboratoire laboratoires unite unites equipe equipes societe entreprise entreprises startup "
    "contre recherche recherches developpement developper etude etudes nouveau nouvelle nouveaux nouvelles mise "
    "cadre sein permettre permet permettra objectif objectifs travers partir base grace fait faire deux trois "
    "premier premiere type types domaine domaines activite activites solution solutions produit produits "
    "other autres new using based use two also les des".split()
)
_WORD = re.compile(r"[^\W\d_]{3,}")
_IGNORED = STOPWORDS | _BOILERPLATE


@dataclass(frozen=True)
class ClusterMember:
    """An organisation of a competence cluster."""

    key: str
    name: str
    kind: str
    region: str | None


@dataclass(frozen=True)
class CompetenceCluster:
    """Related organisations and the terms that set them apart."""

    number: int
    terms: tuple[str, ...]
    members: tuple[ClusterMember, ...]
    unindexed: bool = False  # organisations without indexed evidence, listed apart

    @property
    def label(self) -> str:
        """Return the readable label of the cluster: its top terms."""
        return " · ".join(self.terms)


@dataclass(frozen=True)
class CompetenceMap:
    """The clusters of the organisations of one region and/or domain."""

    region: str | None
    domain: str | None
    total: int  # organisations matching the filters
    vectors: str  # "embeddings" or "tfidf"
    clusters: tuple[CompetenceCluster, ...]

    @property
    def shown(self) -> int:
        """Return how many organisations were clustered (at most MAP_LIMIT)."""
        return sum(len(c.members) for c in self.clusters)


def choose_k(n: int) -> int:
    """Return the number of clusters for n organisations: round(sqrt(n / 2)) within [2, MAX_CLUSTERS]."""
    if n < 4:
        return 1 if n else 0
    return max(2, min(MAX_CLUSTERS, round(math.sqrt(n / 2))))


def organisation_vectors(matcher: Any, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the L2-normalised mean evidence embedding of the organisations the index knows, and which those are.

    Returns:
        ((m, dim) vectors of the known organisations in ``keys`` order, (n,) bool mask of the known ones),
        or None when the matcher has no dense side. Organisations without evidence are not in the index.
    """
    if matcher is None or not keys or not matcher.index.dim:
        return None
    vectors, known = matcher.index.org_mean_embeddings(list(keys))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0), known


@lru_cache(maxsize=100_000)
def _kept(word: str) -> bool:
    return fold(word) not in _IGNORED


def terms_of(text: str) -> list[str]:
    """Return the lower-cased words (3+ letters, stopwords and boilerplate dropped) and adjacent word pairs."""
    words = [w for w in _WORD.findall(text.lower()) if _kept(w)]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def tfidf(texts: Sequence[str]) -> tuple[Any, list[str]]:
    """Return the (n, terms) sparse TF-IDF matrix of texts (words and word pairs) and its terms."""
    few = len(texts) < 10
    vectorizer = TfidfVectorizer(analyzer=terms_of, min_df=1 if few else 2, max_df=1.0 if few else 0.5,
                                 sublinear_tf=True, max_features=20000)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no term survives (empty texts)
        return None, []
    return matrix, list(vectorizer.get_feature_names_out())


def dense_rows(vectors: Any, components: int = SVD_COMPONENTS) -> np.ndarray:
    """Return rows as a dense array; a wide sparse TF-IDF matrix is first reduced by truncated SVD (LSA)."""
    if not hasattr(vectors, "toarray"):
        return np.asarray(vectors, np.float32)
    n, width = vectors.shape
    size = min(components, width - 1, n - 1)
    if size < 2 or n * width <= DENSE_CELLS:
        return vectors.toarray().astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):  # explained-variance ratios of constant columns
        reduced = TruncatedSVD(n_components=size, random_state=0).fit_transform(vectors)
    norms = np.linalg.norm(reduced, axis=1, keepdims=True)
    return (reduced / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def cluster_labels(vectors: Any, k: int) -> np.ndarray:
    """Return the k-means cluster of each row (dense or sparse rows), deterministic."""
    n = vectors.shape[0]
    dense = dense_rows(vectors)
    distinct = len(np.unique(np.round(dense, 6), axis=0))
    k = min(k, distinct)
    if k <= 1:
        return np.zeros(n, np.int64)
    return KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(dense).astype(np.int64)


def top_terms(matrix: Any, terms: Sequence[str], labels: np.ndarray, n_terms: int = LABEL_TERMS) -> dict[int, tuple]:
    """Return, per cluster, the terms whose mean weight in the cluster most exceeds their overall mean."""
    if matrix is None or not terms:
        return {int(c): () for c in np.unique(labels)}
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    result = {}
    for cluster in np.unique(labels):
        inside = np.asarray(matrix[labels == cluster].mean(axis=0)).ravel() - overall
        best = [i for i in np.argsort(-inside, kind="stable")[: n_terms * 5] if inside[i] > 0]
        chosen: list[str] = []
        seen: set[str] = set()
        for i in best:  # skip terms sharing a stem (or its prefix) with a chosen one: "science" after "sciences"
            stems = {stem(word) for word in terms[i].split()}
            if any(a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))
                   for a in stems for b in seen):
                continue
            chosen.append(terms[i])
            seen |= stems
            if len(chosen) == n_terms:
                break
        result[int(cluster)] = tuple(chosen)
    return result


def _texts(session: Session, orgs: Sequence[Organisation]) -> list[str]:
    pieces: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(Evidence.organisation_id, Evidence.text)
        .where(Evidence.organisation_id.in_([o.id for o in orgs]), Evidence.kind != EvidenceKind.DIRECTORY_RECORD)
        .order_by(Evidence.id)
    )
    for org_id, text in rows:
        pieces[org_id].append(text)
    texts = []
    for org in orgs:
        text = " ".join([*(org.keywords or ()), org.description_fr or org.description_en or "", *pieces[org.id]])
        texts.append(text[:TEXT_CHARS])
    return texts


def served_matcher(engine: SearchEngine, session: Session) -> Any:
    """Return the served matcher, or None when there is no usable index (the map then uses TF-IDF)."""
    try:
        return engine.matcher(session)
    except (IndexMissingError, IndexStaleError) as error:
        logger.info("competence map without index: %s", error)
        return None


def select_organisations(session: Session, *, region: str | None, domain: str | None) -> list[Organisation]:
    """Return the organisations (buyers excepted) of a region and/or domain, in id order."""
    query = select(Organisation).where(Organisation.kind != "buyer").order_by(Organisation.id)
    if region:
        query = query.where(Organisation.region == region)
    orgs = list(session.scalars(query))
    if domain:
        orgs = [o for o in orgs if organisation_domain(o.kind, o.keywords, o.attributes) == domain]
    return orgs


def competence_map(
    session: Session, matcher: Any, *, region: str | None = None, domain: str | None = None, limit: int = MAP_LIMIT
) -> CompetenceMap:
    """Cluster the organisations of a region and/or domain (an even sample of ``limit`` when there are more).

    With embeddings, organisations the index does not know (no evidence yet) are listed apart, last.
    """
    orgs = select_organisations(session, region=region, domain=domain)
    total = len(orgs)
    if total > limit:
        orgs = [orgs[i] for i in np.linspace(0, total - 1, limit).round().astype(int)]
    if not orgs:
        return CompetenceMap(region, domain, total, "none", ())
    matrix, terms = tfidf(_texts(session, orgs))
    try:
        dense = organisation_vectors(matcher, [o.key for o in orgs]) if matcher is not None else None
    except (RankingError, ValueError, IndexError) as error:  # an index being swapped: draw from text
        logger.warning("competence map: no embeddings (%s), using TF-IDF", error)
        dense = None
    if dense is not None and dense[1].sum() >= 2:
        vectors, known = dense
        method = "embeddings"
    else:
        vectors = matrix if matrix is not None else np.zeros((len(orgs), 1), np.float32)
        known, method = np.ones(len(orgs), bool), "tfidf"
    labels = np.full(len(orgs), -1, np.int64)
    labels[known] = cluster_labels(vectors, choose_k(int(known.sum())))
    names = top_terms(matrix[known] if matrix is not None else None, terms, labels[known])
    members: dict[int, list[ClusterMember]] = defaultdict(list)
    for org, label in zip(orgs, labels, strict=True):
        members[int(label)].append(ClusterMember(org.key, org.name, org.kind, org.region))
    ordered = sorted((c for c in members if c >= 0), key=lambda c: (-len(members[c]), c))
    clusters = [CompetenceCluster(number, names.get(c, ()), _by_name(members[c]))
                for number, c in enumerate(ordered, start=1)]
    if -1 in members:
        clusters.append(CompetenceCluster(len(clusters) + 1, (), _by_name(members[-1]), unindexed=True))
    return CompetenceMap(region, domain, total, method, tuple(clusters))


def _by_name(members: list[ClusterMember]) -> tuple[ClusterMember, ...]:
    return tuple(sorted(members, key=lambda m: m.name.lower()))
