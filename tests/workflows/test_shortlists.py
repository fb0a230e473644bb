"""Shortlists through the test client: save from a need, annotate, export CSV safely, keep them private."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organisation, Shortlist
from matchmaker.services.shortlists import escape_csv_cell


def _new_list(client, name: str = "Laboratoires à contacter") -> str:
    response = client.post("/listes/nouvelle", data={"name": name})
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_buyer_saves_organisations_from_a_need_annotates_and_exports(login, make_need, app, org_key):
    public_id = make_need(status="validated")
    client = login("buyer")
    need_page = client.get(f"/besoins/{public_id}").get_data(as_text=True)
    assert 'action="/listes/ajouter"' in need_page

    lab, platform = org_key("lab"), org_key("platform")
    back = f"/besoins/{public_id}"
    first = client.post("/listes/ajouter", data={"organisation": lab, "new_name": "Biomatériaux", "need": public_id,
                                                 "next": back})
    assert first.status_code == 302 and first.headers["Location"].endswith(back)
    with app.app_context():
        shortlist = db.session.scalar(select(Shortlist).where(Shortlist.name == "Biomatériaux"))
        list_id = shortlist.public_id
        assert shortlist.need.public_id == public_id
    client.post("/listes/ajouter", data={"organisation": platform, "shortlist": list_id, "next": back})
    duplicate = client.post("/listes/ajouter", data={"organisation": lab, "shortlist": list_id}, follow_redirects=True)
    assert "déjà dans la liste" in duplicate.get_data(as_text=True)

    page = client.get(f"/listes/{list_id}").get_data(as_text=True)
    assert "Exporter en CSV" in page
    with app.app_context():
        entries = db.session.scalar(select(Shortlist).where(Shortlist.public_id == list_id)).entries
        entry_ids = [e.id for e in entries]
        names = [e.organisation.name for e in entries]
    note = "=HYPERLINK(\"http://evil.example\",\"clic\") à rappeler"
    assert client.post(f"/listes/{list_id}/entrees/{entry_ids[0]}/note", data={"note": note}).status_code == 302
    client.post(f"/listes/{list_id}/entrees/{entry_ids[1]}/note", data={"note": "@SUM(1+1)\nsecond line"})

    export = client.get(f"/listes/{list_id}/export.csv")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["rang", "organisation"]
    assert [row[1] for row in rows[1:]] == names
    assert rows[1][8] == "'" + note
    assert rows[2][8] == "'@SUM(1+1)\nsecond line"

    assert client.post(f"/listes/{list_id}/entrees/{entry_ids[1]}/retirer").status_code == 302
    with app.app_context():
        assert len(db.session.scalar(select(Shortlist).where(Shortlist.public_id == list_id)).entries) == 1


def test_csv_cells_starting_a_formula_are_neutralised():
    for dangerous in ("=1+1", "+33 1 23", "-2", "@cmd", "\tTAB", "\rCR"):
        assert escape_csv_cell(dangerous) == "'" + dangerous
    for safe in ("Laboratoire", "1+1", "", None, 3, "a=b"):
        assert not escape_csv_cell(safe).startswith("'")


def test_organisation_names_are_escaped_in_the_export(login, app, org_key):
    key = org_key("startup")
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.key == key))
        org.name = "=cmd|' /C calc'!A0"
        org.website = "+https://example.org"
        db.session.commit()
    client = login("startup")
    list_id = _new_list(client)
    client.post("/listes/ajouter", data={"organisation": key, "shortlist": list_id})
    text = client.get(f"/listes/{list_id}/export.csv").get_data(as_text=True)
    row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1]
    assert row[1] == "'=cmd|' /C calc'!A0" and row[6] == "'+https://example.org"


def test_shortlists_are_private(login, org_key):
    owner = login("buyer")
    list_id = _new_list(owner)
    owner.post("/listes/ajouter", data={"organisation": org_key("lab"), "shortlist": list_id})
    other = login("buyer2")
    assert other.get(f"/listes/{list_id}").status_code == 404
    assert other.get(f"/listes/{list_id}/export.csv").status_code == 404
    assert other.post(f"/listes/{list_id}/supprimer").status_code == 404
    assert other.post(f"/listes/{list_id}/entrees/1/note", data={"note": "x"}).status_code == 404
    sneaky = other.post("/listes/ajouter", data={"organisation": org_key("platform"), "shortlist": list_id},
                        follow_redirects=True)
    assert "n&#39;existe pas" in sneaky.get_data(as_text=True) or "n'existe pas" in sneaky.get_data(as_text=True)
    assert "Laboratoires à contacter" not in other.get("/listes/").get_data(as_text=True)
    assert login("staff").get("/listes/").status_code == 403
    assert login(None).get(f"/listes/{list_id}").status_code == 302


def test_shortlist_name_is_validated_and_list_can_be_deleted(login, app):
    client = login("buyer")
    assert client.post("/listes/nouvelle", data={"name": ""}).status_code == 400
    assert client.post("/listes/nouvelle", data={"name": "x" * 200}).status_code == 400
    list_id = _new_list(client, "À supprimer")
    assert client.post(f"/listes/{list_id}/supprimer").status_code == 302
    assert client.get(f"/listes/{list_id}").status_code == 404


def test_open_redirects_are_refused_after_saving(login, org_key):
    client = login("buyer")
    list_id = _new_list(client)
    response = client.post("/listes/ajouter", data={"organisation": org_key("lab"), "shortlist": list_id,
                                                    "next": "//evil.example/x"})
    assert response.headers["Location"].endswith("/listes/")
