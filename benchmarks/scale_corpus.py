"""Synthetic evidence for the scale benchmark, recombined from the real bundled evidence.

Each synthetic document takes one or two sentences from a first real evidence text and one from a
second, so its words are real French/English health-tech text. Its vector is NOT an encoding of that
text (encoding 1M texts on 2 cores takes hours): it is the normalised, length-weighted mix of the two
source texts' real embeddings plus Gaussian noise. ``fidelity`` measures how close such a mix is to
the real encoding of the synthetic text on a sample. Documents are generated in fixed chunks with
their own seeds, so the 10k corpus is the first 10k documents of the 100k one, and so on.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap

from matchmaker.config import PROJECT_ROOT
from matchmaker.ranking import EvidenceDoc, load_encoder
from matchmaker.ranking.cache import cache_stem, embed_passages, write_vectors
from matchmaker.ranking.settings import DEFAULT_SETTINGS
from matchmaker.ranking.text import sentences

BUNDLE = PROJECT_ROOT / "data" / "competences" / "organisations.jsonl.gz"
CHUNK = 10_000
DOCS_PER_ORG = 5


@dataclass
class Sources:
    """Real evidence texts, their sentences and their real embeddings."""

    texts: list[str]
    kinds: list[str]
    spans: list[list[tuple[int, int]]]
    vectors: np.ndarray  # (n_sources, dim) float32


def seed_cache(encoder_name: str, cache_dir: Path) -> None:
    """Start the embedding cache from the vectors the repository ships for the bundled evidence (if any)."""
    seed = PROJECT_ROOT / "data" / "competences" / "embeddings"
    stem = cache_stem(encoder_name)
    if (cache_dir / f"{stem}.npy").exists() or not (seed / f"{stem}.npy").exists():
        return
    keys = json.loads((seed / f"{stem}.json").read_text())
    write_vectors(cache_dir, stem, np.load(seed / f"{stem}.npy").astype(np.float32), {**keys, "dtype": "float32"})


def load_sources(encoder_name: str, cache_dir: Path, progress: bool = True, limit: int = 0) -> Sources:
    """Read the bundled evidence and embed it as the index does (first 500 characters; cached texts are reused)."""
    texts, kinds = [], []
    with gzip.open(BUNDLE, "rt", encoding="utf-8") as handle:
        for line in handle:
            for item in json.loads(line).get("evidence", []):
                if len(item["text"]) >= 40:
                    texts.append(item["text"])
                    kinds.append(item.get("kind") or "description")
    if limit:
        texts, kinds = texts[:limit], kinds[:limit]
    limit_chars = DEFAULT_SETTINGS["dense_max_chars"]
    passages = [t[:limit_chars] if limit_chars else t for t in texts]
    vectors = embed_passages(load_encoder(encoder_name), passages, cache_dir=cache_dir, progress=progress)
    spans = [sentences(text) or [(0, len(text))] for text in texts]
    return Sources(texts=texts, kinds=kinds, spans=spans, vectors=vectors)


def _pick(rng: np.random.Generator, spans: list[tuple[int, int]], count: int) -> tuple[int, int]:
    """Return the character span of ``count`` consecutive sentences chosen at random."""
    count = min(count, len(spans))
    first = int(rng.integers(len(spans) - count + 1))
    return spans[first][0], spans[first + count - 1][1]


def generate_chunk(sources: Sources, chunk: int, noise: float, seed: int) -> tuple[list[EvidenceDoc], np.ndarray]:
    """Return the documents and (CHUNK, dim) vectors of chunk number ``chunk``."""
    rng = np.random.default_rng([seed, chunk])
    n_sources, dim = sources.vectors.shape
    first = rng.integers(n_sources, size=CHUNK)
    second = rng.integers(n_sources, size=CHUNK)
    docs, weights = [], np.zeros((CHUNK, 2), np.float32)
    for row in range(CHUNK):
        a, b = int(first[row]), int(second[row])
        start, end = _pick(rng, sources.spans[a], int(rng.integers(1, 3)))
        start_b, end_b = _pick(rng, sources.spans[b], 1)
        part_a, part_b = sources.texts[a][start:end][:600], sources.texts[b][start_b:end_b][:300]
        number = chunk * CHUNK + row
        docs.append(
            EvidenceDoc(
                id=f"syn:{number}",
                org_id=f"synorg:{number // DOCS_PER_ORG}",
                text=f"{part_a} {part_b}",
                kind=sources.kinds[a],
            )
        )
        weights[row] = (len(part_a), len(part_b))
    weights /= weights.sum(axis=1, keepdims=True)
    mixed = weights[:, :1] * sources.vectors[first] + weights[:, 1:] * sources.vectors[second]
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    mixed += rng.normal(scale=noise / np.sqrt(dim), size=mixed.shape).astype(np.float32)
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    return docs, mixed.astype(np.float32)


def write_corpus(sources: Sources, size: int, directory: Path, noise: float, seed: int) -> dict:
    """Stream ``size`` documents into ``vectors.npy`` (memory-mapped) and ``docs.jsonl``; return stats."""
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shape = (size, sources.vectors.shape[1])
    vectors = open_memmap(directory / "vectors.npy", mode="w+", dtype=np.float32, shape=shape)
    with open(directory / "docs.jsonl", "w", encoding="utf-8") as handle:
        for chunk in range(size // CHUNK):
            docs, block = generate_chunk(sources, chunk, noise, seed)
            vectors[chunk * CHUNK : (chunk + 1) * CHUNK] = block
            for doc in docs:
                handle.write(json.dumps([doc.id, doc.org_id, doc.kind, doc.text], ensure_ascii=False) + "\n")
    vectors.flush()
    del vectors
    return {"size": size, "seconds": round(time.perf_counter() - started, 1)}


def read_docs(directory: Path, limit: int) -> Iterator[EvidenceDoc]:
    """Yield the first ``limit`` documents of a written corpus."""
    with open(directory / "docs.jsonl", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= limit:
                return
            key, org, kind, text = json.loads(line)
            yield EvidenceDoc(id=key, org_id=org, text=text, kind=kind)


def fidelity(sources: Sources, encoder_name: str, sample: int, noise: float, seed: int, compare: bool = True) -> dict:
    """Encode ``sample`` synthetic texts for real: encoder docs/s and (``compare``) cosine(real, mixed)."""
    docs, mixed = generate_chunk(sources, 0, noise, seed)
    encoder = load_encoder(encoder_name)
    encoder.encode_passages([docs[0].text])  # load the model outside the timing
    started = time.perf_counter()
    real = encoder.encode_passages([d.text for d in docs[:sample]])
    seconds = time.perf_counter() - started
    found = {"encoder": encoder_name, "sample": sample, "docs_per_s": round(sample / seconds, 1)}
    if compare:  # mixed vectors live in this encoder's space only
        cosine = np.sum(real * mixed[:sample], axis=1)
        other = np.sum(real * np.roll(mixed[:sample], 1, axis=0), axis=1)
        found["cosine_mean"] = round(float(cosine.mean()), 3)
        found["cosine_p10"] = round(float(np.percentile(cosine, 10)), 3)
        found["cosine_to_other_docs"] = round(float(other.mean()), 3)
    return found


def query_vectors(encoder_name: str, queries: list[str], cache_dir: Path | None = None) -> tuple[np.ndarray, float]:
    """Encode the benchmark queries (cached); return (vectors, median ms per single query)."""
    encoder = load_encoder(encoder_name)
    encoder.encode_queries(queries[:1])
    timings = []
    for query in queries[:20]:
        started = time.perf_counter()
        encoder.encode_queries([query])
        timings.append(time.perf_counter() - started)
    vectors = embed_passages(encoder, queries, cache_dir=cache_dir, progress=True, queries=True)
    return vectors.astype(np.float32), round(1000 * float(np.median(timings)), 1)
