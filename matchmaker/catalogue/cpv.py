"""Labels of the Common Procurement Vocabulary (CPV) divisions and health groups, and their sector.

Labels follow the French CPV (règlement (CE) n° 2195/2002, © Union européenne), shortened: contract evidence
quotes the category in words, never a bare code. ``cpv_sector`` says whether a code buys health products,
health services (including maintenance of medical equipment and health IT), or something outside health.
"""

from __future__ import annotations

# most specific prefix first is found by trying 5, 4, 3 then 2 digits
CPV_LABELS: dict[str, str] = {
    "03": "produits agricoles",
    "09": "produits pétroliers, combustibles et électricité",
    "15": "produits alimentaires et boissons",
    "18": "vêtements et accessoires",
    "19": "cuir, textiles, plastiques et caoutchouc",
    "22": "imprimés",
    "24": "produits chimiques",
    "2411": "gaz (dont gaz médicaux)",
    "30": "matériel de bureau et informatique",
    "31": "matériel électrique et éclairage",
    "32": "équipements de radio, télévision et télécommunication",
    "33": "matériel médical, produits pharmaceutiques et de soins",
    "331": "appareils médicaux",
    "3311": "matériel d'imagerie médicale",
    "3312": "systèmes d'enregistrement et d'exploration",
    "3313": "instruments dentaires",
    "3314": "consommables médicaux",
    "3315": "appareils de radiothérapie, d'électrothérapie et de physiothérapie",
    "3316": "matériel opératoire",
    "3317": "anesthésie et réanimation",
    "3318": "assistance fonctionnelle (cardiaque, orthopédique, prothèses)",
    "33184": "prothèses et implants",
    "3319": "dispositifs et produits médicaux divers",
    "336": "produits pharmaceutiques",
    "33696": "réactifs et produits de contraste",
    "337": "produits de soins personnels",
    "339": "matériel pour autopsies et morgues",
    "34": "véhicules et équipements de transport",
    "35": "équipements de sécurité et de lutte contre l'incendie",
    "37": "articles de sport, jeux et instruments",
    "38": "équipements de laboratoire, d'optique et de précision",
    "39": "mobilier, équipement ménager et produits de nettoyage",
    "41": "eau",
    "42": "machines industrielles",
    "44": "matériaux de construction",
    "45": "travaux de construction",
    "48": "logiciels et systèmes d'information",
    "50": "réparation et entretien",
    "504": "réparation et entretien d'équipements médicaux et de précision",
    "5042": "réparation et entretien d'équipements médicaux et chirurgicaux",
    "51": "services d'installation",
    "55": "hôtellerie et restauration",
    "60": "transport",
    "63": "services auxiliaires des transports",
    "64": "postes et télécommunications",
    "65": "services publics (eau, énergie)",
    "66": "services financiers et d'assurance",
    "70": "services immobiliers",
    "71": "architecture, ingénierie et inspection",
    "72": "services informatiques",
    "73": "recherche et développement",
    "75": "administration publique",
    "77": "services agricoles, horticoles et espaces verts",
    "79": "services aux entreprises",
    "80": "enseignement et formation",
    "85": "santé et action sociale",
    "851": "services de santé",
    "853": "services d'action sociale",
    "90": "assainissement, déchets, nettoyage et environnement",
    "92": "services récréatifs et culturels",
    "93": "services divers",
    "98": "autres services",
}
_HEALTH_PRODUCTS = ("33", "38", "2411")
_HEALTH_SERVICES = ("851", "504", "48", "72", "73")


def cpv_label(code: str) -> str | None:
    """Return the label of the most specific known prefix of a CPV code, or None."""
    digits = "".join(c for c in (code or "") if c.isdigit())
    for length in (5, 4, 3, 2):
        label = CPV_LABELS.get(digits[:length])
        if label and len(digits) >= length:
            return label
    return None


def cpv_sector(code: str) -> str:
    """Return "product" (health products), "service" (health services, medical maintenance, health IT) or "other"."""
    digits = "".join(c for c in (code or "") if c.isdigit())
    if digits.startswith(_HEALTH_PRODUCTS):
        return "product"
    if digits.startswith(_HEALTH_SERVICES):
        return "service"
    return "other"
