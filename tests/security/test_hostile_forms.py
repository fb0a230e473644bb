"""Hostile input through the web: the need form and API, injection strings in every page's parameters,
HTML/JS rendered back, CSV formulas in every export, huge fields, duplicates and wrong encodings.

Each hostile request gets a clear 4xx message (or is stored exactly as cleaned), never a 500, and
nothing already stored changes when it is refused.
"""

from __future__ import annotations

import csv
import io
import json
import string
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text, update

from matchmaker.catalogue.importing import ImportFormatError, parse_profiles
from matchmaker.extensions import db
from matchmaker.geo import all_regions
from matchmaker.models import (
    AuditEvent,
    Event,
    EventRegistration,
    Introduction,
    Need,
    Organisation,
    ProfileClaim,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
    User,
)
from matchmaker.services.shortlists import escape_csv_cell
from matchmaker.vocabulary import CERTIFICATIONS, SOUGHT_KINDS

from .test_access_control import ACCESS

SQL = ["' OR '1'='1", "1; DROP TABLE needs; --", "\" OR 1=1 --", "') UNION SELECT email, password_hash FROM users --",
       "%' AND 1=0 UNION SELECT 1 --", "1e309", "-1", "9" * 40]
HTML = ['<script>alert("xss")</script>', '"><svg onload=alert(1)>', "javascript:alert(1)", "{{ config.SECRET_KEY }}"]
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"clic\")", "+33 1 00", "-2+3", "@SUM(A1)", "\t=1", " =1+1",
            "\uff1dcmd|' /C calc'!A0", "\r=1"]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hostile_text = st.one_of(st.text(max_size=300), st.sampled_from(SQL + HTML + FORMULAS),
                         st.text(string.printable, max_size=60), st.just("é" * 4000), st.just(" " * 50))


def table_counts() -> dict[str, int]:
    """Return the number of rows of every table (inside an app context)."""
    return {name: db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
            for name in db.metadata.tables}


def stored_state() -> tuple:
    """Return a fingerprint of the stored workflow data: row counts plus the last change of each kind."""
    latest = [db.session.scalar(select(func.max(column))) for column in
              (Need.updated_at, Shortlist.updated_at, Organisation.updated_at, AuditEvent.id)]
    return table_counts(), latest


def _error_shown(response) -> bool:
    body = response.get_data(as_text=True)
    markers = ('class="field-errors"', "alert-error", '"error"', "caractères nuls")
    return any(marker in body for marker in markers)


# -- the need form and the need API (Hypothesis) ---------------------------------------------------------

need_form = st.fixed_dictionaries(
    {"title": hostile_text, "description": st.one_of(hostile_text, st.just("x" * 3501))},
    optional={
        "sought_kinds": st.lists(st.sampled_from([*SOUGHT_KINDS, "lab' OR 1=1", "<b>", ""]), max_size=3),
        "certifications": st.lists(st.sampled_from([*CERTIFICATIONS, "ISO 1", "=cmd"]), max_size=3),
        "region": st.one_of(st.sampled_from(["", *all_regions()]), hostile_text),
        "deadline": st.one_of(st.dates(date(1900, 1, 1), date(2200, 1, 1)).map(str), hostile_text),
        "confidentiality": st.one_of(st.sampled_from(["public", "staff_only"]), hostile_text),
    },
)


@SETTINGS
@given(form=need_form)
def test_need_form_stores_clean_needs_or_explains_why_not(fresh_world, form):
    fresh_world.restore()
    client = fresh_world.client("buyer")
    with fresh_world.app.app_context():
        before = stored_state()
    response = client.post("/besoins/nouveau", data=form)
    assert response.status_code in (302, 400), response.get_data(as_text=True)[:500]
    with fresh_world.app.app_context():
        if response.status_code == 400:
            assert _error_shown(response), "a refused need must say why"
            assert stored_state() == before
            return
        need = db.session.scalar(select(Need).order_by(Need.id.desc()))
        assert response.headers["Location"].endswith(f"/besoins/{need.public_id}")
        assert need.status == "draft" and need.title == " ".join(form["title"].split())
        assert need.description == form["description"].strip()
        assert set(need.sought_kinds) <= set(SOUGHT_KINDS) and set(need.certifications) <= set(CERTIFICATIONS)
        assert need.region in (None, *all_regions())
        assert need.deadline is None or need.deadline >= date.today()
        assert need.confidentiality in ("public", "staff_only")
    page = client.get(f"/besoins/{need.public_id}").get_data(as_text=True)
    for payload in HTML[:2]:
        assert payload not in page


