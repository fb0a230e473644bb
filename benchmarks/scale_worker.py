"""One measured backend of the scale benchmark, in its own process (so its peak RSS is its own).

``python benchmarks/scale_worker.py '<json job>'`` builds the backend named in the job on the first
``size`` vectors of the corpus, measures it, prints one JSON line, then (with a port) serves
``GET /search?qi=N`` on 127.0.0.1 for the parent's concurrent HTTP clients until it is terminated.
Backends: ``numpy`` (exact), ``hnsw`` (faiss, in process), ``pgvector`` (PostgreSQL HNSW, streamed
COPY into the application's schema), ``hybrid`` (the whole HybridMatcher.search, BM25 + dense).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np

from matchmaker.ranking.backends import HnswDenseBackend, NumpyDenseBackend


def peak_rss_mib() -> float:
    """Return this process's peak resident memory (VmHWM) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentiles(samples_ms: list[float]) -> dict:
    """Return p50/p95/p99 and the sample count of latencies in ms."""
    values = np.asarray(samples_ms)
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
        "n": int(values.size),
    }


def time_queries(search, count: int, passes: int = 2) -> dict:
    """Run ``search(i)`` for every query ``passes`` times after one warm-up pass; return percentiles."""
    for i in range(min(count, 20)):
        search(i)
    samples = []
    for _ in range(passes):
        for i in range(count):
            started = time.perf_counter()
            search(i)
            samples.append(1000 * (time.perf_counter() - started))
    return percentiles(samples)


def recall_at_10(search, truth: np.ndarray) -> float:
    """Return mean |found ∩ exact top-10| / 10 over the queries."""
    found = 0
    for i, expected in enumerate(truth):
        found += len(set(search(i).tolist()) & set(expected.tolist()))
    return round(found / (10 * len(truth)), 4)


