"""Livret demo data (screenshots, demonstrations; never on production data).

The cluster import of the bundled ``example_livret.csv`` (two fictional organisations marked "(exemple)"),
a member account owning the example subcontractor, its ISO 13485 verified by staff, and a livret change the
member sent that waits in the staff queue.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session

from matchmaker.models import User
from matchmaker.services.accounts import create_user
from matchmaker.services.livret.bulk import import_member_list
from matchmaker.services.livret.publication import live_livret
from matchmaker.services.livret.review import save_livret
from matchmaker.services.livret.verification import verify_certification
from matchmaker.services.memberships import join
from matchmaker.services.profiles import get_organisation
from matchmaker.services.search.engine import SearchEngine

DEMO_MEMBER = "demo-membre@example.org"
EXAMPLE_FILE = "example_livret.csv"
EXAMPLE_SUBCONTRACTOR = "example:usinage-precision-rhone"


def seed_livret_demo(engine: SearchEngine, session: Session, staff: User, password: str, bundle_dir: Path) -> User:
    """Import the example livrets, give the example subcontractor a demo member and a pending livret change."""
    import_member_list(engine, session, staff, (bundle_dir / EXAMPLE_FILE).read_bytes(), EXAMPLE_FILE,
                       skip_invalid=False, invite=False, link=lambda token: token, secret="")
    member = create_user(session, email=DEMO_MEMBER, password=password, role="member", name="Démo membre")
    org = get_organisation(session, EXAMPLE_SUBCONTRACTOR)
    join(session, member, org)
    session.commit()
    verify_certification(engine, session, staff, org, "ISO 13485")
    live = live_livret(org)
    change = replace(live, activities=(*live.activities, "packaging", "sterilisation"),
                     materials=(*live.materials, "cobalt_chromium"),
                     capacity_note="Nouvelle ligne de conditionnement stérile en 2027.")
    save_livret(session, member, org, change, submit=True, message="Nous ajoutons le conditionnement stérile.")
    return member
