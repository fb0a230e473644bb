"""The lexical candidate generator: an on-disk BM25 inverted index (tantivy) over analysed stems.

tantivy (the Rust search library behind Quickwit, Lucene-like: segments, block-max WAND top-k,
memory-mapped files, streamed indexing within a fixed writer heap) answers "which rows best match these
stems?" in a few milliseconds at a million documents, outside the GIL. It indexes the stems of our own
analyser (accent folding, French then English stemming, stopwords), joined by spaces and split on
whitespace, so it ranks exactly the words the features score; it only proposes candidates, whose
features the core then computes exactly. Each document carries its row (or organisation) number in a
fast field. The index is written once and never changed: catalogue changes live in the core's delta.

benchmarks/lexical_engines.py measured it against bm25s and today's scipy postings.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

_TOKENIZER = "stems"
_KEY = "key"
_TEXT = "stems"
WRITER_HEAP = 128_000_000  # bytes of tantivy's indexing buffer: the build's memory does not grow with the corpus
FETCH_LIMIT = 3
"""A filtered search fetches at most this many times the rows it wants (narrow pools are scored whole)."""


def _schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field(_TEXT, tokenizer_name=_TOKENIZER, index_option="freq")
    builder.add_unsigned_field(_KEY, fast=True, indexed=False, stored=False)
    return builder.build()


def _register(index) -> None:
    import tantivy

    index.register_tokenizer(_TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())


class LexicalIndexWriter:
    """Stream (key, {stem: count}) documents into a new index directory."""

    def __init__(self, path: Path) -> None:
        import tantivy

        self.path = Path(path)
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)
        self._tantivy = tantivy
        self.index = tantivy.Index(_schema(), path=str(self.path))
        _register(self.index)
        self.writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        self.count = 0

    def add(self, key: int, stems: Mapping[str, int | float]) -> None:
        """Add one document: its key (row or organisation number) and its stem counts."""
        document = self._tantivy.Document()
        document.add_text(_TEXT, " ".join(" ".join([stem] * int(count)) for stem, count in stems.items()))
        document.add_unsigned(_KEY, int(key))
        self.writer.add_document(document)
        self.count += 1

    def add_many(self, documents: Iterable[tuple[int, Mapping[str, int | float]]]) -> None:
        """Add documents."""
        for key, stems in documents:
            self.add(key, stems)

    def abort(self) -> None:
        """Drop what was added."""
        self.writer.rollback()

    def close(self) -> None:
        """Commit, merge and release the writer."""
        self.writer.commit()
        self.writer.wait_merging_threads()


class LexicalIndex:
    """Search an index written by ``LexicalIndexWriter`` (read-only, memory-mapped by tantivy)."""

    def __init__(self, path: Path) -> None:
        import tantivy

        self.path = Path(path)
        self._tantivy = tantivy
        self.index = tantivy.Index.open(str(self.path))
        _register(self.index)
        self.index.reload()
        self.searcher = self.index.searcher()
        self.schema = self.index.schema

    @property
    def n_docs(self) -> int:
        """Number of documents."""
        return int(self.searcher.num_docs)

    def _query(self, stems: Mapping[str, float]):
        q = self._tantivy.Query
        clauses = [
            (self._tantivy.Occur.Should, q.boost_query(q.term_query(self.schema, _TEXT, stem), float(weight)))
            for stem, weight in stems.items()
        ]
        return q.boolean_query(clauses)

    def top(
        self,
        stems: Mapping[str, float],
        n: int,
        keep: Callable[[np.ndarray], np.ndarray] | None = None,
        keep_share: float = 1.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the keys and BM25 scores of the ``n`` best documents (best first) that ``keep`` accepts.

        Args:
            stems: query stem -> weight (boost).
            n: number of keys wanted.
            keep: optional filter, (m,) keys -> (m,) bool (deleted rows, organisations outside the pool).
            keep_share: share of the documents ``keep`` accepts (how many more to fetch before filtering).
        """
        if not stems or n <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        fetch = n if keep is None else int(min(n / max(keep_share, 1e-3) * 1.2 + 16, FETCH_LIMIT * n))
        fetch = min(fetch, max(self.n_docs, 1))
        hits = self.searcher.search(self._query(stems), fetch, count=False).hits
        if not hits:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        keys = np.asarray(self.searcher.fast_field_values(_KEY, [address for _, address in hits]), np.int64)
        scores = np.asarray([score for score, _ in hits], np.float32)
        if keep is not None:
            accepted = keep(keys)
            keys, scores = keys[accepted], scores[accepted]
        return keys[:n], scores[:n]


__all__ = ["LexicalIndex", "LexicalIndexWriter", "WRITER_HEAP"]
