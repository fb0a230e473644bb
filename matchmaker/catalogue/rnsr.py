"""Labs and technology platforms from the RNSR (Répertoire National des Structures de Recherche)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from matchmaker.catalogue.records import (
    Record,
    clean_city,
    evidence_item,
    organisation_record,
    split_list,
    unique,
)
from matchmaker.geo import region_for_postcode
from matchmaker.vocabulary import EvidenceKind, OrganisationKind

PLATFORM_PATTERN = re.compile(r"plate-?\s?forme|platform|plateau technique|core facilit", re.I)


def _record_text(row: dict[str, str], name: str, acronym: str, city: str) -> str:
    domains = split_list(row["domaine_scientifique"])
    tutelles = unique(split_list(row["tutelles"]))
    labels = unique(split_list(row["label_numero"]))
    return ". ".join(
        part
        for part in [
            f"{name} ({acronym})" if acronym else name,
            row["type_de_structure"],
            " ".join(labels),
            "Domaines scientifiques : " + ", ".join(domains) if domains else "",
            "Tutelles : " + ", ".join(tutelles) if tutelles else "",
            city,
        ]
        if part
    )


def _lab_evidence(row: dict[str, str], record_text: str) -> list[Record]:
    rnsr_id = row["numero_national_de_structure"]
    evidence = [
        evidence_item(f"rnsr:{rnsr_id}/record", EvidenceKind.DIRECTORY_RECORD, "Fiche RNSR", record_text,
                      lang="fr", source="rnsr")
    ]
    panels = split_list(row["panel_erc"])
    if panels:
        evidence.append(
            evidence_item(f"rnsr:{rnsr_id}/erc", EvidenceKind.RESEARCH_FIELDS, "ERC panels", ". ".join(panels),
                          lang="en", source="rnsr")
        )
    return evidence


def lab_record(row: dict[str, str]) -> Record:
    """Return the record of one RNSR structure: a platform when its name says so, a lab otherwise."""
    rnsr_id = row["numero_national_de_structure"]
    name = row["libelle"].strip()
    acronym = row["sigle"].strip()
    city = clean_city(row["commune"])
    return organisation_record(
        key=f"rnsr:{rnsr_id}",
        kind=OrganisationKind.PLATFORM if PLATFORM_PATTERN.search(name) else OrganisationKind.LAB,
        name=name,
        source="rnsr",
        acronym=acronym or None,
        keywords=split_list(row["domaine_scientifique"]),
        city=city or None,
        postcode=row["code_postal"] or None,
        region=region_for_postcode(row["code_postal"]),
        rnsr_id=rnsr_id,
        website=row["site_web"] or None,
        source_url=row["fiche_rnsr"] or None,
        links=[f"rnsr:{p}" for p in split_list(row["numero_de_structure_parent"])],
        attributes={
            "structure_type": row["type_de_structure"],
            "structure_level": row["code_de_niveau_de_structure"],
            "year_created": row["annee_de_creation"],
            "parent_institutions": unique(split_list(row["sigles_des_tutelles"])),
            "erc_panels": split_list(row["code_panel_erc"]),
            "is_health_life_science": row["is_health_life_science"] == "1",
        },
        evidence=_lab_evidence(row, _record_text(row, name, acronym, city)),
    )


def structure_successors(rows: Iterable[dict[str, str]]) -> dict[str, list[str]]:
    """Map the RNSR id of a former structure to the active structures that took it over (merger, split...)."""
    taken_over: dict[str, list[str]] = {}
    for row in rows:
        for former in split_list(row["numero_de_structure_historique"]):
            taken_over.setdefault(former, []).append(row["numero_national_de_structure"])
    return taken_over
