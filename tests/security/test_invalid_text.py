"""Invalid text (lone UTF-16 surrogates, undecodable bytes, NUL) is refused with a 400 naming the field, on
every JSON endpoint and every form, by one request-wide check, before any view reads it; nothing is stored.
"""

from __future__ import annotations

import http.client
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from tests.support.servers import waitress_thread

from .test_access_control import ACCESS
from .test_hostile_forms import stored_state

SURROGATE_BODY = '{"title": "Surrogate \\ud800 test", "description": "Un besoin de caract\\u00e9risation.", ' \
                 '"name": "Liste \\udfff", "organisation": "{org}", "message": "Bonjour \\ud83d", ' \
                 '"note": "\\udc80", "decision": "accept\\ud800", "reason_text": "\\ud800"}'

JSON_WRITES = [
    ("buyer", "/api/needs", "title"),
    ("buyer", "/api/shortlists", "name"),
    ("buyer", "/api/shortlists/{shortlist}/entries", "note"),
    ("buyer", "/api/introductions", "message"),
    ("staff", "/api/needs/{need}/suggestions/{suggestion}/decision", "decision"),
    ("buyer", "/api/needs/{need}/submit", "title"),
]


def _raw_json(client, url: str, body: str):
    return client.post(url, data=body.encode("ascii"), content_type="application/json")


@pytest.mark.parametrize(("account", "url", "field"), JSON_WRITES, ids=[url for _, url, _ in JSON_WRITES])
def test_lone_surrogates_in_json_bodies_get_a_400_naming_the_field(fresh_world, account, url, field):
    client = fresh_world.client(account)
    with fresh_world.app.app_context():
        before = stored_state()
    response = _raw_json(client, fresh_world.url(url), SURROGATE_BODY.replace("{org}", fresh_world.ids["org"]))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["field"] in {"title", "description", "name", "message", "note", "decision", "reason_text"}
    assert f"« {error['field']} »" in error["message"]
    with fresh_world.app.app_context():
        assert stored_state() == before


def test_the_field_named_is_the_bad_one_even_nested(fresh_world):
    client = fresh_world.client("buyer")
    body = '{"title": "Un titre correct", "description": "ok", "sought_kinds": ["lab", "x\\udbff"]}'
    error = _raw_json(client, "/api/needs", body).get_json()["error"]
    assert error["field"] == "sought_kinds[1]"
    body = '{"title": "Un titre correct", "extra": {"deep": {"\\ud800key": 1}}}'
    error = _raw_json(client, "/api/needs", body).get_json()["error"]
    assert error["field"].startswith("extra.deep.") and "\\ud800" in error["field"]  # shown, escaped


POST_FORMS = sorted({(row.url, role) for row in ACCESS for role in ("buyer", "startup", "staff")
                     if row.method == "POST" and not row.url.startswith("/api/")
                     and getattr(row, role) not in (403, 404, "login")})


