"""The whole search at scale (issue 15): the application's own search, in process and over HTTP, both databases.

Jobs, each in its own process (``scale_worker.py``), for one corpus size:

- ``index``: stream the synthetic corpus into an EvidenceIndex directory (``EvidenceIndex.from_batches``:
  analysed in batches, written column by column, memory-mapped) plus its HNSW graph; report build time
  and the peak RSS of the building process (no model is loaded: the vectors are the corpus's).
- ``whole-sqlite`` / ``whole-postgres``: load the corpus into the application's database (organisations,
  evidence; on PostgreSQL the vectors too, COPY + HNSW), serve the index built above through the real
  application (``create_app``, ``SearchEngine``) and measure: the whole search in process (lexical +
  dense candidates, features, aggregation, fusion, passages; ``k`` = 10) with exact dense candidates
  (numpy over the memory-mapped embeddings) and with ANN ones (faiss HNSW on SQLite, pgvector on
  PostgreSQL), the share of the exact top-10 organisations the ANN search returns, the time a writer's
  ``refresh`` takes to make one new profile of 3 evidence documents searchable (read from the database,
  indexed, synced to pgvector), then ``GET /api/search`` over HTTP with 8 concurrent clients.
- ``baseline``: today's exact path (the ranking code of ``--baseline-ref``, on PYTHONPATH), the whole
  ``HybridMatcher.search`` on the same corpus, for the ratios.

Query vectors come from a lookup table of the real dev-set needs encoded beforehand: the timings
exclude the encoder (reported apart by the scale benchmark).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path

import numpy as np
from scale_corpus import read_docs
from scale_worker import peak_rss_mib, percentiles, time_queries

BENCH_ENCODER = "bench"
PROFILE_TEXTS = (
    "Implants zygomatiques en titane usinés et anodisés pour la chirurgie maxillo-faciale",
    "Contrôle qualité et validation des procédés de fabrication additive de dispositifs implantables",
    "Essais de biocompatibilité ISO 10993 et caractérisation de surface des implants",
)


class LookupEncoder:
    """Encoder answering the benchmark queries from precomputed vectors and new passages from corpus vectors."""

    def __init__(self, name: str, queries: dict[str, np.ndarray], passages: np.ndarray) -> None:
        self.name, self.queries, self.passages = name, queries, passages
        self.dim = int(passages.shape[1])

    def encode_queries(self, texts):
        return np.stack([self.queries[t] if t in self.queries else self._passage(t) for t in texts])

    def encode_passages(self, texts):
        # a new profile's passages: real corpus vectors (the timing measures indexing, not encoding)
        return np.stack([self._passage(t) for t in texts])

    def _passage(self, text: str) -> np.ndarray:
        digest = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")
        return np.asarray(self.passages[digest % len(self.passages)], np.float32)


def _encoder(job: dict) -> LookupEncoder:
    texts = json.loads(Path(job["query_texts"]).read_text())
    vectors = np.load(job["queries"])
    passages = np.asarray(np.load(Path(job["corpus"]) / "vectors.npy", mmap_mode="r")[:1000])
    return LookupEncoder(BENCH_ENCODER, dict(zip(texts, vectors, strict=True)), passages)


def index_dir(job: dict) -> Path:
    """Return where the index of the job's size lives."""
    return Path(job["workdir"]) / f"index-{job['size']}"


# ------------------------------------------------------------------------------------------------ index


def build_index(job: dict) -> dict:
    """Stream the corpus into an index directory with its HNSW graph; report time, memory and disk."""
    from matchmaker.ranking.columns import directory_bytes
    from matchmaker.ranking.index import EvidenceIndex
    from matchmaker.ranking.index_build import analyse_batch
    from matchmaker.ranking.settings import merge_settings, resolve_weights

    corpus, size = Path(job["corpus"]), job["size"]
    vectors = np.load(corpus / "vectors.npy", mmap_mode="r")
    path = index_dir(job)

    def batches():
        chunk = []
        for doc in read_docs(corpus, size):
            chunk.append(doc)
            if len(chunk) == 10_000:
                start = int(chunk[0].id.split(":")[1])
                yield analyse_batch(chunk, np.asarray(vectors[start : start + len(chunk)]))
                chunk = []
        if chunk:
            start = int(chunk[0].id.split(":")[1])
            yield analyse_batch(chunk, np.asarray(vectors[start : start + len(chunk)]))

    started = time.perf_counter()
    index = EvidenceIndex.from_batches(batches(), int(vectors.shape[1]), path)
    lexical_s = time.perf_counter() - started
    index.build_ann(m=job["hnsw_m"], ef_construction=job["hnsw_ef_construction"])
    build_s = time.perf_counter() - started
    # ANN candidates at every size measured (faiss graph above; pgvector on PostgreSQL), not only from 200,000
    settings = resolve_weights(merge_settings({"ann_min_docs": 0}), BENCH_ENCODER)
    index.save(path, {"encoder": BENCH_ENCODER, "settings": settings})  # the manifest, with the matcher's part
    return {
        "backend": "index", "size": size, "build_s": round(build_s, 1), "lexical_build_s": round(lexical_s, 1),
        "docs_per_s": round(size / build_s), "peak_rss_mib": peak_rss_mib(), "disk_bytes": directory_bytes(path),
        "organisations": index.n_orgs, "terms": len(index.terms),
    }


