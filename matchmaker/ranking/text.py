"""Tokenise French and English text: accent folding, stopwords and double stemming."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import Stemmer

from matchmaker.ranking.stopwords import STOPWORDS

# "sous-traitant" is one word (sub-contractor), not "sous" + "traitant" (which would match "traitement")
_WORD = re.compile(r"(?:sous-|sur-|contre-)?[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[^\s])")
_FRENCH = Stemmer.Stemmer("french")
_ENGLISH = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Return ``text`` lower-cased without accents (é -> e, ç -> c, œ -> oe)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _folded_word(word: str) -> str:
    return fold(word)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the shared French+English stem of one lower-case word, accents folded.

    French then English stemming maps both "imagerie" and "imaging" to "imag".
    """
    return fold(_ENGLISH.stemWord(_FRENCH.stemWord(word)))


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, stem)`` for every content word of ``text``."""
    lowered = text.lower()
    for found in _WORD.finditer(lowered):
        word = found.group().replace("-", "")
        if len(word) < 2 or _folded_word(word) in STOPWORDS:
            continue
        yield found.start(), found.end(), stem(word)


def analyse(text: str) -> list[str]:
    """Return the stems of the content words of ``text``, in order."""
    return [token for _, _, token in word_spans(text)]


def sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their ``(start, end)`` character spans."""
    spans = []
    start = 0
    for found in _SENTENCE_END.finditer(text):
        spans.append((start, found.start()))
        start = found.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]
