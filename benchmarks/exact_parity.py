"""`flask evaluate` of the candidate-bounded search against the exact path it replaced, in one run.

The exact path is the code of ``--baseline-ref``, the candidate-bounded path that of ``--candidates-ref``
(each extracted with `git archive` into a temporary directory and put first on PYTHONPATH). Both run
benchmarks/backend_parity.py (setup of the bundled directory, then `evaluate` on the dev sets, on SQLite
and on PostgreSQL + pgvector) with the same encoder and embedding cache, and the table says how far apart
they are (tolerance 0.005).

    python benchmarks/exact_parity.py --baseline-ref 8acb85b --out benchmarks/results/exact_parity.md
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EVAL_DIR = ROOT.parent / "shared" / "data" / "eval"
SETS = ("fr_needs_dev.jsonl", "ilab_lab_link_dev.jsonl")
METRICS = ("recall_at_10", "mrr", "ndcg_at_10", "recall_at_50")
BACKENDS = ("SQLite + numpy", "PostgreSQL + pgvector")


def run_parity(label: str, pythonpath: str | None, eval_dir: Path, encoder: str, cache: Path, out: Path) -> dict:
    """Run backend_parity.py with ``pythonpath`` first; return its per-backend, per-set results."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, str(HERE / "backend_parity.py"), "--encoders", encoder, "--eval-dir", str(eval_dir),
               "--cache", str(cache), "--out", str(out)]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    print(f"[{label}] {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    results: dict = {}
    for line in done.stderr.splitlines():
        found = re.match(r"^(sqlite|postgres) (\S+\.jsonl) (\{.*\})$", line)
        if found:
            backend = BACKENDS[0] if found.group(1) == "sqlite" else BACKENDS[1]
            results.setdefault(backend, {})[found.group(2)] = ast.literal_eval(found.group(3))
    print(f"[{label}] {json.dumps(results)}", file=sys.stderr, flush=True)  # kept even if the other run fails
    complete = all(name in results.get(backend, {}) for backend in BACKENDS for name in SETS)
    if done.returncode and not complete:  # backends that disagree still give their figures
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{label}: backend_parity failed")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-ref", default="main", help="git ref of the exact path")
    parser.add_argument("--candidates-ref", default="HEAD", help="git ref of the candidate-bounded path")
    parser.add_argument("--encoder", default="e5")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/matchmaker-bench/embeddings"))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "exact_parity.md")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", args.baseline_ref], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", args.candidates_ref], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    args.cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="matchmaker-exact-") as tmp:
        tmp_path = Path(tmp)
        eval_dir = tmp_path / "eval"
        eval_dir.mkdir()
        for name in SETS:
            (eval_dir / name).symlink_to(EVAL_DIR / name)
        trees = {}
        for label, ref in (("exact", commit), ("candidates", head)):
            tree = trees[label] = tmp_path / label
            tree.mkdir()
            archive = subprocess.run(["git", "archive", ref, "matchmaker", "migrations", "alembic.ini"], cwd=ROOT,
                                     capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
            (tree / "data").symlink_to(ROOT / "data")  # PROJECT_ROOT of the extracted package
        exact = run_parity(f"exact {commit}", str(trees["exact"]), eval_dir, args.encoder, args.cache,
                           tmp_path / "exact.md")
        bounded = run_parity(f"candidates {head}", str(trees["candidates"]), eval_dir, args.encoder, args.cache,
                             tmp_path / "candidates.md")
    lines = [
        "# `flask evaluate`: candidate-bounded search against the exact path, both databases",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        "",
        f"Exact path: the code of `{commit}` (every organisation scored); candidate-bounded path: `{head}`. Both ran",
        f"`benchmarks/backend_parity.py --encoders {args.encoder}` in this run (setup of the bundled directory, then",
        "`evaluate` with the leave-one-out rule on the full pool of RNSR structures).",
        "",
        "| dev set | backend | metric | exact | candidates | difference |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    worst = 0.0
    for name in SETS:
        for backend in BACKENDS:
            for metric in METRICS:
                before, after = exact[backend][name][metric], bounded[backend][name][metric]
                worst = max(worst, abs(after - before))
                lines.append(f"| {name} | {backend} | {metric} | {before:.4f} | {after:.4f} | {after - before:+.4f} |")
    lines += ["", f"Largest difference: {worst:.4f} (tolerance 0.005).", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    (args.out.with_suffix(".json")).write_text(json.dumps({"exact": exact, "candidates": bounded,
                                                          "baseline": commit, "head": head}, indent=1))
    print("\n".join(lines))
    if worst > 0.005:
        raise SystemExit("the candidate-bounded search moved the figures by more than 0.005")


if __name__ == "__main__":
    main()
