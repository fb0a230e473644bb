"""Property-based tests: hostile files and requests get clear errors and never change stored data."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from matchmaker.catalogue.importing import ImportFormatError, parse_profiles
from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation
from matchmaker.services.catalogue import import_profiles

INJECTIONS = [
    "'; DROP TABLE organisations; --",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://evil.example\")",
    "{{ config.SECRET_KEY }}",
    "\x00\x1b[31m",
    "Robert'); DELETE FROM evidence;--",
]
# Lone UTF-16 surrogates: valid in a JSON file (as \udxxx escapes), but no UTF-8 encoding exists for them.
unencodable = st.builds(lambda head, bad: head + bad, st.text(max_size=20),
                        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
text = st.one_of(st.text(max_size=300), st.sampled_from(INJECTIONS), st.text(string.printable, max_size=50),
                 unencodable)
row = st.fixed_dictionaries(
    {},
    optional={
        "key": text,
        "name": text,
        "kind": st.one_of(st.sampled_from(["lab", "startup", "manufacturer", "LAB", ""]), text),
        "description_fr": st.one_of(text, st.integers(20001, 20100).map(lambda n: "é" * n)),
        "keywords": st.one_of(text, st.lists(text, max_size=5)),
        "certifications": st.one_of(text, st.lists(st.sampled_from(["ISO 13485", "BPF", "ISO 1", "x"]))),
        "siren": text,
        "rnsr_id": text,
        "region": text,
        "contact_email": text,
        "evidence": st.lists(st.dictionaries(st.sampled_from(["key", "text", "kind"]), text), max_size=2),
    },
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _snapshot():
    orgs = db.session.scalar(select(func.count(Organisation.id)))
    evidence = db.session.execute(select(func.count(Evidence.id), func.max(Evidence.updated_at))).one()
    return orgs, tuple(evidence)


@SETTINGS
@given(rows=st.lists(row, min_size=1, max_size=5), extension=st.sampled_from(["json", "jsonl"]))
def test_importer_rejects_or_stores_whole_files(app, rows, extension):
    if extension == "json":
        data = json.dumps(rows).encode()
    else:
        data = "\n".join(json.dumps(r) for r in rows).encode()
    with app.app_context():
        before = _snapshot()
        try:
            report = import_profiles(db.session, data, f"hostile.{extension}")
        except ImportFormatError as exc:
            assert str(exc)
            assert _snapshot() == before
            return
        if report.errors:
            assert not report.stored
            assert all(e.line >= 1 and e.reason for e in report.errors)
            assert _snapshot() == before
        else:
            assert report.stored and report.created + report.updated == len(rows)
            db.session.rollback()


@SETTINGS
@given(data=st.binary(max_size=2000), name=st.sampled_from(["f.csv", "f.json", "f.jsonl", "f.csv.gz", "f.txt"]))
def test_importer_never_crashes_on_arbitrary_bytes(data, name):
    try:
        parsed = parse_profiles(data, name)
    except ImportFormatError as exc:
        assert str(exc)
    else:
        assert all(e.reason for e in parsed.errors)


@SETTINGS
@given(
    q=st.one_of(st.text(max_size=200), st.sampled_from(INJECTIONS)),
    kind=st.one_of(st.none(), st.sampled_from(["lab", "startup", "x' OR 1=1 --"])),
    region=st.one_of(st.none(), st.sampled_from(["Bretagne", "<b>", "ile de france"])),
    limit=st.one_of(st.none(), st.integers(-5, 500).map(str), st.text(max_size=5)),
)
def test_search_api_answers_200_or_clear_4xx(client, q, kind, region, limit):
    params = {"q": q}
    for name, value in (("kind", kind), ("region", region), ("limit", limit)):
        if value is not None:
            params[name] = value
    response = client.get("/api/search", query_string=params)
    assert response.status_code in (200, 400), response.data[:300]
    payload = response.get_json()
    if response.status_code == 400:
        assert payload["error"]["message"]
    else:
        assert isinstance(payload["results"], list)


@SETTINGS
@given(lines=st.lists(st.one_of(st.text(max_size=80), st.dictionaries(st.text(max_size=10), text, max_size=4)
                                .map(json.dumps)), min_size=1, max_size=4))
def test_evaluate_command_reports_bad_files_clearly(runner, tmp_path, lines):
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code != 0:
        assert "Error" in result.output
