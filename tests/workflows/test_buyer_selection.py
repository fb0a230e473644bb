"""A buyer sees the team's published selection; the engine's other organisations, shown below it, never include
one that staff rejected for this need (page and API, every page of results, with or without filters).
"""

from __future__ import annotations

import re

from matchmaker.extensions import db
from tests.support.workflows import need_row


def _ordered(public_id: str):
    return sorted(need_row(public_id).suggestions, key=lambda s: s.position)


def _organisation_links(html: str) -> list[str]:
    return re.findall(r'href="/organisations/([^"]+)"', html)


def _curate(login, app, public_id: str) -> tuple[str, str]:
    """Staff reject the engine's first suggestion as off-topic, accept the second and publish; return both keys."""
    with app.app_context():
        first, second = _ordered(public_id)[:2]
        rejected, accepted = first.organisation.key, second.organisation.key
        ids = first.id, second.id
    staff = login("staff")
    base = f"/equipe/besoins/{public_id}/suggestions"
    staff.post(f"{base}/{ids[0]}/decision", data={"decision": "reject", "reason_category": "off_topic"})
    staff.post(f"{base}/{ids[1]}/decision", data={"decision": "accept"})
    assert staff.post(f"/equipe/besoins/{public_id}/publier").status_code == 302
    return rejected, accepted


def test_the_buyer_page_never_shows_a_rejected_organisation(login, make_need, app):
    public_id = make_need(status="validated")
    rejected, accepted = _curate(login, app, public_id)
    buyer = login("buyer")
    html = buyer.get(f"/besoins/{public_id}").get_data(as_text=True)
    links = _organisation_links(html)
    assert rejected not in links, "a rejected organisation is shown to the buyer"
    assert links[0] == accepted  # the selection comes first
    selection = html[html.index('id="selection-title"'):html.index('id="matches-title"')]
    assert accepted in selection
    assert "Autres organisations trouvées par le moteur" in html
    for query in ("?offset=20", "?kind=lab", "?kind=lab&kind=platform&kind=subcontractor&kind=service_provider"):
        assert rejected not in _organisation_links(buyer.get(f"/besoins/{public_id}{query}").get_data(as_text=True))


def test_the_matches_api_never_returns_a_rejected_organisation(login, make_need, app):
    public_id = make_need(status="validated")
    rejected, accepted = _curate(login, app, public_id)
    for account in ("buyer", "staff"):
        payload = login(account).get(f"/api/needs/{public_id}/matches?limit=50").get_json()
        returned = [r["organisation"]["key"] for r in payload["results"]]
        assert rejected not in returned and accepted not in returned  # the selection is listed apart
        assert [s["organisation"]["key"] for s in payload["selection"]] == [accepted]


def test_before_publication_the_engine_list_already_leaves_rejections_out(login, make_need, app):
    public_id = make_need(status="validated")
    with app.app_context():
        first = _ordered(public_id)[0]
        rejected, suggestion_id = first.organisation.key, first.id
    login("staff").post(f"/equipe/besoins/{public_id}/suggestions/{suggestion_id}/decision",
                        data={"decision": "reject", "reason_category": "off_topic"})
    html = login("buyer").get(f"/besoins/{public_id}").get_data(as_text=True)
    assert rejected not in _organisation_links(html)
    assert "L'équipe du réseau prépare sa sélection" in html.replace("&#39;", "'")


def test_a_suggestion_accepted_again_comes_back(login, make_need, app):
    public_id = make_need(status="validated")
    with app.app_context():
        first = _ordered(public_id)[0]
        key, suggestion_id = first.organisation.key, first.id
    staff = login("staff")
    url = f"/equipe/besoins/{public_id}/suggestions/{suggestion_id}/decision"
    staff.post(url, data={"decision": "reject", "reason_category": "off_topic"})
    staff.post(url, data={"decision": "accept"})
    with app.app_context():
        assert need_row(public_id).suggestions and db.session is not None
    assert key in _organisation_links(login("buyer").get(f"/besoins/{public_id}").get_data(as_text=True))
