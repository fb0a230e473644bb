"""Words users read: importer-built evidence titles with correct plurals in French and English, API error
bodies (401, 405, 413, 415) in the reader's language, readable error titles, and an unknown certification
refused like an unknown kind.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from matchmaker.catalogue.titles import evidence_title
from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation

TITLES = [
    ("1 projets financés par l'ANR (2010-2022)", "1 projet financé par l'ANR (2010-2022)",
     "1 project funded by the ANR (2010-2022)"),
    ("3 projets financés par l'ANR (2010-2022)", "3 projets financés par l'ANR (2010-2022)",
     "3 projects funded by the ANR (2010-2022)"),
    ("Start-up issue du laboratoire : ACME (i-Lab 2015)", "Start-up issue du laboratoire : ACME (i-Lab 2015)",
     "Start-up from the lab: ACME (i-Lab 2015)"),
    ("1 dispositifs déclarés (EMDN)", "1 dispositif déclaré (EMDN)", "1 device registered (EMDN)"),
    ("Projet lauréat i-Lab 2019", "Projet lauréat i-Lab 2019", "i-Lab winning project 2019"),
    ("Marché public remporté (CHU NANTES)", "Marché public remporté (CHU NANTES)", "Public contract won (CHU NANTES)"),
    ("Achat public notifié le 2021-03-04", "Achat public notifié le 2021-03-04",
     "Public purchase notified on 2021-03-04"),
    ("Fiche RNSR", "Fiche RNSR", "RNSR record"),
    ("Enregistrement EUDAMED", "Enregistrement EUDAMED", "EUDAMED registration"),
    ("Registre Transparence Santé", "Registre Transparence Santé", "Transparence Santé register"),
    ("Une note écrite par l'équipe", "Une note écrite par l'équipe", "Une note écrite par l'équipe"),
]


@pytest.mark.parametrize(("stored", "french", "english"), TITLES, ids=[t[0] for t in TITLES])
def test_importer_titles_read_right_in_both_languages(app, stored, french, english):
    with app.test_request_context("/?lang=fr"):
        assert evidence_title(stored) == french
    with app.test_request_context("/?lang=en"):
        assert evidence_title(stored) == english


def test_profile_pages_and_api_show_translated_titles(app, client):
    with app.app_context():
        evidence = db.session.scalar(select(Evidence).where(Evidence.title.like("%projets financés par l'ANR%")))
        evidence.title = "1 projets financés par l'ANR (2010-2022)"
        key = db.session.get(Organisation, evidence.organisation_id).key
        db.session.commit()
    french = client.get(f"/organisations/{key}").get_data(as_text=True)
    assert "1 projet financé par l&#39;ANR" in french or "1 projet financé par l'ANR" in french
    assert "1 projets financés" not in french
    english = client.get(f"/organisations/{key}?lang=en").get_data(as_text=True)
    assert "1 project funded by the ANR" in english
    api = client.get(f"/api/organisations/{key}?lang=en").get_json()
    assert "1 project funded by the ANR (2010-2022)" in [e["title"] for e in api["evidence"]]


def _error(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.get_json()["error"]


def test_api_http_errors_are_in_the_readers_language(client, auth, users):
    french = _error(client.get("/api/needs"))
    assert french["status"] == 401 and "connectez-vous" in french["message"].lower()
    assert french["title"] != "Unauthorized"
    english = _error(client.get("/api/needs", headers={"Accept-Language": "en"}))
    assert english["title"] == "Sign-in required" and "log in" in english["message"].lower()
    auth.login(users["buyer"])
    not_allowed = _error(client.delete("/api/needs"))
    assert not_allowed["status"] == 405 and not_allowed["title"] == "Méthode non autorisée"
    assert "GET" in not_allowed["message"] and "POST" in not_allowed["message"]
    media = _error(client.post("/api/needs", data="title=x", content_type="text/plain"))
    assert media["status"] == 415 and "application/json" in media["message"]
    media_en = _error(client.post("/api/needs?lang=en", data="x", content_type="text/plain"))
    assert media_en["title"] == "Unsupported media type"
    too_big = client.application.config["MAX_CONTENT_LENGTH"] + 1
    large = _error(client.post("/api/needs?lang=fr", data=b"x" * too_big, content_type="application/json"))
    assert large["status"] == 413 and "Mo" in large["message"]


def test_error_titles_are_words_not_class_names(client):
    error = _error(client.get("/api/search?q="))
    assert error["title"] == "Requête invalide" and error["field"] == "q"
    assert _error(client.get("/api/search?q=&lang=en"))["title"] == "Invalid request"
    missing = _error(client.get("/api/organisations/nope:1?lang=fr"))  # the previous ?lang=en stuck
    assert missing["title"] == "Introuvable"
    page = client.get("/organisations/nope:1").get_data(as_text=True)
    assert not re.search(r"\b(NotFound|InvalidQuery|Forbidden|Conflict|InvalidText)\b", page)


def test_an_unknown_certification_is_refused_like_an_unknown_kind(client):
    kind = client.get("/api/search?q=usinage&kind=spaceship")
    certification = client.get("/api/search?q=usinage&certification=ISO%2099999")
    assert kind.status_code == certification.status_code == 400
    error = _error(certification)
    assert error["field"] == "certification" and "ISO 99999" in error["message"]
    assert client.get("/api/search?q=usinage&certification=ISO%2013485").status_code == 200
    assert client.get("/?q=usinage&certification=nope").status_code == 400
