"""Results people can trust: need intent applied, thin profiles apart, readable evidence, strength, nonsense."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Evidence, Organisation
from matchmaker.ranking.intent import parse_intent
from matchmaker.services.catalogue import store_records
from matchmaker.services.search.service import is_supplier_search

TITANIUM = "Nous cherchons un sous-traitant pour l'usinage de pièces d'implants orthopédiques en titane"


def _record(key, name, kind, evidence):
    return {
        "key": key,
        "name": name,
        "kind": kind,
        "source": "test",
        "attributes": {},
        "links": [],
        "keywords": [],
        "certifications": [],
        "evidence": [
            {"key": f"{key}/{i}", "kind": k, "title": "", "text": t, "lang": "fr"} for i, (k, t) in enumerate(evidence)
        ],
    }


@pytest.fixture()
def titanium_catalogue(app):
    """A subcontractor whose evidence matches the titanium need, and thin companies matching it by name only."""
    records = [
        _record(
            "example:usinage",
            "Mécanique Alpine",
            "subcontractor",
            [
                ("directory_record", "Mécanique Alpine. Sous-traitant. Annecy"),
                (
                    "description",
                    "Usinage de précision de pièces d'implants orthopédiques en titane et en PEEK pour "
                    "fabricants de dispositifs médicaux ; décolletage et finition",
                ),
            ],
        ),
        _record(
            "example:thin1",
            "Titane Orthopédie Implants",
            "subcontractor",
            [("directory_record", "Titane Orthopédie Implants. Usinage de pièces. Lyon")],
        ),
        _record(
            "example:thin2",
            "ISO Med Dispositif",
            "manufacturer",
            [("directory_record", "ISO Med Dispositif. Fabricant. Paris")],
        ),
    ]
    with app.app_context():
        store_records(db.session, records)
        db.session.commit()
        app.extensions["matchmaker"].refresh(db.session)  # what the writer (or the background refresh) does
    return app


def test_thin_profiles_never_outrank_evidence_backed_ones_and_come_apart(titanium_catalogue, client):
    payload = client.get("/api/search", query_string={"q": TITANIUM, "limit": 20}).get_json()
    ranked = [r["organisation"]["key"] for r in payload["results"]]
    assert ranked[0] == "example:usinage"
    thin = [r["organisation"]["key"] for r in payload["thin_profiles"]]
    assert "example:thin1" in thin and "example:thin1" not in ranked
    assert all(r["sufficient_profile"] for r in payload["results"])
    assert all(not r["sufficient_profile"] and r["strength"] == "weak" for r in payload["thin_profiles"])
    page = client.get("/", query_string={"q": TITANIUM}).get_data(as_text=True)
    assert "Profils à compléter" in page and "Revendiquer et compléter cette fiche" in page
    assert page.index("Mécanique Alpine") < page.index("Profils à compléter") < page.index("Titane Orthopédie")


def test_a_generic_name_word_never_matches(titanium_catalogue, client):
    payload = client.get("/api/search", query_string={"q": "normes ISO du secteur médical", "limit": 50}).get_json()
    keys = [r["organisation"]["key"] for r in payload["results"] + payload["thin_profiles"]]
    assert "example:thin2" not in keys


def test_need_intent_is_applied_returned_and_correctable(titanium_catalogue, client):
    payload = client.get("/api/search", query_string={"q": TITANIUM, "limit": 20}).get_json()
    assert payload["intent"]["sought"] == "subcontracting"
    assert set(payload["intent"]["kinds"]) == {"subcontractor", "manufacturer"}
    assert {r["organisation"]["kind"] for r in payload["results"]} <= {"subcontractor", "manufacturer"}
    labs = client.get("/api/search", query_string={"q": TITANIUM, "intent": "expertise", "limit": 20}).get_json()
    assert labs["intent"]["corrected"] and labs["intent"]["kinds"] == ["lab", "platform"]
    assert {r["organisation"]["kind"] for r in labs["results"]} <= {"lab", "platform"}
    assert client.get("/api/search", query_string={"q": TITANIUM, "intent": "everything"}).status_code == 400
    page = client.get("/", query_string={"q": TITANIUM}).get_data(as_text=True)
    assert "Nous avons compris que vous cherchez" in page and "des sous-traitants et fabricants" in page
    assert 'id="see-labs"' in page and "intent=expertise" in page


def test_a_hospital_need_ranks_companies_and_start_ups_with_their_lab(client, app):
    payload = client.get(
        "/api/search", query_string={"q": "Notre hôpital cherche un dispositif médical de diagnostic", "limit": 20}
    ).get_json()
    assert payload["intent"]["sought"] == "product" and payload["intent"]["asker"] == "hospital"
    kinds = {r["organisation"]["kind"] for r in payload["results"]}
    assert kinds and not kinds & {"lab", "platform", "buyer", "outside_health"}
    with app.app_context():
        linked = db.session.scalars(
            select(Organisation).where(Organisation.kind == "startup", Organisation.links.any())
        ).first()
        query = linked.description_fr[:300]
        lab = db.session.scalar(select(Organisation).where(Organisation.key == linked.links[0].to_key))
    found = client.get("/api/search", query_string={"q": query, "kind": "startup", "limit": 5}).get_json()
    hit = next(r for r in found["results"] if r["organisation"]["key"] == linked.key)
    assert {"key": lab.key, "name": lab.name} in hit["origin_labs"]
    page = client.get("/", query_string={"q": query, "kind": "startup"}).get_data(as_text=True)
    assert "Issue du laboratoire" in page


@pytest.mark.parametrize("query", ["!!!???...", "?!", "--- ///"])
def test_nonsense_gets_no_ranking_and_the_no_strong_match_state(client, query):
    payload = client.get("/api/search", query_string={"q": query}).get_json()
    assert payload["results"] == [] and payload["thin_profiles"] == []
    assert payload["ranked"] is False and payload["strong_match"] is False
    page = client.get("/", query_string={"q": query}).get_data(as_text=True)
    assert "Aucune correspondance forte" in page
    assert 'class="results-list"' not in page


def test_no_stem_list_is_ever_rendered(app, client):
    with app.app_context():
        anr = db.session.scalars(select(Evidence).where(Evidence.kind == "funded_projects")).all()
        assert anr and all(e.text.startswith("Projets financés par l'ANR, comités d'évaluation") for e in anr)
        assert not db.session.scalars(select(Evidence).where(Evidence.text.like("%Thèmes :%"))).first()
        lab_key = db.session.scalar(select(Organisation.key).where(Organisation.id == anr[0].organisation_id))
    query = {"q": "recherche translationnelle en santé", "kind": "lab"}
    payload = client.get("/api/search", query_string=query).get_json()
    quoted = [e["text"] for r in payload["results"] for e in r["evidence"]]
    assert quoted and not any("Thèmes" in text for text in quoted)
    # committee titles are quoted as a readable list, never as a run of bare stems
    assert all(not re.search(r"\b(?:[a-z]+ ){12,}", text) or "," in text or ";" in text for text in quoted)
    page = client.get(f"/organisations/{lab_key}").get_data(as_text=True)
    assert "Thèmes :" not in page and "comités d" in page


@pytest.mark.xfail(
    strict=True,
    reason="since the candidate-bounded search (issue 15), a profile imported after the index was built is not "
    "reached by the first stage of a large pool (all start-ups): it is never ranked; to fix in the scale work",
)
def test_hidden_evidence_ranks_but_is_never_quoted(app, client):
    """Machine text (HIDDEN_KINDS) may feed the ranking of an imported profile; it is never shown."""
    records = [_record("example:hidden", "Orthèse Connectée", "startup", [
        ("description", "Orthèse de genou connectée pour la rééducation"),
        ("funded_topics", "alkali aztec calendar capacitor coal cochlea titan tympan vanadium"),
    ])]
    with app.app_context():
        store_records(db.session, records)
        db.session.commit()
    query = {"q": "orthèse de genou titan vanadium", "kind": "startup"}
    payload = client.get("/api/search", query_string=query).get_json()
    hit = next(r for r in payload["results"] if r["organisation"]["key"] == "example:hidden")
    assert all("vanadium" not in e["text"] for e in hit["evidence"])
    assert "vanadium" not in client.get("/organisations/example:hidden").get_data(as_text=True)
    evidence = client.get("/api/organisations/example:hidden").get_json()["evidence"]
    assert [e["kind"] for e in evidence] == ["description"]


def test_strength_bands_replace_percent_of_best(client):
    payload = client.get("/api/search", query_string={"q": "anticorps thérapeutiques contre le cancer"}).get_json()
    assert {r["strength"] for r in payload["results"]} <= {"strong", "possible", "weak"}
    confidences = [r["confidence"] for r in payload["results"]]
    assert all(c is None or 0.0 <= c <= 1.0 for c in confidences)
    page = client.get("/", query_string={"q": "anticorps thérapeutiques contre le cancer"}).get_data(as_text=True)
    assert "Correspondance" in page and "Pertinence" not in page


def test_profile_says_where_kind_and_region_come_from(app, client):
    with app.app_context():
        company = db.session.scalars(select(Organisation).where(Organisation.key.like("eudamed:%"))).first()
        company_key = company.key
    profile = client.get(f"/api/organisations/{company_key}").get_json()
    assert profile["kind_source"] == "fabricant enregistré dans EUDAMED"
    assert "d'après : fabricant enregistré dans EUDAMED" in client.get(f"/organisations/{company_key}").get_data(
        as_text=True)


def test_certifications_the_need_requires_are_checked_on_each_result(titanium_catalogue, client):
    with titanium_catalogue.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == "example:usinage"))
        org.certifications = ["ISO 13485"]
        db.session.commit()
    payload = client.get("/api/search", query_string={"q": TITANIUM + " certifié ISO 13485"}).get_json()
    first = payload["results"][0]
    assert first["organisation"]["key"] == "example:usinage"
    assert first["certifications_met"] == [{"certification": "ISO 13485", "met": True}]
    assert any(r["certifications_met"] == [{"certification": "ISO 13485", "met": False}] for r in payload["results"])
    page = client.get("/", query_string={"q": TITANIUM + " certifié ISO 13485"}).get_data(as_text=True)
    assert "ISO 13485 : déclarée ou citée" in page and "ISO 13485 : non déclarée" in page


def test_only_needs_for_companies_and_start_ups_are_supplier_searches():
    assert is_supplier_search(parse_intent("Fourniture de pansements et compresses stériles pour le bloc").kinds)
    assert is_supplier_search(("manufacturer", "distributor"))
    assert not is_supplier_search(parse_intent("Quel laboratoire travaille sur l'imagerie du cerveau ?").kinds)
    assert not is_supplier_search(("startup", "lab")) and not is_supplier_search(())
