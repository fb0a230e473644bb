"""Medical-device companies: EUDAMED manufacturers merged with Transparence Santé companies by name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from matchmaker.catalogue.records import (
    Record,
    clean_city,
    evidence_item,
    normalise_company_name,
    organisation_record,
    read_csv,
    unique,
)
from matchmaker.catalogue.titles import devices_title
from matchmaker.geo import region_for_postcode
from matchmaker.vocabulary import EvidenceKind, OrganisationKind

RISK_CLASSES = {
    "EU_CLASS_I": "MDR classe I",
    "EU_CLASS_IIA": "MDR classe IIa",
    "EU_CLASS_IIB": "MDR classe IIb",
    "EU_CLASS_III": "MDR classe III",
}
SECTOR_LABELS = {
    "[DM]": "Dispositifs médicaux",
    "[DMDIV]": "Dispositifs médicaux de diagnostic in vitro",
}


def _current_manufacturers(suppliers_dir: Path) -> Iterator[dict[str, str]]:
    """Yield one EUDAMED row per SRN: its current version when there is one."""
    seen_srns: set[str] = set()
    manufacturers = sorted(
        read_csv(suppliers_dir / "eudamed_manufacturers_FR_latest.csv.gz"),
        key=lambda r: r["marked_current"] != "True",  # the current version of an SRN wins
    )
    for row in manufacturers:
        srn = row["srn"].split()[0]
        if srn not in seen_srns:
            seen_srns.add(srn)
            yield row


def _manufacturer_record(row: dict[str, str], devices: list[dict[str, str]]) -> Record:
    srn = row["srn"].split()[0]
    name = row["name"].strip()
    terms = unique(d["emdn_term"].strip() for d in devices if d["emdn_term"].strip())
    risk = unique(d["risk_class"].strip() for d in devices if d["risk_class"].strip())
    evidence = [
        evidence_item(
            f"eudamed:{srn}/record", EvidenceKind.DIRECTORY_RECORD, "Enregistrement EUDAMED",
            f"{name}. Fabricant de dispositifs médicaux enregistré dans EUDAMED ({srn}). {clean_city(row['city'])}",
            lang="fr", source="eudamed",
        )
    ]
    if terms:
        evidence.append(
            evidence_item(f"eudamed:{srn}/devices", EvidenceKind.DEVICES, devices_title(len(devices)),
                          "Medical devices: " + "; ".join(terms[:60]), lang="en", source="emdn")
        )
    return organisation_record(
        key=f"eudamed:{srn}",
        kind=OrganisationKind.MANUFACTURER,
        name=name,
        source="eudamed",
        acronym=row["abbreviated_name"].strip() or None,
        keywords=terms[:20],
        certifications=unique(RISK_CLASSES[r] for r in risk if r in RISK_CLASSES),
        city=clean_city(row["city"]) or None,
        attributes={"srn": srn},
        evidence=evidence,
    )


def _transparence_record(row: dict[str, str], sector: str) -> Record:
    return organisation_record(
        key=f"transparence:{row['identifiant']}",
        kind=OrganisationKind.MANUFACTURER,
        name=row["denomination_sociale"].strip(),
        source="transparence_sante",
        keywords=[sector],
        city=clean_city(row["ville"]) or None,
        postcode=row["code_postal"] or None,
        region=region_for_postcode(row["code_postal"]),
    )


def _merge_transparence(by_name: dict[str, Record], row: dict[str, str], sector: str) -> None:
    """Add a Transparence Santé company to the EUDAMED manufacturer of the same name, or as a new record."""
    name = row["denomination_sociale"].strip()
    key_name = normalise_company_name(name)
    record = by_name.get(key_name)
    if record is None:
        record = by_name[key_name] = _transparence_record(row, sector)
    else:
        record["postcode"] = record["postcode"] or row["code_postal"] or None
        record["region"] = record["region"] or region_for_postcode(row["code_postal"])
        record["keywords"] = unique([*record["keywords"], sector])
    record["attributes"]["transparence_sante_id"] = row["identifiant"]
    text = f"{name}. Entreprise du secteur {sector} déclarée dans Transparence Santé. {clean_city(row['ville'])}"
    record["evidence"].append(
        evidence_item(f"transparence:{row['identifiant']}/record", EvidenceKind.DIRECTORY_RECORD,
                      "Registre Transparence Santé", text, lang="fr", source="transparence_sante")
    )


def supplier_records(suppliers_dir: Path) -> dict[str, Record]:
    """Merge EUDAMED manufacturers and Transparence Santé device companies by normalised name."""
    devices: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_csv(suppliers_dir / "eudamed_devices_firstbase_subset_FR.csv.gz"):
        devices[row["manufacturer_srn"]].append(row)
    by_name: dict[str, Record] = {}
    for row in _current_manufacturers(suppliers_dir):
        record = _manufacturer_record(row, devices.get(row["srn"].split()[0], []))
        by_name[normalise_company_name(record["name"])] = record
    for row in read_csv(suppliers_dir / "transparence_sante_entreprises_2020.csv.gz"):
        sector = SECTOR_LABELS.get(row["secteur_activite_code"])
        if sector is not None and row["pays_code"] == "[FR]":
            _merge_transparence(by_name, row, sector)
    return by_name
