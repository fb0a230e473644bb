"""Choose the lexical candidate generator: bm25s, tantivy and today's scipy postings on the same corpus.

Each engine indexes the same analysed tokens (our accent-folded, double-stemmed French+English analyser:
the engines only see the stems, so every engine ranks the same words) of the synthetic scale corpus
(benchmarks/scale_corpus.py: real sentences of the bundled evidence recombined), and answers the real
dev-set needs with their top-N evidence rows. For each engine, in its own process (its peak RSS is its
own): build seconds, peak RSS, disk, query p50/p95 for the top 1,000 rows (alone, and restricted to a
pool of 40 % of the organisations, as filters and the evaluation pool do), throughput with 4 threads
(does the engine release the GIL?), the cost of making 3 new documents searchable, and how many of the
exact BM25 top-200 organisations (today's first stage) the top-N rows reach.

    python benchmarks/lexical_engines.py --sizes 100000,1000000 --out benchmarks/results/lexical_engines.md
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_corpus import BUNDLE, CHUNK, DOCS_PER_ORG, Sources, generate_chunk  # noqa: E402

from matchmaker.config import PROJECT_ROOT  # noqa: E402
from matchmaker.ranking.lexical import bm25_scores, query_terms  # noqa: E402
from matchmaker.ranking.text import analyse, sentences  # noqa: E402

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "data" / "eval"
ENGINES = ("scipy", "bm25s", "tantivy")


def text_sources() -> Sources:
    """Return the real evidence texts and their sentences (no vectors: the engines only read words)."""
    texts, kinds = [], []
    with gzip.open(BUNDLE, "rt", encoding="utf-8") as handle:
        for line in handle:
            for item in json.loads(line).get("evidence", []):
                if len(item["text"]) >= 40:
                    texts.append(item["text"])
                    kinds.append(item.get("kind") or "description")
    spans = [sentences(text) or [(0, len(text))] for text in texts]
    return Sources(texts=texts, kinds=kinds, spans=spans, vectors=np.zeros((len(texts), 1), np.float32))


def write_tokens(size: int, directory: Path, seed: int) -> dict:
    """Analyse ``size`` synthetic documents once; store them as CSR term counts + vocabulary."""
    directory.mkdir(parents=True, exist_ok=True)
    sources = text_sources()
    vocabulary: dict[str, int] = {}
    indptr, indices, data = [0], [], []
    started = time.perf_counter()
    for chunk in range(size // CHUNK):
        docs, _ = generate_chunk(sources, chunk, 0.0, seed)
        for doc in docs:
            counts = Counter(analyse(doc.text))
            for term, count in counts.items():
                indices.append(vocabulary.setdefault(term, len(vocabulary)))
                data.append(count)
            indptr.append(len(indices))
    seconds = time.perf_counter() - started
    np.save(directory / "indptr.npy", np.asarray(indptr, np.int64))
    np.save(directory / "indices.npy", np.asarray(indices, np.int32))
    np.save(directory / "data.npy", np.asarray(data, np.float32))
    (directory / "vocabulary.json").write_text(json.dumps(list(vocabulary), ensure_ascii=False))
    return {"size": size, "analyse_s": round(seconds, 1), "docs_per_s": round(size / seconds)}


def read_counts(directory: Path, size: int) -> tuple[sp.csr_matrix, list[str]]:
    """Return the (size, n_terms) term counts of the first ``size`` documents and the terms."""
    terms = json.loads((directory / "vocabulary.json").read_text())
    indptr = np.load(directory / "indptr.npy")[: size + 1]
    indices = np.load(directory / "indices.npy", mmap_mode="r")[: indptr[-1]]
    data = np.load(directory / "data.npy", mmap_mode="r")[: indptr[-1]]
    return sp.csr_matrix((np.asarray(data), np.asarray(indices), indptr), shape=(size, len(terms))), terms


def read_queries() -> list[str]:
    """Return the distinct dev-set needs."""
    texts = []
    for path in sorted(EVAL_DIR.glob("*.jsonl")):
        texts += [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(dict.fromkeys(texts))


def peak_rss_mib() -> float:
    """Return this process's peak resident memory in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile_ms(samples: list[float]) -> dict:
    """Return p50/p95 of samples in ms."""
    values = 1000 * np.asarray(samples)
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2)}


