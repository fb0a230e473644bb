"""Write the scale benchmark's Markdown table (benchmarks/results/scale.md) and its JSON twin."""

from __future__ import annotations

import json
import os
import shlex
from datetime import datetime

LABELS = {
    "numpy": "exact numpy (in process)",
    "hnsw": "faiss HNSW (in process)",
    "pgvector": "PostgreSQL + pgvector HNSW",
}


def _mib(value: float | int | None) -> str:
    return "–" if not value else f"{value / 2**20:,.0f}"


def _lat(stats: dict | None) -> str:
    if not isinstance(stats, dict):
        return "–"
    return f"{stats['p50']:.1f} / {stats['p95']:.1f} / {stats['p99']:.1f}"


def _rate(row: dict) -> str:
    return f"{row['docs_per_s']:,}" if row["build_s"] >= 0.1 else "– (load)"


def _ratio(value: float | None, base: float | None) -> str:
    return "–" if not value or not base else f"{value / base:.2g}×"


def targets(results: dict) -> list[str]:
    """Return the issue's targets checked against the largest size measured."""
    size = max(results)
    found = results[size]
    lines = ["", f"## Targets at {size:,} documents (2 cores)", "", "| target | measured | met |"]
    lines.append("| --- | --- | :---: |")

    def row(label: str, value: float | None, limit: float, unit: str, below: bool = True) -> None:
        if value is None:
            return
        ok = value <= limit if below else value >= limit
        sign = "≤" if below else "≥"
        shown = f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
        lines.append(f"| {label} {sign} {limit:g}{unit} | {shown}{unit} | {'yes' if ok else 'no'} |")

    for name in ("hnsw", "pgvector"):
        item = found.get(name)
        if item:
            row(f"{LABELS[name]}: dense search p95 in process", item["latency_ms"]["p95"], 50, " ms")
            row(f"{LABELS[name]}: dense search p95 over HTTP, 8 clients", item.get("http", {}).get("p95"), 150, " ms")
            row(f"{LABELS[name]}: Recall@10 vs exact", item["recall_at_10"], 0.95, "", below=False)
            row(f"{LABELS[name]}: peak RSS while ingesting (client)", item["peak_rss_build_mib"] / 1024, 8, " GiB")
    hybrid = found.get("hybrid")
    if hybrid:
        row("whole hybrid search (HNSW dense) p95 in process", hybrid["ann_latency_ms"]["p95"], 50, " ms")
        row("whole hybrid search p95 over HTTP, 8 clients", hybrid.get("http", {}).get("p95"), 150, " ms")
        row("hybrid index build (streamed term counts) peak RSS", hybrid["peak_rss_build_mib"] / 1024, 8, " GiB")
        row("new profile searchable (apply_changes) p95", hybrid["incremental_add_ms"]["p95"] / 1000, 1, " s")
    return lines


