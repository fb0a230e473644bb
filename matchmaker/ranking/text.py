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
# Identifiers match only as what they are: a lab label number ("UMR 745" -> umr745), a standard
# ("NF EN ISO 13485" -> iso13485, "IEC 62304" -> iec62304), a European regulation ("2017/745" -> reg2017n745).
# Other bare numbers (postcodes, quantities, years) are no evidence of a competence and are not indexed.
_IDENTIFIER = re.compile(
    r"\b(?P<label>umr|umrs|upr|ums|usr|uar|ur|ea|fre|erl|u)\s?[-n°]*\s?(?P<lnum>\d{2,4})\b"
    r"|\b(?:nf\s+)?(?:en\s+)?(?P<std>iso|iec|en)\s?[-/]?\s?(?P<snum>\d{3,5})(?:-\d+)*\b"
    r"|\b(?P<year>(?:19|20)\d{2})/(?P<rnum>\d{1,4})\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"^\d+$")
# Generic words that say nothing about what an organisation does when they appear in its name or
# directory record ("ISO Med", "France Lab Santé"): a directory record never matches a need on them.
# A need that says "CHU" or "hôpital" names who asks, not what is sought: hospital departments (RNSR "DMU",
# "Pôle") never match on those words of their name.
GENERIC_RECORD_WORDS = frozenset(
    """iso lab labo labs laboratoire laboratoires sante health france french medical medicale medicaux med medic
    bio pharma tech techno technologie technologies group groupe service services international europe european
    innovation innovations system systems systeme systemes solution solutions industrie industries industrial
    societe company entreprise centre center institut institute unite unit recherche research sas sarl
    chu chru hopital hopitaux hospitalier hospitaliere hospitalo universitaire aphp dmu pole departement"""
    .split()
)
RECORD_KINDS = frozenset({"directory_record"})
# Evidence kinds that feed the ranking but are never quoted to a user (machine text such as topic stems).
HIDDEN_KINDS = frozenset({"funded_topics"})
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


def token_of(word: str) -> str | None:
    """Return the index token of one lower-case word, or None when it is not indexed.

    Words of three letters or fewer are acronyms or units ("hds", "hd", "irm"): kept whole, never stemmed,
    so that "HDS" does not match "HD". Bare numbers are not indexed.
    """
    if len(word) < 2 or _DIGITS.match(word):
        return None
    folded = _folded_word(word)
    if folded in STOPWORDS:
        return None
    return folded if len(word) <= 3 else stem(word)


def _identifier_token(found: re.Match[str]) -> str:
    if found.group("label"):
        return f"{found.group('label').lower()}{int(found.group('lnum'))}"
    if found.group("std"):
        return f"{found.group('std').lower()}{found.group('snum')}"
    return f"reg{found.group('year')}n{int(found.group('rnum'))}"


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, token)`` for every content word and identifier of ``text``, in order."""
    lowered = text.lower()
    identifiers = [(m.start(), m.end(), _identifier_token(m)) for m in _IDENTIFIER.finditer(lowered)]
    position = 0
    for start, end, token in [*identifiers, (len(lowered), len(lowered), "")]:
        for found in _WORD.finditer(lowered, position, start):
            word = found.group().replace("-", "")
            indexed = token_of(word)
            if indexed is not None:
                yield found.start(), found.end(), indexed
        if token:
            yield start, end, token
        position = end


def analyse(text: str) -> list[str]:
    """Return the stems of the content words of ``text``, in order."""
    return [token for _, _, token in word_spans(text)]


def analyse_evidence(text: str, kind: str) -> list[str]:
    """Return the index tokens of one evidence text; directory records lose their generic name words."""
    tokens = analyse(text)
    if kind in RECORD_KINDS:
        return [t for t in tokens if t not in _GENERIC_RECORD_TOKENS]
    return tokens


def sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their ``(start, end)`` character spans."""
    spans = []
    start = 0
    for found in _SENTENCE_END.finditer(text):
        spans.append((start, found.start()))
        start = found.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


_GENERIC_RECORD_TOKENS = frozenset(token_of(word) for word in GENERIC_RECORD_WORDS) - {None}
