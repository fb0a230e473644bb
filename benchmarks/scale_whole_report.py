"""Report the whole-search rows of the scale benchmark: the table, the targets, and ``whole_search`` in scale.json."""

from __future__ import annotations

import json
import os
import shlex
from datetime import datetime
from pathlib import Path

MARKER = "<!-- whole search -->"
TARGETS = (  # (field, label, limit, unit, below)
    ("whole_ann_p95_ms", "whole search p95 in process (ANN candidates)", 100, " ms", True),
    ("http8_p95_ms", "whole search p95 over HTTP, 8 concurrent clients", 300, " ms", True),
    ("peak_rss_mib", "peak RSS while building the index (model excluded)", 4096, " MiB", True),
    ("add_profile_p95_ms", "one new profile searchable, p95", 1000, " ms", True),
    ("ann_org_overlap", "ANN top-10 organisations vs exact", 0.95, "", False),
)
DATABASES = {"whole-sqlite": "sqlite", "whole-postgres": "postgresql"}


def whole_rows(results: dict) -> list[dict]:
    """Return one object per (size, database) with the issue's fields and the ratios to the exact path."""
    rows = []
    for size in sorted(results, key=int):
        found = results[size]
        index = found.get("index", {})
        baseline = found.get("baseline", {})
        base_p95 = baseline.get("exact_latency_ms", {}).get("p95")
        for job, backend in DATABASES.items():
            item = found.get(job)
            if not item:
                continue
            row = {
                "docs": int(size),
                "backend": backend,
                "whole_p95_ms": item["exact_latency_ms"]["p95"],
                "whole_ann_p95_ms": item["ann_latency_ms"]["p95"],
                "http8_p95_ms": item.get("http", {}).get("p95"),
                "peak_rss_mib": index.get("peak_rss_mib"),
                "add_profile_p95_ms": item["add_profile_ms"]["p95"],
                "ann_org_overlap": item["ann_vs_exact_top10_overlap"],
                "whole_p50_ms": item["exact_latency_ms"]["p50"],
                "whole_ann_p50_ms": item["ann_latency_ms"]["p50"],
                "http8_p50_ms": item.get("http", {}).get("p50"),
                "http8_requests_per_s": item.get("http", {}).get("per_s"),
                "http8_errors": item.get("http", {}).get("errors"),
                "ann_backend": item.get("ann_backend"),
                "index_build_s": index.get("build_s"),
                "index_disk_mib": round(index.get("disk_bytes", 0) / 2**20),
                "serving_rss_mib": item.get("peak_rss_mib"),
                "exact_path_p95_ms": base_p95,
                "exact_path_build_rss_mib": baseline.get("peak_rss_build_mib"),
            }
            if base_p95:
                row["whole_p95_vs_exact_path"] = round(row["whole_p95_ms"] / base_p95, 4)
                row["whole_ann_p95_vs_exact_path"] = round(row["whole_ann_p95_ms"] / base_p95, 4)
            rows.append(row)
    return rows


def _num(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.{digits}f}"