# Valid JSON, invalid text: a lone UTF-16 surrogate has no UTF-8 encoding (the JSON body carries it as \udxxx).
unencodable_text = st.builds(lambda head, bad, tail: head + bad + tail, st.text(max_size=20),
                             st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), st.text(max_size=20))
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text, unencodable_text),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
need_json = st.one_of(
    st.dictionaries(st.sampled_from(["title", "description", "sought_kinds", "certifications", "region", "deadline",
                                     "confidentiality", "extra"]), json_value, max_size=8),
    json_value,
)


@SETTINGS
@given(body=need_json)
def test_need_api_answers_201_or_a_clear_error(fresh_world, body):
    fresh_world.restore()
    with fresh_world.app.app_context():
        before = stored_state()
    response = fresh_world.client("buyer").post("/api/needs", json=body)
    assert response.status_code in (201, 400, 415), response.get_data(as_text=True)[:500]  # 415: no body at all
    payload = response.get_json()
    if response.status_code != 201:
        assert payload["error"]["message"]
        with fresh_world.app.app_context():
            assert stored_state() == before
    else:
        assert payload["status"] == "draft" and payload["title"] == " ".join(body["title"].split())


# -- injection strings in every parameter of every page -------------------------------------------------

PARAMETERS = ("q", "kind", "region", "certification", "offset", "limit", "tab", "type", "action", "id", "status",
              "participant", "organisation", "need", "next", "lang", "chart", "dimension", "period")
READABLE = sorted({(row.url, role) for row in ACCESS for role in ("anonymous", "buyer", "startup", "staff", "admin")
                   if row.method == "GET" and getattr(row, role) == 200 and not row.url.startswith("/static/")})


@pytest.mark.parametrize(("url", "role"), READABLE, ids=[f"{u} {r}" for u, r in READABLE])
def test_injection_strings_in_every_parameter_are_harmless(fresh_world, url, role):
    client = fresh_world.client(role)
    base = fresh_world.url(url)
    with fresh_world.app.app_context():
        before = table_counts()
    for payload in (SQL[0], SQL[3], HTML[0], "\u202e\ufeffé" * 3):
        query = {name: payload for name in PARAMETERS}
        response = client.get(base.split("?")[0], query_string=query)
        assert response.status_code < 500, (base, payload, response.get_data(as_text=True)[:300])
        body = response.get_data()
        response.close()
        if response.mimetype == "text/html":
            assert HTML[0].encode() not in body
        assert b"$argon2" not in body  # a UNION injection would have leaked hashes
    with fresh_world.app.app_context():
        assert table_counts() == before


