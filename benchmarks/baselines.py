"""Plain baselines the ranking is compared with in ``benchmarks/quality.py``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from matchmaker.ranking.corpus import EvalQuery
from matchmaker.ranking.match import EvidenceDoc

BASELINE_KINDS = frozenset({"directory_record", "research_fields", "ilab_project"})


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