def whole_section(rows: list[dict], command: str, meta: dict, seconds: float, baseline_ref: str) -> list[str]:
    """Return the Markdown section of the whole search."""
    lines = [
        MARKER,
        "## Whole search through the application (issue 15)",
        "",
        f"Command (from the repository root): `{command}`",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores shared with other jobs; {seconds / 60:.0f} min. "
        f"Corpus: {meta.get('sources', '?'):,} real bundled evidence texts recombined (see below), vectors mixed "
        f"from their real `{meta.get('encoder', 'e5')}` embeddings plus noise; queries: the real dev-set needs "
        "(their vectors precomputed, so the encoder is not in the timings).",
        "",
        "The search is the application's own: `SearchEngine` serving an `EvidenceIndex` built by streaming "
        "(tantivy lexical top-n rows and profiles, then features, aggregation and fusion on the candidate "
        "organisations only, passages included, k = 10). *exact* = dense candidates by numpy over the memory-mapped "
        "embeddings; *ANN* = faiss HNSW (SQLite, the embedded default) or pgvector HNSW (PostgreSQL); overlap = share "
        "of the exact top-10 organisations the ANN search returns. HTTP = `GET /api/search` (JSON with quoted "
        "evidence) served as `flask serve --workers 2 --threads 4` serves it (waitress, two processes sharing the "
        "port), 8 concurrent clients. Peak RSS = the process building the index "
        "(columns, tantivy indexes, HNSW graph; no model). New profile = a writer's `SearchEngine.refresh` after "
        "committing an organisation with 3 evidence documents (read from the database, indexed, vectors synced to "
        "pgvector). Today's exact path = the whole `HybridMatcher.search` of "
        f"`{baseline_ref}` (every organisation scored, dense exact) on the same corpus, in the same run.",
        "",
        "| docs | database | whole p50 / p95 ms (exact) | whole p50 / p95 ms (ANN) | today's exact path p95 ms "
        "| p95 vs today (exact / ANN) | ANN overlap | HTTP ×8 p50 / p95 ms | HTTP req/s | peak RSS build MiB "
        "| new profile p95 ms | index build s |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        ratio = "–"
        if row.get("whole_p95_vs_exact_path"):
            ratio = f"{row['whole_p95_vs_exact_path']:.2g}× / {row['whole_ann_p95_vs_exact_path']:.2g}×"
        lines.append(
            f"| {row['docs']:,} | {row['backend']} | {_num(row['whole_p50_ms'])} / {_num(row['whole_p95_ms'])} "
            f"| {_num(row['whole_ann_p50_ms'])} / {_num(row['whole_ann_p95_ms'])} | {_num(row['exact_path_p95_ms'])} "
            f"| {ratio} | {row['ann_org_overlap']:.3f} | {_num(row['http8_p50_ms'])} / {_num(row['http8_p95_ms'])} "
            f"| {_num(row['http8_requests_per_s'])} | {_num(row['peak_rss_mib'])} | {_num(row['add_profile_p95_ms'])} "
            f"| {_num(row['index_build_s'])} |"
        )
    largest = max((r["docs"] for r in rows), default=0)
    lines += ["", f"### Targets at {largest:,} documents", "", "| target | database | measured | met |",
              "| --- | --- | ---: | :---: |"]
    for row in (r for r in rows if r["docs"] == largest):
        for field, label, limit, unit, below in TARGETS:
            value = row.get(field)
            if value is None:
                continue
            met = value <= limit if below else value >= limit
            sign = "≤" if below else "≥"
            lines.append(f"| {label} {sign} {limit:g}{unit} | {row['backend']} | {_num(value, 3)}{unit} "
                         f"| {'yes' if met else 'no'} |")
    return lines + [MARKER, ""]


def write_whole(out: Path, results: dict, argv: list[str], meta: dict, seconds: float, baseline_ref: str) -> list[dict]:
    """Put the whole-search section at the top of ``out`` (kept apart from the dense-backend report) and
    ``whole_search`` in its JSON twin; other content of both files is kept."""
    command = "python " + " ".join(shlex.quote(a) for a in argv)
    rows = whole_rows(results)
    section = "\n".join(whole_section(rows, command, meta, seconds, baseline_ref))
    text = out.read_text() if out.exists() else "# Scale benchmark\n"
    if MARKER in text:
        before, _, rest = text.partition(MARKER)
        _, _, after = rest.partition(MARKER)
        text = before + section + after.lstrip("\n")
    else:
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{section}\n{body.lstrip()}"
    out.write_text(text)
    twin = out.with_suffix(".json")
    payload = json.loads(twin.read_text()) if twin.exists() else {}
    payload["whole_search"] = rows
    payload["whole_search_run"] = {"command": command, "date": f"{datetime.now():%Y-%m-%d %H:%M}",
                                   "baseline_ref": baseline_ref, "seconds": round(seconds), "corpus": meta}
    twin.write_text(json.dumps(payload, indent=1))
    return rows