def test_raw_invalid_utf8_in_query_and_form_is_refused_or_replaced(fresh_world):
    client = fresh_world.client("buyer")
    with fresh_world.app.app_context():
        before = stored_state()
    assert client.get("/?q=%FF%FE%00").status_code == 400  # NUL: refused with a message
    assert client.get("/api/search?q=%C3%28%A0%A1").status_code in (200, 400)
    body = b"title=%FF%FEBesoin+%C3%28&description=" + b"%E9t%E9" * 10
    response = client.post("/besoins/nouveau", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (302, 400)
    with fresh_world.app.app_context():
        if response.status_code == 400:
            assert stored_state() == before
        else:  # undecodable bytes are kept percent-encoded or replaced: never a crash, never a NUL
            need = db.session.scalar(select(Need).order_by(Need.id.desc()))
            assert "\x00" not in need.title and need.title.encode("utf-8")


@pytest.mark.parametrize("url", ["/besoins/nouveau", "/api/needs", "/listes/nouvelle", "/api/shortlists"])
def test_nul_characters_are_refused_everywhere(fresh_world, url):
    client = fresh_world.client("buyer")
    with fresh_world.app.app_context():
        before = stored_state()
    fields = {"title": "Titre\x00", "description": "Une description\x00", "name": "Liste\x00"}
    if url.startswith("/api/"):
        response = client.post(url, json=fields)
        message = response.get_json()["error"]["message"]
    else:
        response = client.post(url, data=fields)
        message = response.get_data(as_text=True)
    assert response.status_code == 400 and "caractères nuls" in message
    with fresh_world.app.app_context():
        assert stored_state() == before


# -- HTML / JS injection rendered back -------------------------------------------------------------------------

PAYLOAD = '<script>alert("xss")</script>"><svg onload=alert(1)>'


def _poison(world) -> None:
    """Write the payload into every user-controlled text field of the world."""
    with world.app.app_context():
        for model, columns in (
            (Need, ("title", "description", "review_note")),
            (Shortlist, ("name",)),
            (ShortlistEntry, ("note",)),
            (Introduction, ("message", "staff_note")),
            (ProfileClaim, ("message",)),
            (SavedSearch, ("name", "query")),
            (Event, ("name", "place")),
            (EventRegistration, ("offer_text", "seek_text")),
            (User, ("name",)),
            (Organisation, ("acronym", "city", "description_fr")),
        ):
            values = {column: PAYLOAD for column in columns}
            if hasattr(model, "updated_at"):
                values["updated_at"] = model.updated_at
            db.session.execute(update(model).values(values))
        # Keep updated_at: a changed catalogue fingerprint would rebuild the index on the next search.
        db.session.execute(update(Organisation).values(name=Organisation.name + PAYLOAD,
                                                       updated_at=Organisation.updated_at))
        db.session.commit()


POISONED = [(url, role) for url, role in READABLE if not url.startswith("/api/")]


@pytest.mark.parametrize(("url", "role"), POISONED, ids=[f"{u} {r}" for u, r in POISONED])
def test_stored_html_is_escaped_on_every_page(fresh_world, url, role):
    _poison(fresh_world)
    response = fresh_world.client(role).get(fresh_world.url(url))
    body = response.get_data()
    response.close()
    assert response.status_code == 200, (url, role, response.status_code)
    if response.mimetype == "application/json":
        return
    if response.mimetype != "text/html":  # a download (CSV, PDF, iCalendar) is never rendered as a page
        assert "html" not in response.mimetype and response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
        return
    for dangerous in (b"<script>alert", b"<svg onload"):
        assert dangerous not in body, f"unescaped user content on {url} as {role}"


def test_api_returns_json_never_html(fresh_world):
    _poison(fresh_world)
    client = fresh_world.client("buyer")
    for url in ("/api/needs", "/api/shortlists", "/api/introductions", "/api/search?q=biomat%C3%A9riaux"):
        response = client.get(url)
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- CSV formula injection in every export ---------------------------------------------------------------------

# Every CSV route, with an account that may download it: a new export without a line here fails.
EXPORTS = [
    ("shortlists.export", "buyer", "/listes/{shortlist}/export.csv"),
    ("events.export_csv", "staff", "/events/{event}/rendez-vous.csv"),
    ("dashboard.export", "staff", "/staff/dashboard/export/freshness.csv"),
    ("dashboard.export", "staff", "/staff/dashboard/export/coverage-gaps.csv"),
    ("dashboard.export", "staff", "/staff/dashboard/export/organisations-kind.csv"),
]


def _arm_formulas(world) -> None:
    with world.app.app_context():
        for n, model_columns in enumerate((
            (Organisation, ("name", "city", "region", "website", "kind")),
            (ShortlistEntry, ("note",)),
            (EventRegistration, ("offer_text", "seek_text")),
            (User, ("name",)),
            (Need, ("title", "region")),
        )):
            model, columns = model_columns
            values = {c: FORMULAS[(n + i) % len(FORMULAS)] for i, c in enumerate(columns)}
            if hasattr(model, "updated_at"):
                values["updated_at"] = model.updated_at
            db.session.execute(update(model).values(values))
        db.session.execute(update(Organisation).values(certifications=[FORMULAS[0], FORMULAS[2]],
                                                       updated_at=Organisation.updated_at))
        db.session.commit()


def test_every_csv_route_is_checked(world):
    csv_routes = {rule.endpoint for rule in world.app.url_map.iter_rules() if ".csv" in rule.rule}
    checked = {endpoint for endpoint, _, _ in EXPORTS}
    assert csv_routes <= checked, f"add these CSV exports to EXPORTS: {sorted(csv_routes - checked)}"


@pytest.mark.parametrize(("endpoint", "account", "url"), EXPORTS, ids=[url for _, _, url in EXPORTS])
def test_no_cell_of_an_export_starts_a_formula(fresh_world, endpoint, account, url):
    _arm_formulas(fresh_world)
    response = fresh_world.client(account).get(fresh_world.url(url))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) > 1 and cells
    armed = [cell for cell in cells if any(f.strip() in cell for f in FORMULAS)]
    assert armed, "the export does not contain the hostile values: the test would prove nothing"
    for cell in cells:
        assert not cell.lstrip(" \u00a0\u3000").startswith(("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d")), cell


