"""BM25 and TF-IDF over sparse term counts, with leave-one-out statistics."""

import math

import numpy as np
import pytest

from matchmaker.ranking.lexical import (
    bm25_scores,
    build_vocabulary,
    cosine_scores,
    query_terms,
    term_counts,
    tfidf_rows,
)

DOCS = [["imag", "irm", "cerveau"], ["chim", "catalys"], ["imag", "imag", "microscop", "cellul"]]


def counts_and_lengths():
    vocabulary = build_vocabulary(DOCS)
    counts = term_counts(DOCS, vocabulary)
    lengths = np.array([len(d) for d in DOCS], np.float32)
    return vocabulary, counts, lengths


def test_vocabulary_is_sorted_and_counts_are_term_frequencies():
    vocabulary, counts, _ = counts_and_lengths()
    assert list(vocabulary) == sorted(vocabulary)
    assert counts.shape == (3, len(vocabulary))
    assert counts[2, vocabulary["imag"]] == 2 and counts[1, vocabulary["imag"]] == 0


def test_query_terms_keep_known_terms_with_sublinear_weights():
    vocabulary, _, _ = counts_and_lengths()
    columns, weights = query_terms(["imag", "imag", "inconnu"], vocabulary)
    assert list(columns) == [vocabulary["imag"]]
    assert weights[0] == pytest.approx(1 + math.log(2))


def test_bm25_matches_the_textbook_formula():
    vocabulary, counts, lengths = counts_and_lengths()
    columns, weights = query_terms(["irm"], vocabulary)
    scores = bm25_scores(counts, lengths, columns, weights, k1=1.2, b=0.75)
    idf = math.log1p((3 - 1 + 0.5) / (1 + 0.5))
    expected = idf * 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / lengths.mean()))
    assert scores[0] == pytest.approx(expected, rel=1e-5)
    assert scores[1] == scores[2] == 0


def test_removed_counts_give_the_scores_of_an_index_without_them():
    vocabulary, counts, lengths = counts_and_lengths()
    columns, weights = query_terms(["imag"], vocabulary)
    removed = counts[:, columns].tocsr().copy()
    removed[0, 0] = 0  # leave out row 2's occurrences only
    removed.eliminate_zeros()
    left_out = bm25_scores(counts, lengths, columns, weights, removed, np.array([0, 0, 4], np.float32))
    kept = [DOCS[0], DOCS[1], []]
    rebuilt = bm25_scores(term_counts(kept, vocabulary), np.array([3, 2, 0], np.float32), columns, weights)
    assert np.allclose(left_out, rebuilt)


def test_tfidf_rows_are_unit_vectors_and_the_best_cosine_wins():
    vocabulary, counts, _ = counts_and_lengths()
    rows, idf = tfidf_rows(counts)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    assert np.allclose(norms, 1.0)
    columns, weights = query_terms(["microscop", "cellul"], vocabulary)
    cosines = cosine_scores(rows, idf, columns, weights)
    assert cosines.argmax() == 2 and 0 < cosines[2] <= 1
    assert not cosine_scores(rows, idf, np.array([], np.int64), np.array([], np.float32)).any()
