"""Read the bundled competence directory and the evaluation sets into ranking inputs."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matchmaker.ranking.match import EvidenceDoc

RNSR_PREFIX = "rnsr:"


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the organisation records of a ``.jsonl`` or ``.jsonl.gz`` directory file."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def evidence_docs(records: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> list[EvidenceDoc]:
    """Turn organisation records into evidence documents (empty texts and repeated ids skipped)."""
    docs = []
    seen: set[str] = set()
    for record in records:
        for evidence in record.get("evidence") or []:
            text = (evidence.get("text") or "").strip()
            if text and evidence["key"] not in seen:
                seen.add(evidence["key"])
                docs.append(
                    EvidenceDoc(
                        id=evidence["key"],
                        org_id=record["key"],
                        text=text,
                        kind=evidence.get("kind") or "text",
                        source_ref=evidence.get("source_ref"),
                    )
                )
    return docs


@dataclass(frozen=True)
class EvalQuery:
    """One evaluation query: text, relevant organisation ids, the source refs to leave out, the searcher's region."""

    qid: str
    query: str
    relevant: tuple[str, ...]
    exclude_source_refs: tuple[str, ...]
    region: str | None = None


def read_eval_set(path: Path) -> list[EvalQuery]:
    """Read an eval JSONL file: ``qid``, ``query``, ``relevant_org_keys`` and/or ``relevant_rnsr_ids``, optional
    ``exclude_source_refs`` and ``ilab_uid`` (both left out of every profile while ranking the line) and ``context``
    (``{"region": ...}``, the searcher's region)."""
    queries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            uid = row.get("ilab_uid")
            relevant = [*row.get("relevant_org_keys", []), *(RNSR_PREFIX + r for r in row.get("relevant_rnsr_ids", []))]
            excluded = [*row.get("exclude_source_refs", []), *([uid] if uid else [])]
            queries.append(
                EvalQuery(
                    qid=row["qid"],
                    query=row["query"],
                    relevant=tuple(dict.fromkeys(relevant)),
                    exclude_source_refs=tuple(dict.fromkeys(excluded)),
                    region=(row.get("context") or {}).get("region"),
                )
            )
    return queries


def is_company_set(queries: list[EvalQuery]) -> bool:
    """Return True when a set's relevant organisations are companies (ranked in the company pool)."""
    return bool(queries) and not any(r.startswith(RNSR_PREFIX) for q in queries for r in q.relevant)
