"""Reading the bundled directory and the evaluation sets into ranking inputs."""

import gzip
import json

from matchmaker.ranking.corpus import EvalQuery, evidence_docs, read_eval_set, read_records

RECORDS = [
    {"key": "rnsr:1", "evidence": [{"key": "rnsr:1/record", "kind": "directory_record", "text": " Unité A "},
                                   {"key": "rnsr:1/empty", "text": "  "}]},
    {"key": "ilab:9", "evidence": [{"key": "ilab:9/project", "text": "Projet", "source_ref": "u9"},
                                   {"key": "rnsr:1/record", "text": "copie"}]},
    {"key": "bare"},
]


def test_records_are_read_from_plain_or_gzipped_json_lines(tmp_path):
    lines = "\n".join(json.dumps(r) for r in RECORDS) + "\n\n"
    (tmp_path / "dir.jsonl").write_text(lines, encoding="utf-8")
    with gzip.open(tmp_path / "dir.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(lines)
    assert list(read_records(tmp_path / "dir.jsonl")) == RECORDS
    assert list(read_records(tmp_path / "dir.jsonl.gz")) == RECORDS


def test_evidence_docs_skip_empty_texts_and_repeated_ids():
    docs = evidence_docs(RECORDS)
    assert [(d.id, d.org_id, d.text, d.kind, d.source_ref) for d in docs] == [
        ("rnsr:1/record", "rnsr:1", "Unité A", "directory_record", None),
        ("ilab:9/project", "ilab:9", "Projet", "text", "u9"),
    ]


def test_eval_sets_name_rnsr_labs_and_the_row_to_leave_out(tmp_path):
    rows = [{"qid": "q1", "query": "capteur", "relevant_rnsr_ids": ["200012345A"], "ilab_uid": "u1"},
            {"qid": "q2", "query": "imagerie", "relevant_rnsr_ids": []}]
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert read_eval_set(path) == [
        EvalQuery("q1", "capteur", ("rnsr:200012345A",), ("u1",)),
        EvalQuery("q2", "imagerie", (), ()),
    ]
