"""Give the staff dashboard something to show: a year of demo history on a demo database.

Run it after ``flask --app matchmaker seed-demo`` on a throw-away copy of the database (never on
production data), with the same environment as the server::

    MATCHMAKER_INSTANCE_DIR=/tmp/demo/instance python docs/dashboard_demo_data.py

It posts a dozen needs from the demo buyer over the last eight months, validates most of them,
lets the engine propose suggestions, accepts and rejects some with reasons, asks for and accepts a
few introductions, closes one need; then it backdates the catalogue's imports source by source
(the RNSR labs first, the procurement suppliers last) and ages a sample of profiles, so the monthly
trends and the freshness page look like a platform in use. It is idempotent: a second run does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import CurationDecision, Introduction, Need, Organisation, User, utcnow
from matchmaker.services import curation
from matchmaker.services.introductions import request_introduction, respond, staff_review
from matchmaker.services.needs import NeedInput, create_need, reject_need, submit_need, validate_need

BUYER, STAFF = "demo-acheteur@example.org", "demo-equipe@example.org"
LIMITS = {"max_chars": 4000, "max_results": 100}
# title, description, sought kinds, region, what happens: (accepted, rejected reasons, introduced, status)
NEEDS = [
    ("Séquençage génomique de tumeurs solides",
     "Nous cherchons une plateforme de séquençage haut débit pour analyser l'ADN tumoral de 300 patients "
     "atteints de cancers solides : panel de gènes, bio-informatique et rapport d'interprétation.",
     ("platform", "lab"), "Île-de-France", (2, ["no_capacity"], True, "validated")),
    ("Segmentation d'images médicales par apprentissage profond",
     "Laboratoire recherché pour co-développer un algorithme d'intelligence artificielle de segmentation "
     "d'images IRM cérébrales, avec validation clinique sur une cohorte hospitalière.",
     ("lab",), "Occitanie", (1, ["off_topic", "too_early"], True, "validated")),
    ("Production d'anticorps monoclonaux",
     "Prestataire ou plateforme capable de produire et purifier des anticorps monoclonaux humanisés à "
     "l'échelle du gramme, pour des essais précliniques, sous BPL.",
     ("platform", "service_provider"), "Auvergne-Rhône-Alpes", (2, ["not_certified"], False, "validated")),
    ("Capteurs connectés pour le suivi à domicile",
     "Nous voulons intégrer des capteurs portables de fréquence cardiaque et de saturation en oxygène dans un "
     "dispositif de télésurveillance à domicile : sous-traitant électronique et laboratoire pour la validation.",
     ("subcontractor", "lab"), "Bretagne", (1, ["off_topic"], False, "validated")),
    ("Stérilisation de dispositifs à usage unique",
     "Sous-traitant certifié ISO 13485 pour la stérilisation à l'oxyde d'éthylène de dispositifs médicaux "
     "à usage unique, 20 000 unités par mois, avec validation du procédé.",
     ("service_provider", "subcontractor"), "Hauts-de-France", (0, ["not_certified", "no_capacity"], False,
                                                                "validated")),
    ("Essais cliniques de phase I en oncologie",
     "Centre ou laboratoire pour conduire un essai de phase I d'une thérapie ciblée en oncologie, "
     "pharmacocinétique et biomarqueurs, recrutement de 30 patients.",
     ("lab",), "Provence-Alpes-Côte d'Azur", (1, [], False, "validated")),
    ("Impression 3D de guides chirurgicaux",
     "Sous-traitant en fabrication additive de guides de coupe chirurgicaux sur mesure en polyamide "
     "biocompatible, à partir d'images scanner, délais de cinq jours.",
     ("subcontractor",), "Nouvelle-Aquitaine", (1, ["off_topic"], True, "closed")),
    ("Analyse du microbiote intestinal",
     "Plateforme de métagénomique pour analyser le microbiote intestinal de 200 échantillons de selles "
     "dans une étude nutritionnelle, avec analyses statistiques.",
     ("platform", "lab"), "Grand Est", (2, [], False, "validated")),
    ("Nanoparticules pour la délivrance de médicaments",
     "Laboratoire spécialisé en formulation de nanoparticules lipidiques pour l'encapsulation d'ARN "
     "messager, caractérisation physico-chimique et stabilité.",
     ("lab",), "Pays de la Loire", (0, [], False, "validated")),
    ("Menus de restauration collective pour un foyer",
     "Prestataire pour la conception de menus et la livraison de repas dans un foyer d'hébergement, "
     "contraintes de régimes et de budget.",
     ("service_provider",), "Normandie", (0, ["off_topic", "off_topic"], False, "validated")),
    ("Banc d'essai de fatigue pour prothèses de genou",
     "Laboratoire ou plateforme d'essais mécaniques pour des essais de fatigue de prothèses de genou selon "
     "la norme ISO 14243, rapport pour le dossier de marquage CE.",
     ("lab", "platform"), "Centre-Val de Loire", (0, [], False, "submitted")),
    ("Hébergement de données de santé",
     "Hébergeur certifié HDS pour une application de suivi de patients.",
     ("service_provider",), None, (0, [], False, "rejected")),
]
IMPORT_AGES = {"rnsr": 330, "ilab": 240, "eudamed": 150, "decp": 90, "decp-buyer": 90}
"""Days ago each source was imported (keys are the organisation key prefixes)."""


def _at(need: Need, days_ago: int) -> None:
    now = utcnow()
    need.created_at = need.submitted_at = now - timedelta(days=days_ago, hours=3)
    if need.validated_at is not None:
        need.validated_at = now - timedelta(days=days_ago - 1)


def seed(engine) -> bool:
    """Create the demo history once; return False when it is already there."""
    buyer = db.session.scalar(select(User).where(User.email == BUYER))
    staff = db.session.scalar(select(User).where(User.email == STAFF))
    if buyer is None or staff is None:
        raise SystemExit("Run `flask --app matchmaker seed-demo` first.")
    if db.session.scalar(select(Need).where(Need.title == NEEDS[0][0])) is not None:
        return False
    for index, (title, text, kinds, region, (accept, rejects, introduce, status)) in enumerate(NEEDS):
        need = create_need(db.session, buyer, NeedInput(title=title, description=text, sought_kinds=kinds,
                                                        region=region))
        submit_need(db.session, buyer, need, acknowledge_warnings=True)
        days_ago = 240 - 18 * index
        if status == "rejected":
            reject_need(db.session, staff, need, "Précisez le volume de données et le calendrier.")
        elif status != "submitted":
            validate_need(engine, db.session, staff, need)
            curation.propose_suggestions(engine, db.session, need, **LIMITS)
            ordered = sorted(need.suggestions, key=lambda s: s.position)
            decided = 0
            for suggestion in ordered[:accept]:
                curation.decide(db.session, staff, suggestion, "accept")
                decided += 1
            for suggestion, reason in zip(ordered[accept:], rejects, strict=False):
                curation.decide(db.session, staff, suggestion, "reject", reason_category=reason,
                                reason_text="Démo." if reason == "other" else "")
            if introduce and accept:
                intro = request_introduction(db.session, buyer, ordered[0].organisation,
                                             "Bonjour, nous aimerions vous présenter notre projet.", need)
                staff_review(db.session, staff, intro, approve=True)
                respond(db.session, staff, intro, accept=True, note="Accord donné par téléphone.")
            if status == "closed":
                need.status = "closed"
        _at(need, days_ago)
        for position, decision in enumerate(db.session.scalars(
            select(CurationDecision).where(CurationDecision.need_id == need.id).order_by(CurationDecision.id)
        )):
            decision.created_at = need.validated_at + timedelta(days=2 + 3 * position, hours=index % 5)
        for intro in db.session.scalars(select(Introduction).where(Introduction.need_id == need.id)):
            intro.created_at = intro.accepted_at = need.validated_at + timedelta(days=12)
        db.session.commit()
    now = utcnow()
    for prefix, days in IMPORT_AGES.items():
        db.session.execute(update(Organisation).where(Organisation.key.startswith(f"{prefix}:"))
                           .values(created_at=now - timedelta(days=days), updated_at=now - timedelta(days=days)))
    aged = select(Organisation.id).where(Organisation.kind == "lab").order_by(Organisation.id).limit(400)
    db.session.execute(update(Organisation).where(Organisation.id.in_(aged))
                       .values(updated_at=now - timedelta(days=420)))
    claimed = select(Organisation.id).where(Organisation.kind == "startup").order_by(Organisation.id).limit(150)
    db.session.execute(update(Organisation).where(Organisation.id.in_(claimed)).values(claimed=True))
    db.session.commit()
    return True


def main() -> None:
    """Seed the demo history on the configured database."""
    app = create_app()
    with app.app_context():
        created = seed(app.extensions["matchmaker"])
        print("Historique de démonstration créé." if created else "Historique de démonstration déjà présent.")


if __name__ == "__main__":
    main()
