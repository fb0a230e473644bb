"""An accepted introduction asked from a buyer's list reaches the "Mis en relation" stage of the dashboard funnel:
the request carries the need the list was made for, and the buyer can say which need it is about.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Introduction
from matchmaker.services.dashboard import needs_funnel


def _introduced() -> int:
    stages = dict((stage.category, stage.count) for stage in needs_funnel(db.session, now=datetime.now()).stages)
    return stages["introduced"]


def test_an_introduction_asked_from_a_need_list_counts_in_the_funnel(login, make_need, app, org_key):
    public_id = make_need(status="validated")
    lab = org_key("lab")
    buyer = login("buyer")
    buyer.post("/listes/ajouter", data={"organisation": lab, "need": public_id, "new_name": "Pour mon besoin"})
    listing = buyer.get("/listes/").get_data(as_text=True)
    shortlist_url = re.search(r'href="(/listes/[A-Za-z0-9_-]{12,})"', listing).group(1)
    page = buyer.get(shortlist_url).get_data(as_text=True)
    link = re.search(r'href="(/mises-en-relation/nouvelle\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"need={public_id}" in link
    form = buyer.get(link).get_data(as_text=True)
    assert "Au sujet de" in form
    response = buyer.post("/mises-en-relation/nouvelle", data={
        "organisation": lab, "need": public_id, "message": "Bonjour, pouvons-nous échanger sur ce besoin ?"})
    assert response.status_code == 302
    with app.app_context():
        intro = db.session.scalar(select(Introduction).order_by(Introduction.id.desc()))
        assert intro.need is not None and intro.need.public_id == public_id
        intro_id = intro.public_id
    staff = login("staff")
    staff.post(f"/equipe/mises-en-relation/{intro_id}/examiner", data={"decision": "approve"})
    staff.post(f"/mises-en-relation/{intro_id}/repondre", data={"answer": "accept"})  # on behalf of the lab
    with app.app_context():
        assert db.session.scalar(select(Introduction.status).where(Introduction.public_id == intro_id)) == "accepted"
        assert _introduced() == 1
    overview = staff.get("/api/dashboard/needs-funnel").get_json()
    assert "Mis en relation" in str(overview) or "introduced" in str(overview)


def test_the_buyer_chooses_the_need_an_introduction_is_about(login, make_need, app, org_key):
    public_id = make_need(status="validated")
    lab = org_key("lab")
    buyer = login("buyer")
    form = buyer.get(f"/mises-en-relation/nouvelle?organisation={lab}").get_data(as_text=True)
    assert f'value="{public_id}"' in form  # offered, though the link named no need
    buyer.post("/mises-en-relation/nouvelle", data={"organisation": lab, "need": public_id,
                                                    "message": "Bonjour, pouvons-nous échanger ?"})
    with app.app_context():
        intro = db.session.scalar(select(Introduction).order_by(Introduction.id.desc()))
        assert intro.need is not None and intro.need.public_id == public_id
