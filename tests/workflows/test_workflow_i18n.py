"""The workflow pages are French by default and English on request."""

from __future__ import annotations


def test_workflow_pages_in_french_and_english(login, make_need):
    public_id = make_need(status="validated")
    buyer = login("buyer")
    french = buyer.get("/besoins/nouveau").get_data(as_text=True)
    assert "Déposer un besoin" in french and "Enregistrer le brouillon" in french
    english = buyer.get("/besoins/nouveau?lang=en").get_data(as_text=True)
    assert "Post a need" in english and "Save the draft" in english and "Enregistrer le brouillon" not in english
    detail = buyer.get(f"/besoins/{public_id}").get_data(as_text=True)
    assert "Organisations ranked for this need" in detail and "Request an introduction" in detail
    staff = login("staff")
    queue = staff.get("/equipe/?lang=en").get_data(as_text=True)
    assert "Review queue" in queue and "Approved needs to select for" in queue
