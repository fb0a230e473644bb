"""Staff curation cards explain a suggestion the way the search does: the same quoted passages, the strength,
the reasons (must-haves met or not, engine rank), and the raw score parts only behind a "détails" toggle, with
human labels and an explanation of negative values. No internal feature name is ever shown.
"""

from __future__ import annotations

import re
from html import unescape

from tests.support.workflows import need_row

FEATURE_NAME = re.compile(r"\b(?:lexical|cosine|dense|hybrid|prior)_[a-z_]+\b")


def _cards(html: str) -> dict[str, str]:
    """Return each suggestion card's HTML by organisation key."""
    cards = {}
    for block in re.split(r'<li id="suggestion-', html)[1:]:
        key = re.search(r'href="/organisations/([^"]+)"', block).group(1)
        cards[key] = block
    return cards


def _visible_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_cards_quote_the_same_passages_as_the_search(login, make_need, app):
    public_id = make_need(status="validated")
    staff = login("staff")
    html = staff.get(f"/equipe/besoins/{public_id}/curation").get_data(as_text=True)
    cards = _cards(html)
    matches = staff.get(f"/api/needs/{public_id}/matches?limit=20").get_json()["results"]
    compared = 0
    for result in matches[:5]:
        key = result["organisation"]["key"]
        searched = [passage["evidence_id"] for passage in result["evidence"]]
        shown = re.findall(r'data-evidence="([^"]+)"', cards[key].split('class="score')[0])
        assert shown == searched, key
        compared += bool(searched)
    assert compared >= 3
    assert html.count("Pourquoi cette organisation") >= 3


def test_cards_show_strength_reasons_and_details_without_internal_names(login, make_need, app):
    public_id = make_need(status="validated", certifications=("ISO 13485",), region="Occitanie")
    html = login("staff").get(f"/equipe/besoins/{public_id}/curation").get_data(as_text=True)
    with app.app_context():
        first = min(need_row(public_id).suggestions, key=lambda s: s.position)
        key, rank = first.organisation.key, first.engine_rank
    card = _cards(html)[key]
    text = _visible_text(card)
    assert "Pertinence" in text or "Correspondance" in text  # the strength, as on the search page
    assert "ISO 13485" in text and "Occitanie" in text  # the need's must-haves, met or not
    assert f"Rang moteur {rank}" in " ".join(text.split())
    details = card[card.index("<details"):]
    assert "<summary>" in details and "Détails" in details
    assert not FEATURE_NAME.search(_visible_text(html)), FEATURE_NAME.findall(_visible_text(html))[:5]
    values = [float(v.replace(",", ".").replace("\u2212", "-")) for v in
              re.findall(r"<dd>([+\-\u2212]?\d+,\d+)</dd>", details)]
    assert values, "the details list the score parts"
    if any(value < 0 for value in values):
        assert "en dessous de la moyenne" in _visible_text(details)


def test_search_results_have_no_internal_names_either(client):
    html = client.get("/?q=caract%C3%A9risation+de+biomat%C3%A9riaux+implantables").get_data(as_text=True)
    assert not FEATURE_NAME.search(_visible_text(html)), FEATURE_NAME.findall(_visible_text(html))[:5]