def directory_bytes(path: Path) -> int:
    """Return the size of the files under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --------------------------------------------------------------------------- PostgreSQL bulk load


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _filler(column) -> str | None:
    """Return a COPY value for a NOT NULL column the benchmark has no data for."""
    kind = str(column.type).upper()
    if "JSON" in kind:
        return "{}" if column.name == "attributes" else "[]"
    if "BOOL" in kind:
        return "f"
    if "INT" in kind or "FLOAT" in kind or "NUMERIC" in kind:
        return "0"
    if "DATE" in kind or "TIME" in kind:
        return datetime(2026, 1, 1).isoformat(sep=" ")
    return ""


def _copy(cursor, table, values: dict[str, str], rows: list[dict]) -> None:
    """COPY rows into ``table``, filling NOT NULL columns without a value."""
    columns = [c for c in table.columns if c.name in values or (not c.nullable and not c.primary_key)]
    names = [c.name for c in columns]
    lines = []
    for row in rows:
        lines.append("\t".join(row[n] if n in row else _filler(c) for n, c in zip(names, columns, strict=True)))
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        copy.write("\n".join(lines) + "\n")


def load_postgres(uri: str, corpus: Path, size: int, encoder: str, workers: int, memory: str) -> dict:
    """Stream the corpus into organisations, evidence and evidence_embeddings, then build HNSW."""
    import psycopg
    from scale_corpus import read_docs
    from sqlalchemy import create_engine

    import matchmaker.models  # noqa: F401
    from matchmaker.extensions import db
    from matchmaker.schema import upgrade
    from matchmaker.services.search.vectors import copy_embeddings, create_hnsw_index

    engine = create_engine(uri)
    with engine.connect() as connection:  # the schema of the migrations, HNSW index included
        upgrade(connection)
    with engine.begin() as connection:  # bulk load first, build the graph once afterwards
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_evidence_embeddings_hnsw")
    tables = db.metadata.tables
    vectors = np.load(corpus / "vectors.npy", mmap_mode="r")
    started = time.perf_counter()
    raw = uri.replace("postgresql+psycopg://", "postgresql://", 1)
    org_ids: dict[str, int] = {}
    with psycopg.connect(raw) as connection, connection.cursor() as cursor:
        batch: list = []

        def flush(batch, first_row):
            orgs, evidence = [], []
            for offset, doc in enumerate(batch):
                if doc.org_id not in org_ids:
                    org_ids[doc.org_id] = len(org_ids) + 1
                    orgs.append({"id": str(org_ids[doc.org_id]), "key": doc.org_id, "kind": "lab", "name": doc.org_id})
                number = first_row + offset + 1
                evidence.append(
                    {"id": str(number), "key": doc.id, "organisation_id": str(org_ids[doc.org_id]),
                     "kind": doc.kind, "text": _copy_text(doc.text)}
                )
            if orgs:
                _copy(cursor, tables["organisations"], orgs[0], orgs)
            _copy(cursor, tables["evidence"], evidence[0], evidence)
            ids = np.arange(first_row + 1, first_row + len(batch) + 1)
            copy_embeddings(cursor, "evidence_embeddings", ids, encoder, ["-"] * len(batch),
                            vectors[first_row : first_row + len(batch)])
            connection.commit()

        done = 0
        for doc in read_docs(corpus, size):
            batch.append(doc)
            if len(batch) == 10_000:
                flush(batch, done)
                done += len(batch)
                batch = []
        if batch:
            flush(batch, done)
        cursor.execute("SELECT setval('organisations_id_seq', %s)", (len(org_ids),))
        cursor.execute("SELECT setval('evidence_id_seq', %s)", (size,))
        connection.commit()
    copied = time.perf_counter() - started
    indexed = time.perf_counter()
    create_hnsw_index(engine, maintenance_work_mem=memory, workers=workers)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE evidence_embeddings")
    index_s = time.perf_counter() - indexed
    with engine.connect() as connection:
        sizes = connection.exec_driver_sql(
            "SELECT pg_total_relation_size('evidence_embeddings'), pg_relation_size('ix_evidence_embeddings_hnsw'), "
            "pg_total_relation_size('evidence'), pg_database_size(current_database())"
        ).one()
    engine.dispose()
    return {
        "copy_s": round(copied, 1),
        "index_s": round(index_s, 1),
        "build_s": round(copied + index_s, 1),
        "disk_bytes": int(sizes[0]),
        "hnsw_bytes": int(sizes[1]),
        "evidence_bytes": int(sizes[2]),
        "database_bytes": int(sizes[3]),
        "organisations": len(org_ids),
    }


def postgres_insert_latency(engine, dim: int, count: int = 20) -> dict:
    """Insert ``count`` new evidence rows with their vectors one by one (HNSW updated in place)."""
    from matchmaker.services.search.vectors import vector_literal

    rng = np.random.default_rng(7)
    samples = []
    with engine.connect() as connection:
        org = connection.exec_driver_sql("SELECT min(id) FROM organisations").scalar()
        for i in range(count):
            vector = rng.normal(size=dim).astype(np.float32)
            vector /= np.linalg.norm(vector)
            started = time.perf_counter()
            evidence_id = connection.exec_driver_sql(
                "INSERT INTO evidence (key, organisation_id, kind, title, text, created_at, updated_at) "
                "VALUES (%(key)s, %(org)s, 'note', '', 'nouvelle preuve', now(), now()) RETURNING id",
                {"key": f"bench:insert:{time.time_ns()}:{i}", "org": org},
            ).scalar()
            connection.exec_driver_sql(
                "INSERT INTO evidence_embeddings (evidence_id, encoder, text_hash, embedding) "
                "VALUES (%(id)s, 'bench', '-', %(v)s::vector)",
                {"id": evidence_id, "v": vector_literal(vector)},
            )
            connection.commit()
            samples.append(1000 * (time.perf_counter() - started))
    return percentiles(samples)


def fingerprint_latency(engine, count: int = 20) -> dict:
    """Time the application's catalogue fingerprint (read by every search to notice changes)."""
    from sqlalchemy.orm import Session

    from matchmaker.services.catalogue import catalogue_fingerprint

    samples = []
    with Session(engine) as session:
        for _ in range(count):
            started = time.perf_counter()
            catalogue_fingerprint(session)
            samples.append(1000 * (time.perf_counter() - started))
    return percentiles(samples)


# --------------------------------------------------------------------------------------- backends


