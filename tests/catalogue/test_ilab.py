"""i-Lab start-ups in the bundled directory: their lab links reach the active structures of their (former) labs."""

from __future__ import annotations

from matchmaker.catalogue.ilab import startup_record
from matchmaker.catalogue.rnsr import structure_successors

ILAB_COLUMNS = (
    "ilab_uid moto resume annee type_candidature domaine_technologique region siret siren entreprise projet "
    "site_web_entreprise lien_scanr rnsr_ids_unite unite_recherche grand_prix is_health_domain"
).split()


def ilab_row(**values: str) -> dict[str, str]:
    return {column: "" for column in ILAB_COLUMNS} | {"ilab_uid": "ilab-00001", "moto": "Un capteur"} | values


def rnsr_row(rnsr_id: str, former: str = "") -> dict[str, str]:
    return {"numero_national_de_structure": rnsr_id, "numero_de_structure_historique": former}


def test_a_closed_unit_is_replaced_by_the_structures_that_took_it_over():
    successors = structure_successors(
        [rnsr_row("200000001A", "199000001Z;199000002Z"), rnsr_row("200000002B", "199000001Z")]
    )
    assert successors == {"199000001Z": ["200000001A", "200000002B"], "199000002Z": ["200000001A"]}

    known = {"200000001A", "200000002B", "200000003C"}
    record = startup_record(ilab_row(rnsr_ids_unite="199000001Z;200000003C"), known, successors)
    assert record["links"] == ["rnsr:200000001A", "rnsr:200000002B", "rnsr:200000003C"]


def test_active_links_are_kept_once_and_unknown_units_dropped():
    successors = structure_successors([rnsr_row("200000001A", "199000002Z")])
    record = startup_record(ilab_row(rnsr_ids_unite="200000001A;199000002Z;198800000X"), {"200000001A"}, successors)
    assert record["links"] == ["rnsr:200000001A"]
    assert record["evidence"][0]["source_ref"] == "ilab-00001"


def test_a_start_up_without_company_name_is_named_by_its_pitch_cut_at_a_word():
    pitch = "Plateforme de criblage haut débit de molécules anti-infectieuses issues de la biodiversité marine"
    record = startup_record(ilab_row(moto=pitch), set(), {})
    assert record["name"] == "Plateforme de criblage haut débit de molécules anti-infectieuses issues de la…"
    assert len(record["name"]) <= 80
    assert startup_record(ilab_row(moto="Un capteur", entreprise="ACME"), set(), {})["name"] == "ACME"
