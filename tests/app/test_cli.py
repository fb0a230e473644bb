"""CLI commands: evaluate (with the leave-one-out rule), setup, create-user, build-index."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation, User


def _spin_off_queries(app, limit=8):
    """Return eval lines built from fixture start-ups whose project text is copied into a fixture lab."""
    with app.app_context():
        rows = db.session.execute(
            select(Evidence.source_ref, Evidence.text, Organisation.rnsr_id)
            .join(Organisation)
            .where(Evidence.kind == "ilab_project", Organisation.key.like("rnsr:%"))
        ).all()
    lines = []
    for source_ref, text, rnsr_id in rows[:limit]:
        lines.append({"qid": source_ref, "ilab_uid": source_ref, "query": text, "relevant_rnsr_ids": [rnsr_id]})
    return lines


def test_leave_one_out_removes_the_query_own_evidence(app):
    line = _spin_off_queries(app, 1)[0]
    with app.app_context():
        matcher = app.extensions["matchmaker"].matcher(db.session)
        lab = "rnsr:" + line["relevant_rnsr_ids"][0]
        with_own = matcher.search(line["query"], k=5, candidate_orgs={lab})
        without_own = matcher.search(
            line["query"], k=5, candidate_orgs={lab}, exclude_source_refs={line["ilab_uid"]}
        )
    own_evidence = f"{lab}/{line['ilab_uid']}"
    assert own_evidence in with_own[0].evidence_ids
    assert all(own_evidence not in m.evidence_ids for m in without_own)
    assert all(p.evidence_id != own_evidence for m in without_own for p in m.passages)


def test_evaluate_prints_metrics_and_a_final_json_line(app, runner, tmp_path):
    lines = _spin_off_queries(app)
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["n"] == len(lines)
    with app.app_context():
        pool = db.session.scalar(select(db.func.count()).where(Organisation.key.like("rnsr:%")))
    assert last["pool"] == pool
    for name in ("recall_at_10", "mrr", "ndcg_at_10"):
        assert 0.0 <= last[name] <= 1.0
    # Without the rule, the copied text would find its lab first every time.
    for line in lines:
        line.pop("ilab_uid")
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    leaky = json.loads(runner.invoke(args=["evaluate", str(path)]).output.strip().splitlines()[-1])
    assert leaky["mrr"] == 1.0
    assert last["mrr"] < leaky["mrr"]


def test_evaluate_applies_the_searchers_region_only_when_asked(app, runner, tmp_path):
    lines = _spin_off_queries(app)
    with app.app_context():
        regions = dict(db.session.execute(select(Organisation.key, Organisation.region)).all())
    for line in lines:
        line.pop("ilab_uid")
    lines[0]["context"] = {"region": "bretagne"}  # any spelling a person types
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    def last_line(*options):
        return json.loads(runner.invoke(args=["evaluate", str(path), *options]).output.strip().splitlines()[-1])

    text_only, declared = last_line(), last_line("--context", "line")
    assert text_only["context"] == "none" and text_only["with_region"] == 0
    assert declared["context"] == "line" and declared["with_region"] == 1
    for line in lines:
        line.pop("context", None)
        line["ilab_uid"] = next(k.removeprefix("ilab:") for k, r in regions.items() if k.startswith("ilab:") and r)
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert last_line("--context", "ilab")["with_region"] == len(lines)


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json\n", "JSON invalide"),
        ('{"qid": "a", "query": "x"}\n', "relevant_rnsr_ids"),
        ("\n", "aucune requête"),
        ('{"qid": "a", "query": "x", "relevant_rnsr_ids": "123"}\n', "liste"),
        ('{"qid": "a", "query": "x", "relevant_rnsr_ids": ["1"], "context": {"region": "Atlantide"}}\n', "context"),
    ],
)
def test_evaluate_rejects_malformed_files(runner, tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exit_code != 0
    assert message in result.output


def test_create_user_hashes_password_and_rejects_duplicates(app, runner):
    result = runner.invoke(args=["create-user", "Staff@Example.org", "--role", "staff", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        assert user.role == "staff"
        assert user.password_hash.startswith("$argon2id$") and "long enough pw" not in user.password_hash
    again = runner.invoke(args=["create-user", "staff@example.org", "--password", "long enough pw"])
    assert again.exit_code != 0 and "existe déjà" in again.output
    short = runner.invoke(args=["create-user", "x@example.org", "--password", "short"])
    assert short.exit_code != 0 and "10 caractères" in short.output


def test_stale_index_is_refreshed_and_missing_index_reported(app):
    from matchmaker.ranking.errors import IndexMissingError

    engine = app.extensions["matchmaker"]
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.kind == "lab"))
        org.evidence.append(Evidence(key=f"{org.key}/note", kind="note", text="Spectrométrie de masse native"))
        db.session.commit()
        engine.refresh(db.session)  # what a writer does after committing
        matches = engine.matcher(db.session).search("spectrométrie de masse native", k=1)
        assert matches[0].org_id == org.key
        import shutil

        from matchmaker.services.search.engine import SearchEngine

        shutil.rmtree(engine.index_dir)
        restarted = SearchEngine(models_dir=engine.models_dir, encoder_name=engine.encoder_name)
        with pytest.raises(IndexMissingError):
            restarted.matcher(db.session)


def _contract_queries(app):
    """Return company-pool eval lines: the text of a contract a fixture company won -> that company."""
    with app.app_context():
        rows = db.session.execute(
            select(Evidence.source_ref, Evidence.text, Organisation.key)
            .join(Organisation)
            .where(Evidence.kind == "contract_won")
        ).all()
    return [
        {"qid": ref, "query": text.split(" : ", 1)[-1], "relevant_org_keys": [key], "exclude_source_refs": [ref]}
        for ref, text, key in rows
    ]


def test_evaluate_ranks_companies_by_key_and_applies_exclude_source_refs(app, runner, tmp_path):
    lines = _contract_queries(app)
    assert lines
    path = tmp_path / "procurement.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = runner.invoke(args=["evaluate", str(path), "--pool", "companies"])
    assert result.exit_code == 0, result.output
    strict = json.loads(result.output.strip().splitlines()[-1])
    with app.app_context():
        kinds = {k: kind for k, kind in db.session.execute(select(Organisation.key, Organisation.kind))}
    companies = [k for k, kind in kinds.items() if kind not in {"lab", "platform", "startup", "buyer"}]
    assert strict["pool"] == len(companies) and strict["pool_name"] == "companies"
    # the same lines without the exclusion find the winner through the very contract they quote
    for line in lines:
        line.pop("exclude_source_refs")
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    leaky_run = runner.invoke(args=["evaluate", str(path), "--pool", "companies"])
    assert leaky_run.exit_code == 0, (leaky_run.output, repr(leaky_run.exception))
    leaky = json.loads(leaky_run.output.strip().splitlines()[-1])
    assert leaky["recall_at_10"] == 1.0
    assert strict["mrr"] < leaky["mrr"]
    # a lab pool cannot find companies; the default pool is the labs
    labs = json.loads(runner.invoke(args=["evaluate", str(path)]).output.strip().splitlines()[-1])
    assert labs["pool_name"] == "labs" and labs["recall_at_10"] == 0.0


def test_evaluate_mixes_rnsr_ids_and_org_keys(app, runner, tmp_path):
    line = {**_spin_off_queries(app, 1)[0]}
    lab = "rnsr:" + line.pop("relevant_rnsr_ids")[0]
    line["relevant_org_keys"] = [lab]
    path = tmp_path / "keys.jsonl"
    path.write_text(json.dumps(line) + "\n")
    by_key = json.loads(runner.invoke(args=["evaluate", str(path), "--pool", "all"]).output.strip().splitlines()[-1])
    assert by_key["n"] == 1 and by_key["pool_name"] == "all"
    bad = runner.invoke(args=["evaluate", str(path), "--pool", "everything"])
    assert bad.exit_code != 0
