"""The livret vocabulary: activities, materials, sectors and clients, each with labels, sources and cues."""

from __future__ import annotations

import re

import pytest

from matchmaker.livret_vocabulary import (
    ACTIVITIES,
    ACTIVITY_GROUPS,
    MATERIAL_GROUPS,
    MATERIALS,
    VOCABULARIES,
    find_terms,
    labels,
    resolve_term,
    term,
)
from matchmaker.vocabulary import CERTIFICATIONS


@pytest.mark.parametrize("section", sorted(VOCABULARIES))
def test_every_term_has_a_code_two_labels_a_source_and_cues(section):
    terms = VOCABULARIES[section]
    assert len({t.code for t in terms}) == len(terms), "codes are unique"
    for entry in terms:
        assert re.fullmatch(r"[a-z][a-z_]+", entry.code)
        assert entry.fr.strip() and entry.en.strip()
        assert entry.sources, f"{entry.code} says where it comes from"
        assert entry.cues and entry.pattern is not None


def test_groups_are_declared_and_cited_certifications_exist():
    assert {t.group for t in ACTIVITIES} == set(ACTIVITY_GROUPS)
    assert {t.group for t in MATERIALS} == set(MATERIAL_GROUPS)
    for entry in (*ACTIVITIES, *MATERIALS):
        for source in entry.sources:
            if source.startswith("certification "):
                label = source.removeprefix("certification ").split(" (")[0]
                assert label in CERTIFICATIONS, f"{entry.code} cites unknown certification {label}"


def test_the_issue_examples_are_in_the_vocabulary():
    wanted = {
        "machining",
        "injection_moulding",
        "sterilisation",
        "cleanroom_assembly",
        "biocompatibility_testing",
        "clinical_investigation",
        "regulatory_affairs",
    }
    assert wanted <= {t.code for t in ACTIVITIES}


@pytest.mark.parametrize(
    ("text", "activities", "materials"),
    [
        (
            "Nous cherchons un sous-traitant certifié ISO 13485 pour l'usinage de pièces en titane",
            {"machining"},
            {"titanium"},
        ),
        ("Titanium machining of spinal implants, ISO 13485", {"machining"}, {"titanium"}),
        ("Stérilisation à l'oxyde d'éthylène de cathéters en silicone", {"sterilisation"}, {"silicone"}),
        ("Biocompatibility testing (ISO 10993) of a PEEK implant", {"biocompatibility_testing"}, {"peek"}),
        ("Assemblage en salle blanche ISO 7 de dispositifs", {"assembly", "cleanroom_assembly"}, set()),
        ("Fourniture de repas pour le restaurant du personnel", set(), set()),
    ],
)
def test_terms_are_found_in_french_and_english_needs(text, activities, materials):
    assert set(find_terms("activities", text)) == activities
    assert set(find_terms("materials", text)) == materials


@pytest.mark.parametrize(
    ("section", "value", "code"),
    [
        ("activities", "usinage", "machining"),
        ("activities", "Machining (milling, turning)", "machining"),
        ("activities", "MACHINING", "machining"),
        ("activities", "usinage 5 axes", "machining"),
        ("activities", "salle blanche", "cleanroom_assembly"),
        ("activities", "clean-room assembly", "cleanroom_assembly"),
        ("materials", "Titane", "titanium"),
        ("materials", "acier inoxydable 316L", "stainless_steel"),
        ("sectors", "Dispositifs médicaux", "medical_devices"),
        ("client_types", "hôpitaux et cliniques", "hospitals"),
        ("activities", "ISO13845", None),
        ("activities", "", None),
        ("materials", "unobtainium", None),
    ],
)
def test_free_spellings_resolve_to_a_code_or_to_nothing(section, value, code):
    assert resolve_term(section, value) == code


def test_labels_follow_the_language_and_skip_unknown_codes():
    assert term("activities", "machining").label("en") == "Machining (milling, turning)"
    assert labels("materials", ["titanium", "gone"], "fr") == ["Titane et alliages de titane"]
