"""Search page and JSON API through Flask's test client, on a real catalogue slice."""

from __future__ import annotations

from matchmaker.extensions import db
from matchmaker.services.catalogue import import_profiles


def test_home_page_without_query_shows_the_form(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'name="q"' in response.data


def test_search_page_lists_ranked_organisations_with_evidence(client):
    response = client.get("/", query_string={"q": "anticorps thérapeutiques contre le cancer"})
    assert response.status_code == 200
    assert response.data.count(b"/organisations/") >= 5
    assert b"<mark>" in response.data


def test_search_escapes_html_in_the_query(client):
    response = client.get("/", query_string={"q": "<script>alert(1)</script> cancer"})
    assert b"<script>alert(1)</script>" not in response.data


def test_api_search_returns_ranked_json_with_parts_and_passages(client):
    response = client.get("/api/search", query_string={"q": "microfluidique diagnostic", "limit": 5})
    assert response.status_code == 200
    payload = response.get_json()
    results = payload["results"]
    assert 1 <= len(results) <= 5
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
    scores = [r["score"] for r in results if r["score"] is not None]
    assert scores == sorted(scores, reverse=True)
    first = results[0]
    assert set(first["score_parts"]) >= {"lexical", "dense"}
    assert first["organisation"]["key"] and first["organisation"]["kind"]
    assert first["evidence"] and first["evidence"][0]["text"]


def test_api_kind_and_region_filters_are_applied(client):
    response = client.get("/api/search", query_string={"q": "laboratoire", "kind": "lab", "limit": 50})
    kinds = {r["organisation"]["kind"] for r in response.get_json()["results"]}
    assert kinds == {"lab"}
    response = client.get(
        "/api/search", query_string={"q": "recherche", "region": "ile-de-france", "limit": 50}
    )
    regions = {r["organisation"]["region"] for r in response.get_json()["results"]}
    assert regions == {"Île-de-France"}


def test_api_near_region_is_a_soft_prior_not_a_filter(client):
    params = {"q": "recherche biomédicale", "limit": 30}
    text_only = client.get("/api/search", query_string=params).get_json()
    near = client.get("/api/search", query_string={**params, "near_region": "ile-de-france"}).get_json()
    assert text_only["context"] == {"near_region": None} and near["context"] == {"near_region": "Île-de-France"}
    regions = [r["organisation"]["region"] for r in near["results"]]
    assert "Île-de-France" in regions and set(regions) != {"Île-de-France"}  # others are still ranked
    for result in near["results"]:
        same = result["organisation"]["region"] == "Île-de-France"
        assert result["score_parts"]["same_region"] == (1.0 if same else 0.0)
    assert all("same_region" not in r["score_parts"] for r in text_only["results"])
    bad = client.get("/api/search", query_string={**params, "near_region": "Atlantis"})
    assert bad.status_code == 400 and "Région inconnue" in bad.get_json()["error"]["message"]
    page = client.get("/", query_string={"q": "recherche biomédicale", "near_region": "Île-de-France"})
    assert page.status_code == 200 and "même région" in page.get_data(as_text=True)


def test_api_pagination_does_not_repeat_results(client):
    first = client.get("/api/search", query_string={"q": "cellules", "limit": 5}).get_json()
    second = client.get("/api/search", query_string={"q": "cellules", "limit": 5, "offset": 5}).get_json()
    keys_first = {r["organisation"]["key"] for r in first["results"]}
    keys_second = {r["organisation"]["key"] for r in second["results"]}
    assert keys_first and keys_second and not keys_first & keys_second
    assert second["results"][0]["rank"] == 6


def test_api_rejects_bad_requests_with_clear_4xx(client):
    cases = [
        ({"q": ""}, "vide"),
        ({"q": "x" * 5000}, "trop longue"),
        ({"q": "x", "kind": "spaceship"}, "inconnu"),
        ({"q": "x", "region": "Atlantis"}, "Région inconnue"),
        ({"q": "x", "limit": "abc"}, "entiers"),
        ({"q": "x", "limit": "100000"}, "limit"),
        ({"q": "x", "colour": "blue"}, "colour"),
    ]
    for params, expected in cases:
        response = client.get("/api/search", query_string=params)
        assert response.status_code == 400, params
        assert expected in response.get_json()["error"]["message"], params


def test_search_page_shows_validation_error_next_to_form(client):
    response = client.get("/", query_string={"q": "   "})
    assert response.status_code == 400
    assert b"vide" in response.data


def test_organisation_page_and_api_show_profile_and_evidence(client):
    hit = client.get("/api/search", query_string={"q": "cancer", "kind": "lab", "limit": 1}).get_json()["results"][0]
    key = hit["organisation"]["key"]
    page = client.get(f"/organisations/{key}")
    assert page.status_code == 200
    detail = client.get(f"/api/organisations/{key}").get_json()
    assert detail["key"] == key and detail["evidence"]
    assert client.get("/organisations/rnsr:doesnotexist").status_code == 404
    assert client.get("/api/organisations/rnsr:doesnotexist").status_code == 404


def test_imported_profile_becomes_searchable_without_manual_rebuild(app, client):
    csv = (
        "key,name,kind,description_fr\n"
        "example:zyg,Zygomatique Implants,subcontractor,Fabrication additive d'implants zygomatiques en titane\n"
    )
    with app.app_context():
        assert import_profiles(db.session, csv.encode(), "f.csv").stored  # e.g. the `import` command
        app.extensions["matchmaker"].refresh(db.session)  # what the server's background refresh then does
    results = client.get("/api/search", query_string={"q": "implants zygomatiques", "limit": 3}).get_json()["results"]
    assert results[0]["organisation"]["key"] == "example:zyg"


def test_health_endpoint(client):
    payload = client.get("/api/health").get_json()
    assert payload["status"] == "ok" and payload["index"] == "ready"


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_saved_curation_reranker_reorders_search_results(app, client):
    from matchmaker.ranking import Match
    from matchmaker.ranking.reranker import CurationReranker, feature_row

    params = {"q": "cancer immunothérapie anticorps", "limit": 10}
    before = [r["organisation"]["key"] for r in client.get("/api/search", query_string=params).get_json()["results"]]
    # Staff kept the matches whose lexical part was low and rejected the others: the model learns to invert it.
    rows = [feature_row(Match(org_id=str(i), score=0.0, parts={"lexical": float(i % 7)})) for i in range(40)]
    labels = [1 if i % 7 < 3 else 0 for i in range(40)]
    CurationReranker(min_labels=10).fit(rows, labels).save(app.config["MODELS_DIR"] / "reranker.json")
    after = client.get("/api/search", query_string=params).get_json()["results"]
    assert "curation" in after[0]["score_parts"]
    assert [r["organisation"]["key"] for r in after] != before

    # pages are cut from one re-ranked window: they neither overlap nor skip
    pages = [
        client.get("/api/search", query_string={**params, "limit": 5, "offset": offset}).get_json()["results"]
        for offset in (0, 5)
    ]
    assert [r["organisation"]["key"] for page in pages for r in page] == [r["organisation"]["key"] for r in after]


def test_kind_and_certification_named_in_the_need_are_suggested_not_applied(app, client):
    csv = (
        "key,name,kind,description_fr,certifications\n"
        "example:usinage,Usinage Précis,subcontractor,Usinage de pièces d'implants orthopédiques en titane,ISO 13485\n"
    )
    with app.app_context():
        assert import_profiles(db.session, csv.encode(), "f.csv").stored
        app.extensions["matchmaker"].refresh(db.session)
    need = "Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces d'implants"
    payload = client.get("/api/search", query_string={"q": need, "limit": 20}).get_json()
    suggested = payload["suggested_filters"]
    assert [s["value"] for s in suggested["kind"]] == ["subcontractor"]
    assert suggested["certification"] == [{"value": "ISO 13485", "organisations": 1}]
    assert {r["organisation"]["kind"] for r in payload["results"]} != {"subcontractor"}  # nothing applied

    page = client.get("/", query_string={"q": need}).get_data(as_text=True)
    assert "Votre besoin mentionne" in page and "certification=ISO+13485" in page and "kind=subcontractor" in page
    filtered = client.get(
        "/api/search", query_string={"q": need, "certification": "ISO 13485", "kind": "subcontractor"}
    ).get_json()
    assert [r["organisation"]["key"] for r in filtered["results"]] == ["example:usinage"]
    assert filtered["suggested_filters"] == {"kind": [], "certification": []}


def test_no_suggestion_for_a_need_that_names_no_constraint_or_an_absent_one(client):
    payload = client.get("/api/search", query_string={"q": "anticorps contre le cancer du sein"}).get_json()
    assert payload["suggested_filters"] == {"kind": [], "certification": []}
    # nobody in the catalogue declares HDS: suggesting it would lead to an empty page
    payload = client.get("/api/search", query_string={"q": "hébergeur HDS pour données de santé"}).get_json()
    assert payload["suggested_filters"]["certification"] == []
    assert "Votre besoin mentionne" not in client.get("/", query_string={"q": "anticorps"}).get_data(as_text=True)