def build(job: dict) -> tuple[dict, object]:
    """Build the job's backend; return (measurements, search function of a query index)."""
    corpus, size = Path(job["corpus"]), job["size"]
    queries = np.load(job["queries"])
    truth = np.load(job["truth"])
    backend_name = job["backend"]
    result: dict = {"backend": backend_name, "size": size}
    started = time.perf_counter()
    if backend_name == "numpy":
        embeddings = np.ascontiguousarray(np.load(corpus / "vectors.npy", mmap_mode="r")[:size])
        backend = NumpyDenseBackend(embeddings)
        result["build_s"] = round(time.perf_counter() - started, 2)
        result["disk_bytes"] = int(embeddings.nbytes + 128)

        def search(i, k=10):
            return backend.scores(queries[i], top_n=k).rows

    elif backend_name == "hnsw":
        vectors = np.load(corpus / "vectors.npy", mmap_mode="r")[:size]
        backend = HnswDenseBackend.build(vectors, m=job["hnsw_m"], ef_construction=job["hnsw_ef_construction"])
        result["build_s"] = round(time.perf_counter() - started, 2)
        path = Path(job["workdir"]) / f"hnsw-{size}"
        backend.save(path)
        result["disk_bytes"] = directory_bytes(path)

        def search(i, k=10):
            return backend.scores(queries[i], top_n=k).rows

    elif backend_name == "pgvector":
        from sqlalchemy import create_engine

        from matchmaker.services.search.vectors import PgvectorDenseBackend

        result.update(load_postgres(job["uri"], corpus, size, "bench", job["pg_workers"], job["pg_memory"]))
        engine = create_engine(job["uri"], pool_size=10, max_overflow=0)
        backend = PgvectorDenseBackend(engine, np.arange(1, size + 1), "bench", ef_search=job["ef_search"])

        def search(i, k=10):
            return backend.scores(queries[i], top_n=k).rows

    else:
        raise SystemExit(f"unknown backend {backend_name}")
    result["docs_per_s"] = round(size / max(result["build_s"], 1e-9))
    result["peak_rss_build_mib"] = peak_rss_mib()

    n = min(job["queries_count"], len(queries))
    if backend_name == "hnsw" or backend_name == "pgvector":
        sweep = {}
        for ef in job["ef_sweep"]:
            backend.ef_search = ef
            sweep[ef] = {"recall_at_10": recall_at_10(search, truth[:n]), **time_queries(search, n, passes=1)}
        result["ef_sweep"] = sweep
        good = [ef for ef in job["ef_sweep"] if sweep[ef]["recall_at_10"] >= job["target_recall"]]
        backend.ef_search = good[0] if good else job["ef_sweep"][-1]
        result["ef_search"] = backend.ef_search
    result["recall_at_10"] = recall_at_10(search, truth[:n]) if backend_name != "numpy" else 1.0
    result["latency_ms"] = time_queries(search, n)
    if backend_name == "pgvector":
        result["insert_ms"] = postgres_insert_latency(engine, queries.shape[1])
        result["fingerprint_ms"] = fingerprint_latency(engine)
    result["peak_rss_mib"] = peak_rss_mib()
    return result, search


def serve(search, port: int) -> None:
    """Serve ``GET /search?qi=N`` on 127.0.0.1 with 8 threads until terminated."""
    import logging

    from waitress import serve as waitress_serve

    logging.getLogger("waitress").setLevel(logging.ERROR)  # "Task queue depth" is expected under load

    def app(environ, start_response):
        params = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            rows = search(int(params["qi"][0]))
            body, status = json.dumps({"rows": [int(r) for r in rows]}).encode(), "200 OK"
        except Exception as error:  # noqa: BLE001 - reported to the client, counted as an error
            body, status = json.dumps({"error": str(error)}).encode(), "500 Internal Server Error"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    threading.Thread(target=lambda: (sys.stdin.read(), _exit()), daemon=True).start()
    waitress_serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)


def _exit() -> None:
    import os

    os._exit(0)  # the parent closed our stdin: stop serving


def serve_app(app, port: int, threads: int = 8) -> None:
    """Serve a WSGI application on 127.0.0.1 as `flask serve` does, port shared (SO_REUSEPORT), until stdin closes."""
    import logging

    from matchmaker.serving import create_server

    logging.getLogger("waitress").setLevel(logging.ERROR)
    threading.Thread(target=lambda: (sys.stdin.read(), _exit()), daemon=True).start()
    create_server(app, host="127.0.0.1", port=port, threads=threads, reuse_port=True).run()


def start_other_servers(job: dict) -> list:
    """Start ``serve_workers - 1`` more processes serving the job's application on its port (`serve --workers`)."""
    import subprocess

    others = []
    for _ in range(job.get("serve_workers", 1) - 1):
        child = subprocess.Popen([sys.executable, __file__, json.dumps({**job, "serve_only": True})],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if not child.stdout.readline().startswith("READY"):
            raise RuntimeError("a second server process did not start")
        others.append(child)
    return others


def main() -> None:
    job = json.loads(sys.argv[1])
    backend = job["backend"]
    if backend == "hybrid":
        from scale_hybrid import build_hybrid

        result, search = build_hybrid(job)
    elif backend in ("index", "baseline", "whole-sqlite", "whole-postgres"):
        import scale_whole

        if job.get("serve_only"):
            app = scale_whole.serving_app(job)
            print("READY", flush=True)
            serve_app(app, job["port"], job.get("serve_threads", 8))
            return
        if backend == "index":
            print(json.dumps(scale_whole.build_index(job)), flush=True)
            return
        if backend == "baseline":
            print(json.dumps(scale_whole.measure_baseline(job)), flush=True)
            return
        result, app = scale_whole.measure_whole(job)
        print(json.dumps(result), flush=True)
        if job.get("port"):
            others = start_other_servers(job)  # they exit when their stdin closes, with ours
            print(f"READY {job['port']}", flush=True)
            serve_app(app, job["port"], job.get("serve_threads", 8))
            del others
        return
    else:
        result, search = build(job)
    print(json.dumps(result), flush=True)
    if job.get("port"):
        print(f"READY {job['port']}", flush=True)
        serve(search, job["port"])


if __name__ == "__main__":
    main()