# ------------------------------------------------------------------------------------------------ databases


def _sqlite_value(column):
    kind = str(column.type).upper()
    if "JSON" in kind:
        return "{}" if column.name == "attributes" else "[]"
    if "BOOL" in kind or "INT" in kind or "FLOAT" in kind or "NUMERIC" in kind:
        return 0
    if "DATE" in kind or "TIME" in kind:
        return "2026-01-01 00:00:00.000000"
    return ""


def load_sqlite(path: Path, corpus: Path, size: int) -> dict:
    """Stream the corpus into a fresh SQLite database with the application's schema (migrations)."""
    from sqlalchemy import create_engine

    import matchmaker.models  # noqa: F401
    from matchmaker.extensions import db
    from matchmaker.schema import upgrade

    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        upgrade(connection)
    engine.dispose()
    tables = db.metadata.tables
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")

    def statement(table, values: dict):
        columns = [c for c in table.columns if c.name in values or (not c.nullable and not c.primary_key)]
        names = [c.name for c in columns]
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        return sql, names, columns

    org_ids: dict[str, int] = {}
    org_sql = evidence_sql = None
    batch_orgs, batch_evidence = [], []
    for number, doc in enumerate(read_docs(corpus, size), start=1):
        if doc.org_id not in org_ids:
            org_ids[doc.org_id] = len(org_ids) + 1
            values = {"id": org_ids[doc.org_id], "key": doc.org_id, "kind": "lab", "name": doc.org_id}
            if org_sql is None:
                org_sql = statement(tables["organisations"], values)
            batch_orgs.append(tuple(values.get(n, _sqlite_value(c)) for n, c in zip(*org_sql[1:], strict=True)))
        values = {"id": number, "key": doc.id, "organisation_id": org_ids[doc.org_id], "kind": doc.kind,
                  "text": doc.text}
        if evidence_sql is None:
            evidence_sql = statement(tables["evidence"], values)
        batch_evidence.append(tuple(values.get(n, _sqlite_value(c)) for n, c in zip(*evidence_sql[1:], strict=True)))
        if len(batch_evidence) == 20_000:
            connection.executemany(org_sql[0], batch_orgs)
            connection.executemany(evidence_sql[0], batch_evidence)
            connection.commit()
            batch_orgs, batch_evidence = [], []
    if batch_evidence:
        connection.executemany(org_sql[0], batch_orgs)
        connection.executemany(evidence_sql[0], batch_evidence)
    connection.commit()
    connection.close()
    return {"load_s": round(time.perf_counter() - started, 1), "organisations": len(org_ids),
            "database_bytes": path.stat().st_size}


# ------------------------------------------------------------------------------------------------ the app


def _app(job: dict, uri: str, models: Path, write_fingerprint: bool = True):
    """Create the application on ``uri`` serving the prebuilt index (no build, no encoder model)."""
    from matchmaker import create_app
    from matchmaker.config import PROJECT_ROOT
    from matchmaker.extensions import db
    from matchmaker.services.catalogue import catalogue_fingerprint
    from matchmaker.services.search.engine import CATALOGUE_FILE, SearchEngine

    models.mkdir(parents=True, exist_ok=True)
    served = models / "index"
    if write_fingerprint:
        if served.is_symlink() or served.exists():
            served.unlink()
        served.symlink_to(index_dir(job))
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": uri, "MODELS_DIR": models, "INSTANCE_DIR": models.parent / "instance",
        "ENCODER": BENCH_ENCODER, "LOG_REQUESTS": False, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench",
        "BUNDLED_DATA": PROJECT_ROOT / "data" / "competences", "SEARCH_REFRESH_INTERVAL": 0.0,
        "SEARCH_CHECK_INTERVAL": 1.0, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 12, "max_overflow": 4}
        if uri.startswith("postgresql") else {},
    })
    engine = SearchEngine(models_dir=models, encoder_name=BENCH_ENCODER, encoder=_encoder(job),
                          check_interval=1.0)
    app.extensions["matchmaker"] = engine
    if write_fingerprint:
        with app.app_context():
            (index_dir(job) / CATALOGUE_FILE).write_text(
                json.dumps({"catalogue_fingerprint": catalogue_fingerprint(db.session)}))
    return app, engine