def write_report(args, argv, results: dict, encoders: list[dict], meta: dict, seconds: float, machine: str) -> None:
    """Write the Markdown report and results JSON beside it."""
    results = {int(size): found for size, found in results.items()}
    command = "python " + " ".join(shlex.quote(a) for a in argv)
    lines = [
        "# Scale benchmark: dense retrieval backends and hybrid search, 10k → 1M evidence documents",
        "",
        f"Command (from the repository root): `{command}`",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, {machine}; whole run {seconds / 60:.0f} min."
        " Other processes shared the 2 cores during the run, so absolute times are pessimistic.",
        "",
        "**The corpus is synthetic.** Each document recombines 1–2 sentences of one real bundled evidence text with"
        f" one sentence of another ({meta['sources']:,} real source texts). Its vector is *not* an encoding of its"
        " text: it is the length-weighted mix of the two source texts' real "
        f"`{args.encoder}` embeddings plus Gaussian noise (norm {meta['noise']}), renormalised — encoding 1M texts on"
        " 2 cores would take days. Queries are the real dev-set needs, really encoded. Recall@10 is measured against"
        " exact brute force on the same vectors; latencies are for the top-10 dense neighbours of one query vector"
        " (query encoding excluded: see the encoder table), HTTP latencies with "
        f"{args.http_clients} concurrent clients on 127.0.0.1 (at most {args.http_requests} requests or"
        f" {args.http_seconds:.0f} s per backend).",
        "",
        "## Dense retrieval backends",
        "",
        "| docs | backend | build s | docs/s | peak RSS MiB | PG server MiB | disk MiB | Recall@10 (ef) "
        "| p50 / p95 / p99 ms | HTTP ×8 p50 / p95 / p99 ms | HTTP req/s | p95 vs numpy | RSS vs numpy |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, by_backend in results.items():
        base = by_backend.get("numpy", {})
        for name in ("numpy", "hnsw", "pgvector"):
            row = by_backend.get(name)
            if not row:
                continue
            recall = f"{row['recall_at_10']:.3f}" + (f" ({row['ef_search']})" if "ef_search" in row else "")
            http = row.get("http", {})
            lines.append(
                f"| {int(size):,} | {LABELS[name]} | {row['build_s']:.1f} | {_rate(row)} "
                f"| {row['peak_rss_mib']:,.0f} | {row.get('server_pss_mib', 0) or '–'} | {_mib(row['disk_bytes'])} "
                f"| {recall} | {_lat(row['latency_ms'])} | {_lat(http) if http else '–'} | {http.get('per_s', '–')} "
                f"| {_ratio(row['latency_ms']['p95'], base.get('latency_ms', {}).get('p95'))} "
                f"| {_ratio(row['peak_rss_mib'], base.get('peak_rss_mib'))} |"
            )
    lines += [
        "",
        "PostgreSQL: build = streamed COPY of organisations, evidence (with text) and vectors in 10k-row"
        " transactions + `CREATE INDEX … USING hnsw (embedding vector_cosine_ops)` (m 16, ef_construction 64);"
        " its disk column is `evidence_embeddings` with its HNSW index (the evidence texts are reported below);"
        " peak RSS is the loading client's, the server's memory (PSS, shared buffers included) is apart.",
        "",
        "### Recall / latency trade-off (ef_search)",
        "",
        "| docs | backend | ef_search | Recall@10 | p50 ms | p95 ms |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for size, by_backend in results.items():
        for name in ("hnsw", "pgvector"):
            for ef, point in (by_backend.get(name) or {}).get("ef_sweep", {}).items():
                lines.append(
                    f"| {int(size):,} | {LABELS[name]} | {ef} | {point['recall_at_10']:.3f} "
                    f"| {point['p50']:.1f} | {point['p95']:.1f} |"
                )
    pg_rows = [(s, b["pgvector"]) for s, b in results.items() if "pgvector" in b]
    if pg_rows:
        lines += [
            "",
            "### PostgreSQL details",
            "",
            "| docs | COPY s | HNSW build s | vectors + HNSW MiB | of which HNSW MiB | evidence table MiB "
            "| database MiB | insert 1 evidence + vector p50 / p95 / p99 ms "
            "| catalogue fingerprint p50 / p95 / p99 ms |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for size, row in pg_rows:
            lines.append(
                f"| {int(size):,} | {row['copy_s']} | {row['index_s']} | {_mib(row['disk_bytes'])} "
                f"| {_mib(row['hnsw_bytes'])} | {_mib(row['evidence_bytes'])} | {_mib(row['database_bytes'])} "
                f"| {_lat(row.get('insert_ms'))} | {_lat(row.get('fingerprint_ms'))} |"
            )
    hybrid_rows = [(s, b["hybrid"]) for s, b in results.items() if "hybrid" in b]
    if hybrid_rows:
        lines += [
            "",
            "## Whole hybrid search (HybridMatcher.search: BM25 + dense + aggregation + fusion, k = 10)",
            "",
            "`exact`: dense scores for every row (numpy, the default). `ANN`: the same core with"
            f" `use_dense_backend(HNSW)` and `dense_top_n` {args.dense_top_n} (the other rows count as average);"
            " overlap = share of the exact top-10 organisations the ANN variant also returns. Build = streamed"
            " term counting (`fit_streaming`) on known vectors. Incremental = `apply_changes` making one new"
            " profile of 3 evidence documents searchable (no encoding in this timing).",
            "",
            "| docs | build s | peak RSS MiB | exact p50 / p95 / p99 ms | ANN p50 / p95 / p99 ms | ANN overlap "
            "| HTTP ×8 p50 / p95 / p99 ms | incremental add p50 / p95 ms |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for size, row in hybrid_rows:
            http = row.get("http", {})
            lines.append(
                f"| {int(size):,} | {row['build_s']} | {row['peak_rss_mib']:,.0f} | {_lat(row['exact_latency_ms'])} "
                f"| {_lat(row.get('ann_latency_ms'))} | {row.get('ann_vs_exact_top10_overlap', '–')} "
                f"| {_lat(http) if http else '–'} "
                f"| {row['incremental_add_ms']['p50']:.0f} / {row['incremental_add_ms']['p95']:.0f} |"
            )
    lines += [
        "",
        "## Encoders (real encoding of synthetic texts)",
        "",
        "| encoder | texts | documents/s | query ms (p50, one query) | cosine(real, mixed vector) mean / p10 "
        "| cosine to other documents |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for item in encoders:
        lines.append(
            f"| {item['encoder']} | {item['sample']} | {item['docs_per_s']} | {item.get('query_ms', '–')} "
            f"| {item.get('cosine_mean', '–')} / {item.get('cosine_p10', '–')} "
            f"| {item.get('cosine_to_other_docs', '–')} |"
        )
    sizes = sorted(results)
    if len(sizes) > 1:
        span = " → ".join(f"{n:,}" for n in sizes)
        lines += [
            "",
            f"## Cost curve ({span} documents)",
            "",
            "| backend | p50 ms | p95 ms | HTTP ×8 p95 ms | peak RSS MiB | disk MiB |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]

        def curve(values) -> str:
            return " → ".join("–" if v is None else f"{v:,.1f}" if v < 100 else f"{v:,.0f}" for v in values)

        for name in ("numpy", "hnsw", "pgvector"):
            rows = [results[n].get(name) for n in sizes]
            if all(rows):
                lines.append(
                    f"| {LABELS[name]} | {curve([r['latency_ms']['p50'] for r in rows])} "
                    f"| {curve([r['latency_ms']['p95'] for r in rows])} "
                    f"| {curve([r.get('http', {}).get('p95') for r in rows])} "
                    f"| {curve([r['peak_rss_mib'] for r in rows])} | {curve([r['disk_bytes'] / 2**20 for r in rows])} |"
                )
        rows = [results[n].get("hybrid") for n in sizes]
        if all(rows):
            lines.append(
                f"| hybrid search, exact dense | {curve([r['exact_latency_ms']['p50'] for r in rows])} "
                f"| {curve([r['exact_latency_ms']['p95'] for r in rows])} | – "
                f"| {curve([r['peak_rss_build_mib'] for r in rows])} (build) | – |"
            )
            lines.append(
                f"| hybrid search, HNSW dense | {curve([r['ann_latency_ms']['p50'] for r in rows])} "
                f"| {curve([r['ann_latency_ms']['p95'] for r in rows])} "
                f"| {curve([r.get('http', {}).get('p95') for r in rows])} | – | – |"
            )
    lines += targets(results)
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(
        json.dumps({"command": command, "results": results, "encoders": encoders, "corpus": meta}, indent=1)
    )
    print(text)
