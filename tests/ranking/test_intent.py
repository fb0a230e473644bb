"""The need-intent parser on authored French and English needs."""

from __future__ import annotations

import pytest

from matchmaker.ranking.intent import OUTSIDE_HEALTH, parse_intent
from matchmaker.vocabulary import CERTIFICATION_PATTERNS


@pytest.mark.parametrize(
    "text, sought, asker",
    [
        (
            "Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces d'implants en titane",
            "subcontracting",
            None,
        ),
        ("Contract manufacturer for electronic boards of medical devices", "subcontracting", None),
        (
            "Notre CHU cherche une solution de télésurveillance des patients insuffisants cardiaques",
            "product",
            "hospital",
        ),
        ("Pompes à perfusion pour le service de réanimation", "product", "hospital"),
        ("Our hospital is looking for an AI triage tool for chest X-rays", "product", "hospital"),
        ("Nous cherchons un laboratoire en microfluidique pour diagnostic in vitro", "expertise", None),
        (
            "We are a start-up building a wearable sensor and need a research lab in electrochemistry",
            "expertise",
            "startup",
        ),
        ("Plateforme d'imagerie préclinique pour tester un agent de contraste chez le petit animal", "expertise", None),
        ("Prestataire pour la maintenance des automates d'immunoanalyse", "service", None),
        ("Service provider for biocompatibility testing of an implant material", "service", None),
    ],
)
def test_what_is_sought_and_who_asks(text, sought, asker):
    intent = parse_intent(text, CERTIFICATION_PATTERNS)
    assert intent.sought == sought
    assert intent.asker == asker
    assert intent.meaningful


def test_kinds_follow_the_intent_and_exclude_outside_health_for_health_needs():
    product = parse_intent("Notre hôpital cherche des échographes portables")
    assert "startup" in product.kinds and "manufacturer" in product.kinds
    assert "lab" not in product.kinds and OUTSIDE_HEALTH not in product.kinds
    assert parse_intent("laboratoire de recherche en immunologie").kinds == ("lab", "platform")
    catering = parse_intent("Fourniture de denrées alimentaires pour la restauration du personnel")
    assert not catering.health and OUTSIDE_HEALTH in catering.kinds


@pytest.mark.parametrize(
    "text",
    [
        "Maintenance des ascenseurs et monte-charges de l'hôpital",
        "Mise à disposition d'infirmiers et d'aides-soignants intérimaires",
        "Transport sanitaire de patients entre nos sites",
        "Fourniture de viandes et charcuteries pour la cuisine centrale",
        "Assurance dommages-ouvrage pour l'extension de l'EHPAD",
        "Bionettoyage des chambres et nettoyage des locaux",
    ],
)
def test_a_hospital_need_outside_health_ranks_outside_health_companies_too(text):
    intent = parse_intent(text)
    assert not intent.health and OUTSIDE_HEALTH in intent.kinds


@pytest.mark.parametrize(
    "text",
    [
        "Construction d'un prototype de dispositif médical implantable",
        "Ventilateurs de transport pour le SAMU",
        "Pompes à perfusion pour le service de réanimation",
        "Fourniture de pansements et compresses stériles pour le bloc opératoire",
    ],
)
def test_a_health_technology_need_never_ranks_outside_health_companies(text):
    intent = parse_intent(text)
    assert intent.health and OUTSIDE_HEALTH not in intent.kinds


def test_certifications_regions_and_capabilities_are_read():
    intent = parse_intent(
        "Sous-traitant certifié ISO 13485 en Bretagne ou près de Lyon pour l'injection plastique",
        CERTIFICATION_PATTERNS,
    )
    assert intent.certifications == ("ISO 13485",)
    assert intent.regions == ("Bretagne", "Auvergne-Rhône-Alpes")
    assert "injection" in intent.capabilities and "plastique" in intent.capabilities
    assert "Bretagne" not in intent.capabilities
    assert parse_intent("HDS hosting in Brittany", CERTIFICATION_PATTERNS).certifications == ("HDS",)


def test_user_correction_replaces_the_parsed_intent():
    corrected = parse_intent("Pompes à perfusion pour la réanimation").with_sought("expertise")
    assert corrected.corrected and corrected.kinds == ("lab", "platform")
    with pytest.raises(ValueError):
        corrected.with_sought("everything")


@pytest.mark.parametrize("text", ["!!!???...", "   ", "42 / 17", "- - -"])
def test_nonsense_is_not_meaningful(text):
    assert not parse_intent(text).meaningful


@pytest.mark.parametrize(
    "text",
    ["AI triage of chest X-rays in emergency", "Triage par IA des radiographies thoraciques aux urgences"],
)
def test_a_need_of_the_emergency_department_is_a_hospital_need_for_a_solution_in_both_languages(text):
    intent = parse_intent(text)
    assert intent.asker == "hospital" and intent.sought == "product"
