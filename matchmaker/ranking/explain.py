"""Explain a match: the sentences of its best evidence that share the most query terms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from matchmaker.ranking.match import Passage
from matchmaker.ranking.text import sentences, word_spans

MAX_PASSAGE_CHARS = 400


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[int, int, str], ...]:
    """Return the content word spans of a text (memoised: the same evidence explains many queries)."""
    return tuple(word_spans(text))


def best_passage(evidence_id: str, text: str, term_weights: Mapping[str, float]) -> Passage:
    """Return the sentence of ``text`` with the highest weight of distinct query terms, highlighted.

    Args:
        evidence_id: id of the evidence the text comes from.
        text: evidence text.
        term_weights: query stem -> weight (e.g. idf).
    """
    best: tuple[float, int, int] = (-1.0, 0, min(len(text), MAX_PASSAGE_CHARS))
    words = _words(text)
    for start, end in sentences(text):
        found = {s for a, b, s in words if a >= start and b <= end and s in term_weights}
        score = sum(term_weights[s] for s in found)
        if score > best[0]:
            best = (score, start, end)
    score, start, end = best
    if end - start > MAX_PASSAGE_CHARS:
        end = start + MAX_PASSAGE_CHARS
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    highlights = tuple((a - start, b - start) for a, b, s in words if a >= start and b <= end and s in term_weights)
    return Passage(evidence_id=evidence_id, text=text[start:end], highlights=highlights, score=max(score, 0.0))


def passages_for(
    evidence: Sequence[tuple[str, str]], term_weights: Mapping[str, float], limit: int = 3
) -> tuple[Passage, ...]:
    """Return up to ``limit`` passages, one per evidence, from evidence ``(id, text)`` given best first.

    Passages without any query term are kept only when nothing better exists (the first evidence).
    """
    found: list[Passage] = []
    seen: set[str] = set()
    for evidence_id, text in evidence:
        if len(found) == limit:
            break
        passage = best_passage(evidence_id, text, term_weights)
        if passage.text not in seen:  # the same sentence from several lots of one tender is quoted once
            seen.add(passage.text)
            found.append(passage)
    kept = [p for p in found if p.highlights] or found[:1]
    return tuple(kept)