@pytest.mark.parametrize(("url", "role"), POST_FORMS, ids=[f"{u} {r}" for u, r in POST_FORMS])
def test_undecodable_bytes_in_every_form_get_a_400_naming_the_field(fresh_world, url, role):
    client = fresh_world.client(role)
    with fresh_world.app.app_context():
        before = stored_state()
    body = b"message=Bonjour&title=Titre+%ED%A0%80+surrogate&name=ok"
    response = client.post(fresh_world.url(url), data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, (url, role, response.status_code)
    page = response.get_data(as_text=True)
    assert "« title »" in page, page[:500]
    with fresh_world.app.app_context():
        assert stored_state() == before


def test_raw_invalid_bytes_in_query_strings_and_multipart_fields_are_refused(fresh_world):
    client = fresh_world.client("buyer")
    response = client.get("/api/search?q=%C3%28%A0%A1")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "q"
    assert "« region »" in client.get("/?q=ok&region=%FF").get_data(as_text=True)
    body = (b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nTitre \xed\xa0\x80\r\n'
            b'--b\r\nContent-Disposition: form-data; name="description"\r\n\r\nok\r\n--b--\r\n')
    response = client.post("/besoins/nouveau", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400 and "« title »" in response.get_data(as_text=True)


def test_valid_text_of_every_script_still_passes(fresh_world):
    client = fresh_world.client("buyer")
    title = "Besoin 😀 ✓ 日本語 עברית \u202e é"  # emoji (a surrogate pair in JSON), RTL, combining...
    response = client.post("/api/needs", json={"title": title, "description": "Une description."})
    assert response.status_code == 201 and response.get_json()["title"] == title
    assert client.post("/api/needs", data=json.dumps({"title": title, "description": "Texte."}),
                       content_type="application/json").status_code == 201  # \ud83d\ude00 escapes: a valid pair


# -- Hypothesis: lone surrogates and undecodable bytes anywhere in a body -----------------------------------

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
unencodable_text = st.builds(
    lambda head, bad, tail: head + bad + tail,
    st.text(max_size=20), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), st.text(max_size=20),
)
invalid_utf8 = st.binary(min_size=1, max_size=12).filter(lambda raw: not _decodes(raw))


def _decodes(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@SETTINGS
@given(field=st.sampled_from(["title", "description", "region", "deadline", "confidentiality"]),
       value=unencodable_text)
def test_any_lone_surrogate_in_a_need_gets_a_400(fresh_world, field, value):
    fresh_world.restore()
    body = {"title": "Caractérisation de biomatériaux", "description": "Une description complète.", field: value}
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as a \\udxxx escape, as a client would send it
    response = _raw_json(fresh_world.client("buyer"), "/api/needs", raw)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


@SETTINGS
@given(raw=invalid_utf8, field=st.sampled_from(["title", "description", "q", "name"]))
def test_any_undecodable_form_value_gets_a_400(fresh_world, raw, field):
    from urllib.parse import quote_from_bytes

    fresh_world.restore()
    body = f"{field}={quote_from_bytes(raw)}&other=ok".encode()
    response = fresh_world.client("buyer").post("/besoins/nouveau", data=body,
                                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and f"« {field} »" in response.get_data(as_text=True)


# -- over real HTTP ------------------------------------------------------------------------------------------


def test_http_json_and_form_writes_with_invalid_text_get_a_400(fresh_world):
    app = fresh_world.app
    cookie = _session_cookie(fresh_world, "buyer")
    with app.app_context():
        before = stored_state()
    with waitress_thread(app, threads=2) as port:
        status, body = _http(port, "/api/needs", SURROGATE_BODY.encode(), "application/json", cookie)
        assert status == 400 and json.loads(body)["error"]["field"] == "title"
        status, body = _http(port, "/besoins/nouveau", b"title=%ED%A0%80&description=x",
                             "application/x-www-form-urlencoded", cookie)
        assert status == 400 and "« title »" in body
    with app.app_context():
        assert stored_state() == before
        db.session.remove()


def _session_cookie(world, account: str) -> str:
    client = world.client(account)
    client.get("/")
    cookie = client.get_cookie(world.app.config.get("SESSION_COOKIE_NAME", "session"))
    return f"{cookie.key}={cookie.value}"


def _http(port: int, path: str, body: bytes, content_type: str, cookie: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", path, body=body, headers={"Content-Type": content_type, "Cookie": cookie})
    response = connection.getresponse()
    payload = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, payload


def test_importer_reports_lone_surrogates_on_their_row_and_stores_nothing(app):
    from matchmaker.models import Organisation
    from matchmaker.services.catalogue import import_profiles

    text = "Imagerie du petit animal, IRM et scanner, protocoles BPL."
    rows = [{"key": "x:ok", "name": "Laboratoire correct", "kind": "lab", "description_fr": text},
            {"key": "x:bad", "name": "Laboratoire \ud800", "kind": "lab", "description_fr": text}]
    with app.app_context():
        before = db.session.query(Organisation).count()
        report = import_profiles(db.session, json.dumps(rows).encode(), "membres.json")
        assert not report.stored and [error.line for error in report.errors] == [2]
        assert "« name »" in report.errors[0].reason
        assert db.session.query(Organisation).count() == before