# ------------------------------------------------------------------------------------------------ engines


class ScipyPostings:
    """Today's core: exact BM25 of every row from the CSC term counts, then argpartition."""

    def __init__(self, counts: sp.csr_matrix, terms: list[str], directory: Path) -> None:
        self.counts = counts.tocsc()
        self.lengths = np.asarray(counts.sum(axis=1)).ravel().astype(np.float32)
        self.vocabulary = {t: i for i, t in enumerate(terms)}

    def search(self, tokens: list[str], n: int, mask: np.ndarray | None) -> np.ndarray:
        columns, weights = query_terms(tokens, self.vocabulary)
        scores = bm25_scores(self.counts, self.lengths, columns, weights)
        if mask is not None:
            scores = scores * mask
        return top_rows(scores, n)

    def add(self, token_lists: list[list[str]]) -> None:
        raise NotImplementedError


def top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """Return the rows of the n best positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > n:
        positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
    return positive[np.argsort(-scores[positive], kind="stable")]


class Bm25sEngine:
    """bm25s (eager sparse BM25 scores, numpy backend), saved then loaded memory-mapped."""

    def __init__(self, counts: sp.csr_matrix, terms: list[str], directory: Path) -> None:
        import bm25s

        ids = [counts.indices[counts.indptr[r] : counts.indptr[r + 1]] for r in range(counts.shape[0])]
        reps = [counts.data[counts.indptr[r] : counts.indptr[r + 1]].astype(np.int64) for r in range(counts.shape[0])]
        corpus = [np.repeat(i, c).tolist() for i, c in zip(ids, reps, strict=True)]
        del ids, reps
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(bm25s.tokenization.Tokenized(ids=corpus, vocab={t: i for i, t in enumerate(terms)}),
                        show_progress=False, create_empty_token=False)
        del corpus
        retriever.save(str(directory), show_progress=False)
        del retriever
        self.retriever = bm25s.BM25.load(str(directory), mmap=True)
        self.vocabulary = {t: i for i, t in enumerate(terms)}

    def search(self, tokens: list[str], n: int, mask: np.ndarray | None) -> np.ndarray:
        ids = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        scores = self.retriever.get_scores_from_ids(ids, weight_mask=mask) if ids else np.zeros(1)
        return top_rows(scores, n)

    def add(self, token_lists: list[list[str]]) -> None:
        raise NotImplementedError("bm25s indexes are immutable: a change is a rebuild or a delta index")


class TantivyEngine:
    """tantivy: pre-analysed stems with a whitespace tokenizer, row numbers in a fast field."""

    def __init__(self, counts: sp.csr_matrix, terms: list[str], directory: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("stems", tokenizer_name="stems", index_option="freq")
        builder.add_unsigned_field("row", fast=True, indexed=True)
        builder.add_unsigned_field("org", fast=True, indexed=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(directory))
        self.index.register_tokenizer("stems", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        writer = self.index.writer(heap_size=200_000_000, num_threads=1)
        terms_array = np.asarray(terms, dtype=object)
        for row in range(counts.shape[0]):
            start, end = counts.indptr[row], counts.indptr[row + 1]
            words = np.repeat(terms_array[counts.indices[start:end]], counts.data[start:end].astype(np.int64))
            writer.add_document(self.document(" ".join(words), row, row // DOCS_PER_ORG))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.rows = counts.shape[0]

    def document(self, stems: str, row: int, org: int):
        """Return one tantivy document (unsigned fields must be added as such)."""
        document = self.tantivy.Document()
        document.add_text("stems", stems)
        document.add_unsigned("row", row)
        document.add_unsigned("org", org)
        return document

    def search(self, tokens: list[str], n: int, mask: np.ndarray | None) -> np.ndarray:
        counts = Counter(tokens)
        query = self.tantivy.Query.boolean_query([
            (self.tantivy.Occur.Should,
             self.tantivy.Query.boost_query(self.tantivy.Query.term_query(self.schema, "stems", t),
                                            1.0 + float(np.log(c))))
            for t, c in counts.items()
        ])
        searcher = self.index.searcher()
        wanted = n if mask is None else 3 * n
        hits = searcher.search(query, wanted, count=False).hits
        rows = np.asarray(searcher.fast_field_values("row", [a for _, a in hits]), np.int64)
        if mask is not None:
            rows = rows[mask[rows] > 0][:n]
        return rows

    def add(self, token_lists: list[list[str]]) -> None:
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        for tokens in token_lists:
            writer.add_document(self.document(" ".join(tokens), self.rows, 0))
            self.rows += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()


def run_engine(name: str, size: int, tokens_dir: Path, workdir: Path, top_n: int, queries_count: int) -> dict:
    """Build and measure one engine (called in a child process)."""
    counts, terms = read_counts(tokens_dir, size)
    queries = [analyse(q) for q in read_queries()][:queries_count]
    directory = workdir / f"{name}-{size}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    base_rss = peak_rss_mib()
    started = time.perf_counter()
    engine = {"scipy": ScipyPostings, "bm25s": Bm25sEngine, "tantivy": TantivyEngine}[name](counts, terms, directory)
    result = {"engine": name, "size": size, "build_s": round(time.perf_counter() - started, 1),
              "peak_rss_mib": peak_rss_mib(), "rss_before_build_mib": base_rss,
              "disk_mib": round(sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20, 1)}
    # exact BM25 (same statistics as the engines) to judge the candidates
    exact = ScipyPostings(counts, terms, directory) if name != "scipy" else engine
    owner = np.arange(size) // DOCS_PER_ORG
    rng = np.random.default_rng(7)
    pool = rng.random(owner.max() + 1) < 0.4
    mask = pool[owner].astype(np.float32)
    coverage, pool_coverage = [], []
    for tokens in queries[:100]:
        for restrict, out in ((None, coverage), (mask, pool_coverage)):
            truth = exact.search(tokens, 10**9, restrict)
            truth_orgs = list(dict.fromkeys(owner[truth].tolist()))[:200]
            found = set(owner[engine.search(tokens, top_n, restrict)].tolist())
            out.append(len(found & set(truth_orgs)) / max(len(truth_orgs), 1))
    result["top200_org_coverage"] = round(float(np.mean(coverage)), 4)
    result["top200_org_coverage_pool"] = round(float(np.mean(pool_coverage)), 4)
    for label, restrict in (("latency", None), ("latency_pool", mask)):
        for tokens in queries[:10]:
            engine.search(tokens, top_n, restrict)
        samples = []
        for tokens in queries:
            began = time.perf_counter()
            engine.search(tokens, top_n, restrict)
            samples.append(time.perf_counter() - began)
        result[f"{label}_ms"] = percentile_ms(samples)
    # throughput with 4 threads against 1: > 1 means the engine releases the GIL while it searches
    def work(items):
        for tokens in items:
            engine.search(tokens, top_n, None)

    began = time.perf_counter()
    work(queries)
    single = time.perf_counter() - began
    threads = [threading.Thread(target=work, args=(queries[i::4],)) for i in range(4)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result["threads4_speedup"] = round(single / (time.perf_counter() - began), 2)
    try:
        samples = []
        for n in range(5):
            began = time.perf_counter()
            engine.add([analyse(f"Implants zygomatiques en titane {n}, essai {j}") for j in range(3)])
            samples.append(time.perf_counter() - began)
        result["add_3_docs_ms"] = percentile_ms(samples)
    except NotImplementedError as error:
        result["add_3_docs_ms"] = str(error)
    result["peak_rss_mib"] = max(result["peak_rss_mib"], peak_rss_mib())
    return result


def write_report(path: Path, results: list[dict], argv: list[str], analysed: dict, seconds: float) -> None:
    """Write the markdown table."""
    lines = [
        "# Lexical candidate generator: bm25s, tantivy and today's scipy postings",
        "",
        f"Command: `python {' '.join(argv)}`",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores shared with other jobs, "
        f"{platform.platform()}; {seconds / 60:.0f} min.",
        "",
        "Corpus: the synthetic scale corpus (real sentences of the bundled evidence recombined, 5 evidence "
        "documents per organisation), analysed once by our analyser "
        f"({analysed.get('docs_per_s', '?')} documents/s): every engine indexes the same stems. Queries: the "
        "real dev-set needs. Top-N = 1,000 evidence rows. Pool = a random 40 % of the organisations (filters, "
        "the evaluation pool). Coverage = share of the exact BM25 top-200 organisations (by best evidence) "
        "found among the organisations of the top-N rows. 4-thread speed-up > 1 means the engine searches "
        "outside the GIL.",
        "",
        "| docs | engine | build s | peak RSS MiB | disk MiB | top-N p50 / p95 ms | with pool p50 / p95 ms "
        "| 4 threads speed-up | top-200 orgs coverage (pool) | add 3 docs p50 / p95 ms |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        add = r["add_3_docs_ms"]
        add = f"{add['p50']} / {add['p95']}" if isinstance(add, dict) else "rebuild (immutable)"
        lines.append(
            f"| {r['size']:,} | {r['engine']} | {r['build_s']} | {r['peak_rss_mib']:,.0f} | {r['disk_mib']:,.0f} | "
            f"{r['latency_ms']['p50']} / {r['latency_ms']['p95']} | "
            f"{r['latency_pool_ms']['p50']} / {r['latency_pool_ms']['p95']} | {r['threads4_speedup']} | "
            f"{r['top200_org_coverage']:.3f} ({r['top200_org_coverage_pool']:.3f}) | {add} |"
        )
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/matchmaker-bench/lexical"))
    parser.add_argument("--top-n", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "lexical_engines.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child)
        print(json.dumps(run_engine(job["engine"], job["size"], Path(job["tokens"]), args.workdir, args.top_n,
                                    args.queries)), flush=True)
        return
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",")]
    tokens_dir = args.workdir / "tokens"
    meta = tokens_dir / "meta.json"
    analysed = json.loads(meta.read_text()) if meta.exists() else {}
    if analysed.get("size", 0) < max(sizes) or analysed.get("seed") != args.seed:
        analysed = {**write_tokens(max(sizes), tokens_dir, args.seed), "seed": args.seed}
        meta.write_text(json.dumps(analysed))
    results = []
    for size in sizes:
        for engine in args.engines.split(","):
            job = json.dumps({"engine": engine, "size": size, "tokens": str(tokens_dir)})
            output = subprocess.run([sys.executable, __file__, "--child", job, "--workdir", str(args.workdir),
                                     "--top-n", str(args.top_n), "--queries", str(args.queries)],
                                    capture_output=True, text=True, check=False)
            if output.returncode:
                print(output.stderr, file=sys.stderr)
                raise SystemExit(f"{engine} at {size} failed")
            results.append(json.loads(output.stdout.splitlines()[-1]))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    write_report(args.out, results, sys.argv, analysed, time.perf_counter() - started)
    (args.out.with_suffix(".json")).write_text(json.dumps(results, indent=1))
    shutil.rmtree(tempfile.gettempdir() + "/none", ignore_errors=True)


if __name__ == "__main__":
    main()
