"""Second pass over the bundled directory: accents, company kinds, regions, readable ANR text, medicines."""

from __future__ import annotations

from collections import Counter

import pytest

from matchmaker.catalogue.cpv import cpv_label, cpv_sector
from matchmaker.catalogue.enrichment import (
    accent_vocabulary,
    assign_regions,
    classify_company,
    join_medicines,
    repair_text,
)


def _company(name, kind="subcontractor", source="decp", evidence=()):
    return {
        "key": f"{source}:{name}",
        "name": name,
        "kind": kind,
        "source": source,
        "city": None,
        "postcode": None,
        "region": None,
        "attributes": {},
        "evidence": list(evidence),
    }


def _contract(cpv, buyer="CHU de Nantes"):
    return {
        "kind": "contract_won",
        "source": "decp",
        "cpv": cpv,
        "title": f"Marché public remporté ({buyer})",
        "text": "Marché remporté",
    }


def test_accents_are_repaired_only_when_unambiguous():
    vocabulary = accent_vocabulary(["Les échographes et les réactifs", "Hôpital, hôpital", "rôle", "râle"])
    assert repair_text("Location d'?chographes et de r?actifs", vocabulary) == "Location d'échographes et de réactifs"
    assert repair_text("H?PITAL NORD", vocabulary) == "HÔPITAL NORD"
    assert repair_text("r?le", vocabulary) == "r?le"  # rôle or râle: left as it is
    assert repair_text("Texte intact", vocabulary) == "Texte intact"


@pytest.mark.parametrize(
    "record, pharma, kind",
    [
        (_company("ONET SERVICES", evidence=[_contract("90910000")]), False, "outside_health"),
        (_company("EPISAVEURS", evidence=[_contract("15800000"), _contract("15300000")]), False, "outside_health"),
        (_company("BIOMEDICAL MAINTENANCE", evidence=[_contract("50421000")]), False, "service_provider"),
        (_company("MEDISTOCK", evidence=[_contract("33141000"), _contract("90910000")]), False, "distributor"),
        (_company("LABORATOIRES AGUETTANT", evidence=[_contract("33600000")]), False, "manufacturer"),
        (
            _company("IMPLANTS SERVICE ORTHOPEDIE", "manufacturer", "eudamed", [{"source": "eudamed"}]),
            False,
            "manufacturer",
        ),
        (
            _company("OPTIQUE DU CENTRE", "manufacturer", "transparence_sante", [{"source": "transparence_sante"}]),
            False,
            "distributor",
        ),
        (_company("SANOFI WINTHROP INDUSTRIE", evidence=[_contract("85100000")]), True, "manufacturer"),
    ],
)
def test_companies_are_classified_from_their_data(record, pharma, kind):
    found, reason = classify_company(record, pharma)
    assert found == kind
    assert reason


def test_cpv_codes_are_labelled_and_sorted_into_sectors():
    assert cpv_label("33124100") == "systèmes d'enregistrement et d'exploration"
    assert cpv_label("50421000") == "réparation et entretien d'équipements médicaux et chirurgicaux"
    assert cpv_label("") is None
    assert [cpv_sector(c) for c in ("33696500", "50421000", "45000000", "66510000")] == [
        "product",
        "service",
        "other",
        "other",
    ]


def test_eudamed_city_wins_over_a_name_merged_postcode_that_disagrees():
    roanne = _company("IMPLANTS SERVICE ORTHOPEDIE", "manufacturer", "eudamed")
    roanne.update(city="Roanne", postcode="91130")
    local = _company("NETTOYAGE NANTAIS", "outside_health", evidence=[_contract("90910000", "CHU de Nantes")])
    counts = assign_regions(
        [roanne, local], {"roanne": "42"}, {"Marché public remporté (CHU de Nantes)": "Pays de la Loire"}
    )
    assert roanne["region"] == "Auvergne-Rhône-Alpes"
    assert roanne["attributes"]["region_source"] == "ville EUDAMED"
    assert "91130" in roanne["attributes"]["region_conflict"]
    assert local["region"] == "Pays de la Loire"
    assert local["attributes"]["region_source"] == "région des acheteurs publics"
    assert counts == Counter({"ville EUDAMED": 1, "région des acheteurs publics": 1})


def test_medicines_join_only_unambiguous_names():
    rows = [
        {
            "denomination": "DOLIPRANE 1000 mg, comprimé",
            "forme_pharmaceutique": "comprimé",
            "voies_administration": "orale",
        }
    ]
    one = _company("Opella Healthcare SAS", "manufacturer", "transparence_sante", [])
    twins = [_company("Biogaran", "manufacturer", "eudamed", []), _company("BIOGARAN SAS", "distributor", "decp", [])]
    joined = join_medicines([one, *twins], {"OPELLA HEALTHCARE": rows, "BIOGARAN": rows})
    assert joined == {one["key"]}
    evidence = one["evidence"][-1]
    assert evidence["kind"] == "medicines" and "Doliprane" in evidence["text"] and "comprimé" in evidence["text"]
    assert all(not t["evidence"] for t in twins)