@given(st.text(max_size=30))
def test_escaped_cells_never_start_a_formula(value):
    cell = escape_csv_cell(value)
    stripped = cell.lstrip(" \u00a0\u2007\u202f\u3000")
    assert cell == value or cell == "'" + value
    assert not stripped.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20"))


# -- huge fields, duplicates, encodings ------------------------------------------------------------------------


def test_huge_fields_get_a_clear_message(fresh_world):
    client = fresh_world.client("buyer")
    with fresh_world.app.app_context():
        before = stored_state()
    huge = client.post("/besoins/nouveau", data={"title": "Titre", "description": "mot " * 250_000})
    assert huge.status_code == 400 and _error_shown(huge)
    api = client.post("/api/needs", json={"title": "T" * 100_000, "description": "x"})
    assert api.status_code == 400 and api.get_json()["error"]["message"]
    assert client.get("/api/search", query_string={"q": "cancer " * 2000}).status_code == 400
    too_big = client.post("/besoins/nouveau", data={"title": "T", "description": "x" * (21 * 1024 * 1024)})
    assert too_big.status_code == 413
    with fresh_world.app.app_context():
        assert stored_state() == before


def test_duplicates_are_refused_with_a_message(fresh_world):
    client = fresh_world.client("buyer")
    org = fresh_world.ids["lab"]
    shortlist = fresh_world.url("/api/shortlists/{shortlist}/entries")
    again = client.post(shortlist, json={"organisation": org})
    assert again.status_code == 409 and "déjà" in again.get_json()["error"]["message"]
    intro = {"organisation": fresh_world.ids["org"], "message": "Une deuxième demande identique."}
    duplicate = client.post("/api/introductions", json=intro)
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["message"]
    claim = fresh_world.client("startup2").post(f"/membre/revendiquer/{org}",
                                                data={"message": "Encore moi, vraiment."})
    assert claim.status_code == 400 and "déjà" in claim.get_data(as_text=True)
    rows = [{"key": "dup:1", "name": "Lab A", "kind": "lab", "description_fr": "Analyses"},
            {"key": "dup:1", "name": "Lab B", "kind": "lab", "description_fr": "Autres analyses"}]
    parsed = parse_profiles(json.dumps(rows).encode(), "doublons.json")
    assert [error.line for error in parsed.errors] == [2] and "doublon" in parsed.errors[0].reason


def test_import_reads_cp1252_and_refuses_utf16_and_script_urls():
    header = "key,name,kind,description_fr\n"
    latin = parse_profiles((header + "x:1,Société Générale de Tests,lab,Essais mécaniques\n").encode("cp1252"),
                           "latin.csv")
    assert not latin.errors and latin.records[0][1]["name"] == "Société Générale de Tests"
    with pytest.raises(ImportFormatError, match="UTF-8"):
        parse_profiles((header + "x:1,Lab,lab,Essais\n").encode("utf-16"), "utf16.csv")
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>"):
        record = {"key": "x:1", "name": "Lab", "kind": "lab", "description_fr": "Essais", "source_url": url}
        script = parse_profiles(json.dumps([record]).encode(), "script.json")
        assert script.errors and "source_url" in script.errors[0].reason


def test_deadline_in_the_past_and_unknown_choices_are_explained(fresh_world):
    client = fresh_world.client("buyer")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    base = {"title": "Un titre correct", "description": "Une description suffisante du besoin."}
    for extra in ({"deadline": yesterday}, {"region": "Atlantide"}, {"sought_kinds": ["spaceship"]},
                  {"confidentiality": "everyone"}, {"certifications": ["ISO 0"]}):
        response = client.post("/besoins/nouveau", data={**base, **extra})
        assert response.status_code == 400 and _error_shown(response), extra
