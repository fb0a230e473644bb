"""Demo data for screenshots and demonstrations: accounts, a curated need, a shortlist, pending requests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.models import Organisation
from matchmaker.services import curation
from matchmaker.services.accounts import create_user, find_user
from matchmaker.services.introductions import request_introduction
from matchmaker.services.needs import NeedInput, create_need, submit_need, validate_need
from matchmaker.services.profiles import claim_profile
from matchmaker.services.search.engine import SearchEngine
from matchmaker.services.shortlists import add_entry, create_shortlist
from matchmaker.vocabulary import OrganisationKind

DEMO_ACCOUNTS = {
    "demo-acheteur@example.org": "buyer",
    "demo-equipe@example.org": "staff",
    "demo-startup@example.org": "member",
    "demo-admin@example.org": "admin",
}
DEMO_NEED = NeedInput(
    title="Sous-traitant ou laboratoire pour l'usinage et la caractérisation d'implants orthopédiques",
    description=(
        "Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces d'implants orthopédiques "
        "en titane, et un laboratoire capable d'en caractériser la surface et la biocompatibilité. Objectif : "
        "une pré-série de 500 pièces pour le dossier de marquage CE, avant la fin de l'année."
    ),
    sought_kinds=(OrganisationKind.SUBCONTRACTOR, OrganisationKind.LAB, OrganisationKind.PLATFORM),
    certifications=("ISO 13485",),
    region="Auvergne-Rhône-Alpes",
)
SECOND_NEED = NeedInput(
    title="Plateforme d'imagerie préclinique",
    description=(
        "Nous souhaitons tester un nouvel agent de contraste chez le petit animal pour préparer une étude "
        "clinique de phase I : imagerie IRM et scanner, protocole BPL, résultats sous trois mois."
    ),
    sought_kinds=(OrganisationKind.PLATFORM,),
)


def seed_demo(engine: SearchEngine, session: Session, password: str, *, max_chars: int, max_results: int,
              bundle_dir: Path | None = None) -> bool:
    """Create the demo accounts and data once (with the example livrets when ``bundle_dir`` is given)."""
    if find_user(session, next(iter(DEMO_ACCOUNTS))) is not None:
        return False
    users = {
        role: create_user(session, email=email, password=password, role=role, name=f"Démo {role}")
        for email, role in DEMO_ACCOUNTS.items()
    }
    buyer, staff, startup = users["buyer"], users["staff"], users["member"]
    need = create_need(session, buyer, DEMO_NEED)
    submit_need(session, buyer, need)
    validate_need(engine, session, staff, need)
    curation.propose_suggestions(engine, session, need, max_chars=max_chars, max_results=max_results)
    ordered = sorted(need.suggestions, key=lambda s: s.position)
    for suggestion in ordered[:3]:
        curation.decide(session, staff, suggestion, "accept")
    if len(ordered) > 3:
        curation.decide(session, staff, ordered[3], "reject", reason_category="not_certified",
                        reason_text="Pas de certification ISO 13485 déclarée.")
    curation.publish(session, staff, need)
    shortlist = create_shortlist(session, buyer, "Partenaires implants", need)
    for suggestion, note in zip(ordered[:3], ("À appeler en priorité.", "Demander un devis.", ""), strict=False):
        add_entry(session, buyer, shortlist, suggestion.organisation, note)
    other = create_need(session, buyer, SECOND_NEED)
    submit_need(session, buyer, other, acknowledge_warnings=True)
    if ordered:
        request_introduction(session, buyer, ordered[0].organisation,
                             "Bonjour, nous préparons une pré-série d'implants et aimerions vous présenter le projet.",
                             need)
    unclaimed = session.scalar(
        select(Organisation).where(Organisation.kind == "startup", Organisation.claimed.is_(False))
        .order_by(Organisation.id)
    )
    if unclaimed is not None:
        claim_profile(session, startup, unclaimed, "Je suis co-fondatrice de la société.")
    if bundle_dir is not None:
        from matchmaker.services.livret.demo import seed_livret_demo

        seed_livret_demo(engine, session, staff, password, bundle_dir)
    return True


__all__ = ["DEMO_ACCOUNTS", "seed_demo"]
