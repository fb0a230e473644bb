"""Service errors are French by default and follow the language the request asks for (lang, session, browser)."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from matchmaker.catalogue.importing import parse_profiles
from matchmaker.errors import Conflict, InvalidQuery, MatchmakerError, NotFound
from matchmaker.extensions import db
from matchmaker.models import ImportRun, Shortlist
from matchmaker.services.catalogue import import_profiles
from matchmaker.services.search import parse_search_request

BAD_TITLE_FR = "Le titre doit faire entre 3 et 200 caractères."
BAD_TITLE_EN = "The title must be between 3 and 200 characters long."


def test_lazy_message_is_a_french_str_outside_any_app_context():
    error = MatchmakerError(_l("Le titre doit faire entre 3 et 200 caractères."), field="title")
    assert type(error.message) is str and error.message == BAD_TITLE_FR
    assert str(error) == BAD_TITLE_FR and error.field == "title"
    with_values = InvalidQuery(_l("Rôle inconnu : %(role)s.", role="pirate"))
    assert type(with_values.message) is str and with_values.message == "Rôle inconnu : pirate."
    assert MatchmakerError("déjà une chaîne").message == "déjà une chaîne"
    missing = NotFound(_l("Cette liste n'existe pas."), field="shortlist")
    assert missing.status_code == 404 and missing.message == "Cette liste n'existe pas."
    with pytest.raises(InvalidQuery, match="limit doit être entre 1 et 50") as raised:
        parse_search_request("x", limit="0", max_results=50, max_chars=500)
    assert type(raised.value.message) is str and raised.value.field == "limit"
    rows = parse_profiles(b"name,kind\nA,lab\nB,spaceship\n", "f.csv").errors
    assert [type(row.reason) for row in rows] == [str, str]
    assert rows[1].reason.startswith("type inconnu 'spaceship'")


def test_one_error_renders_in_each_context_language(app):
    error = Conflict(_l("%(n)d listes au plus par compte.", n=200))
    with app.app_context():  # CLI commands: an app context but no request
        assert error.message == "200 listes au plus par compte."
    with app.test_request_context("/?lang=en"):
        assert error.message == "200 lists at most per account."
    with app.test_request_context("/", headers={"Accept-Language": "en-GB,en;q=0.8"}):
        assert error.message == "200 lists at most per account."
    with app.test_request_context("/"):
        assert error.message == "200 listes au plus par compte."


def test_json_api_errors_follow_the_requested_language(login):
    french = login("buyer").post("/api/needs", json={"title": "x", "description": "Un besoin."})
    assert french.status_code == 400 and french.json["error"]["message"] == BAD_TITLE_FR

    browser = login("buyer")
    english = browser.post("/api/needs", json={"title": "x", "description": "A need."},
                           headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.status_code == 400 and english.json["error"]["message"] == BAD_TITLE_EN
    missing = browser.get("/api/needs/nope", headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and missing.json["error"]["message"] == "This need does not exist."
    assert login("buyer").get("/api/needs/nope").json["error"]["message"] == "Ce besoin n'existe pas."

    client = login(None)
    limit_fr = client.get("/api/search", query_string={"q": "cellules", "limit": 0})
    assert limit_fr.status_code == 400 and limit_fr.json["error"]["message"] == "limit doit être entre 1 et 100."
    limit_en = client.get("/api/search", query_string={"q": "cellules", "limit": 0, "lang": "en"})
    assert limit_en.status_code == 400 and limit_en.json["error"]["message"] == "limit must be between 1 and 100."


def test_flashed_and_page_errors_follow_the_requested_language(login, app, org_key):
    french, english = login("buyer"), login("buyer")
    assert french.post("/listes/nouvelle", data={"name": "Laboratoires"}).status_code == 302
    with app.app_context():
        list_id = db.session.scalar(select(Shortlist.public_id).where(Shortlist.name == "Laboratoires"))
    add = {"organisation": org_key("lab"), "shortlist": list_id}
    assert french.post("/listes/ajouter", data=add).status_code == 302

    # The service raises Conflict; the view flashes exc.message, rendered on the next page.
    page = french.post("/listes/ajouter", data=add, follow_redirects=True).get_data(as_text=True)
    assert "Cette organisation est déjà dans la liste." in page
    page = english.post("/listes/ajouter?lang=en", data=add, follow_redirects=True).get_data(as_text=True)
    assert "This organisation is already in the list." in page and "déjà dans la liste" not in page

    # A service NotFound rendered as an error page, in the language remembered in the session.
    not_found = english.get("/listes/nope")
    assert not_found.status_code == 404 and "This list does not exist." in not_found.get_data(as_text=True)
    assert "Cette liste n'existe pas." in html.unescape(french.get("/listes/nope").get_data(as_text=True))


def test_import_row_errors_are_stored_as_plain_french_text(app):
    data = "name,kind,description_fr\nLabo des tests,lab,Essais mécaniques\nB,spaceship,Essais\n".encode()
    with app.app_context():  # `flask import` runs here: no request, so French
        report = import_profiles(db.session, data, "livret.csv", skip_invalid=True)
        assert report.stored and [type(error.reason) for error in report.errors] == [str]
        run = db.session.scalar(select(ImportRun).where(ImportRun.filename == "livret.csv"))
        assert [type(row["reason"]) for row in run.report] == [str]
        assert run.report[0]["reason"].startswith("type inconnu 'spaceship'")


def test_english_catalogue_translates_every_message_with_the_same_placeholders():
    from babel.messages.pofile import read_po

    from matchmaker.config import PROJECT_ROOT

    path = PROJECT_ROOT / "matchmaker" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    placeholders = re.compile(r"%\(\w+\)[sd]")
    messages = [message for message in catalogue if message.id]
    assert [m.id for m in messages if not m.string or m.fuzzy] == []
    assert [m.id for m in messages if isinstance(m.id, str)
            and sorted(placeholders.findall(m.id)) != sorted(placeholders.findall(m.string))] == []