def _add_profile(session, number: int) -> None:
    from matchmaker.models import Evidence, Organisation

    org = Organisation(key=f"bench:new-{number}", kind="subcontractor", name=f"Nouvelle société {number}")
    session.add(org)
    for j, text in enumerate(PROFILE_TEXTS):
        org.evidence.append(Evidence(key=f"bench:new-{number}/{j}", kind="text", text=f"{text} (lot {number})"))
    session.commit()


def measure_whole(job: dict) -> tuple[dict, object]:
    """Load the database, serve the index through the application, measure; return (results, app)."""
    from matchmaker.extensions import db
    from matchmaker.ranking.backends import HnswDenseBackend

    backend, size, workdir = job["backend"], job["size"], Path(job["workdir"])
    here = workdir / f"{backend}-{size}"
    result: dict = {"backend": backend, "size": size}
    if backend == "whole-postgres":
        from scale_worker import load_postgres

        uri = job["uri"]
        result.update(load_postgres(uri, Path(job["corpus"]), size, BENCH_ENCODER, job["pg_workers"],
                                    job["pg_memory"]))
    else:
        uri = f"sqlite:///{here / 'app.sqlite3'}"
        here.mkdir(parents=True, exist_ok=True)
        result.update(load_sqlite(here / "app.sqlite3", Path(job["corpus"]), size))
    app, engine = _app(job, uri, here / "models")
    job["app_uri"] = uri
    texts = json.loads(Path(job["query_texts"]).read_text())
    count = min(job["hybrid_queries"], len(texts))
    with app.app_context():
        started = time.perf_counter()
        matcher = engine.matcher(db.session)
        result["load_s"] = round(time.perf_counter() - started, 2)
        ann = matcher.index.dense
        result["ann_backend"] = type(ann).__name__
        if job.get("ef_search") and isinstance(ann, HnswDenseBackend):
            ann.ef_search = job["ef_search"]

        def search(i: int):
            return matcher.search(texts[i % len(texts)], k=10)

        matcher.use_dense_backend(None)  # exact dense candidates: numpy over the memory-mapped embeddings
        exact = {i: [m.org_id for m in search(i)] for i in range(count)}
        result["exact_latency_ms"] = time_queries(search, count, passes=1)
        matcher.use_dense_backend(ann)
        overlap = [len(set(exact[i]) & {m.org_id for m in search(i)}) / max(len(exact[i]), 1) for i in range(count)]
        result["ann_vs_exact_top10_overlap"] = round(float(np.mean(overlap)), 4)
        result["ann_latency_ms"] = time_queries(search, count, passes=1)
        timings = []
        for number in range(job.get("profiles", 10)):
            _add_profile(db.session, number)
            began = time.perf_counter()
            engine.refresh(db.session)
            timings.append(1000 * (time.perf_counter() - began))
            found = engine.matcher(db.session).search(PROFILE_TEXTS[0] + f" (lot {number})", k=3)
            if f"bench:new-{number}" not in {m.org_id for m in found}:
                raise RuntimeError(f"new profile {number} not searchable after refresh: {[m.org_id for m in found]}")
        result["add_profile_ms"] = percentiles(timings)
        db.session.remove()
    result["peak_rss_mib"] = peak_rss_mib()
    return result, app


def serving_app(job: dict):
    """Return the application of a measured job, for another server process sharing its port."""
    backend, size = job["backend"], job["size"]
    here = Path(job["workdir"]) / f"{backend}-{size}"
    app, engine = _app(job, job["app_uri"], here / "models", write_fingerprint=False)
    from matchmaker.extensions import db

    with app.app_context():
        engine.matcher(db.session)  # load before serving, as the measured process did
        db.session.remove()
    return app


# ------------------------------------------------------------------------------------------------ baseline


def measure_baseline(job: dict) -> dict:
    """Today's exact path (the code on PYTHONPATH): streamed fit, then the whole HybridMatcher.search."""
    from matchmaker.ranking import HybridMatcher
    from matchmaker.services.search.indexing import fit_streaming

    corpus, size = Path(job["corpus"]), job["size"]
    texts = json.loads(Path(job["query_texts"]).read_text())
    count = min(job["hybrid_queries"], len(texts))
    started = time.perf_counter()
    docs = list(read_docs(corpus, size))
    embeddings = np.ascontiguousarray(np.load(corpus / "vectors.npy", mmap_mode="r")[:size])
    matcher = fit_streaming(HybridMatcher(encoder=_encoder(job)), docs, embeddings)
    del docs
    result = {"backend": "baseline", "size": size, "build_s": round(time.perf_counter() - started, 1),
              "peak_rss_build_mib": peak_rss_mib()}
    result["exact_latency_ms"] = time_queries(lambda i: matcher.search(texts[i], k=10), count, passes=1)
    result["peak_rss_mib"] = peak_rss_mib()
    return result
