"""Turn the upstream open datasets into the bundled competence directory.

Reads the files documented in ``shared/data/README.md`` and writes one JSON record
per organisation (``data/competences/organisations.jsonl.gz``) in the same format the
importer accepts. Framework-free: no Flask, no ORM.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from matchmaker.geo import canonical_region, region_for_postcode

Record = dict[str, Any]

ATTRIBUTIONS = {
    "rnsr": "Source : MESR – Répertoire National des Structures de Recherche (RNSR), Licence Ouverte 2.0",
    "ilab": "Source : MESR / Bpifrance – lauréats du concours i-Lab, Licence Ouverte 2.0",
    "anr": "Source : Agence nationale de la recherche (ANR) – open data projets financés, Licence Ouverte 2.0",
    "eudamed": "Source: EUDAMED, European Commission (reuse under Decision 2011/833/EU)",
    "emdn": "Source: European Medical Device Nomenclature (EMDN) V2, European Commission",
    "transparence_sante": "Source : Transparence Santé – base entreprises, data.gouv.fr, Licence Ouverte 2.0",
    "decp": "Données essentielles de la commande publique, data.gouv.fr, Licence Ouverte 2.0",
}

PLATFORM_PATTERN = re.compile(r"plate-?\s?forme|platform|plateau technique|core facilit", re.I)
RISK_CLASSES = {
    "EU_CLASS_I": "MDR classe I",
    "EU_CLASS_IIA": "MDR classe IIa",
    "EU_CLASS_IIB": "MDR classe IIb",
    "EU_CLASS_III": "MDR classe III",
}
LEGAL_FORMS = re.compile(
    r"\b(sas|sasu|sa|sarl|eurl|sca|snc|gmbh|ltd|inc|s\.a\.s\.?|s\.a\.|france|group|groupe)\b", re.I
)


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _split(value: str | None, separators: str = ";") -> list[str]:
    if not value:
        return []
    parts = re.split("[" + re.escape(separators) + "]", value)
    return [p.strip() for p in parts if p.strip()]


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def normalise_company_name(name: str) -> str:
    """Return an upper-case, accent-free company name without legal forms, for matching."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = LEGAL_FORMS.sub(" ", folded)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split()).upper()


def _key_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise_company_name(text).lower()).strip("-")[:80]


def _clean_city(city: str) -> str:
    city = re.sub(r"\bCEDEX\b.*$", "", city or "", flags=re.I).strip()
    return city.title() if city.isupper() else city


# --------------------------------------------------------------------------- labs


def _lab_record(row: dict[str, str]) -> Record:
    rnsr_id = row["numero_national_de_structure"]
    name = row["libelle"].strip()
    acronym = row["sigle"].strip()
    kind = "platform" if PLATFORM_PATTERN.search(name) else "lab"
    domains = _split(row["domaine_scientifique"])
    panels = _split(row["panel_erc"])
    tutelles = _unique(_split(row["tutelles"]))
    tutelle_acronyms = _unique(_split(row["sigles_des_tutelles"]))
    labels = _unique(_split(row["label_numero"]))
    city = _clean_city(row["commune"])
    record_text = ". ".join(
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
    evidence = [
        {
            "key": f"rnsr:{rnsr_id}/record",
            "kind": "directory_record",
            "title": "Fiche RNSR",
            "text": record_text,
            "lang": "fr",
            "source": "rnsr",
        }
    ]
    if panels:
        evidence.append(
            {
                "key": f"rnsr:{rnsr_id}/erc",
                "kind": "research_fields",
                "title": "ERC panels",
                "text": ". ".join(panels),
                "lang": "en",
                "source": "rnsr",
            }
        )
    return {
        "key": f"rnsr:{rnsr_id}",
        "kind": kind,
        "name": name,
        "acronym": acronym or None,
        "description_fr": None,
        "description_en": None,
        "keywords": domains,
        "certifications": [],
        "city": city or None,
        "postcode": row["code_postal"] or None,
        "region": region_for_postcode(row["code_postal"]),
        "siren": None,
        "rnsr_id": rnsr_id,
        "website": row["site_web"] or None,
        "contact_email": None,
        "source": "rnsr",
        "source_url": row["fiche_rnsr"] or None,
        "links": [f"rnsr:{p}" for p in _split(row["numero_de_structure_parent"])],
        "attributes": {
            "structure_type": row["type_de_structure"],
            "structure_level": row["code_de_niveau_de_structure"],
            "year_created": row["annee_de_creation"],
            "parent_institutions": tutelle_acronyms,
            "erc_panels": _split(row["code_panel_erc"]),
            "is_health_life_science": row["is_health_life_science"] == "1",
        },
        "evidence": evidence,
    }


def _anr_evidence(anr_dir: Path) -> dict[str, Record]:
    """Build one ANR evidence document per lab, leaving out projects shared with an i-Lab company."""
    committees: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    stems: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    codes: dict[str, set[str]] = defaultdict(set)
    for row in _read_csv(anr_dir / "anr_dos_2010_2022_partenaires_rnsr.csv.gz"):
        rnsr_id = row["Projet.Partenaire.Code_RNSR"].strip()
        if not rnsr_id or row["project_has_ilab_company_partner"] == "1":
            continue
        codes[rnsr_id].add(row["anr_code"])
        label = row["ces_label"].strip()
        if label:
            committees[rnsr_id][label] += 1
        for stem in row["abstract_en_stems"].split():
            stems[rnsr_id][stem] += 1
    safe_acronyms = {
        row["rnsr_id"]: _split(row["acronyms_ilab_safe"])
        for row in _read_csv(anr_dir / "anr_dos_lab_profiles_by_rnsr.csv.gz")
    }
    evidence: dict[str, Record] = {}
    for rnsr_id, project_codes in codes.items():
        ranked_committees = sorted(committees[rnsr_id].items(), key=lambda kv: (-kv[1], kv[0]))
        ranked_stems = sorted(stems[rnsr_id].items(), key=lambda kv: (-kv[1], kv[0]))[:80]
        parts = []
        if ranked_committees:
            parts.append("Comités ANR : " + "; ".join(label for label, _ in ranked_committees))
        # Project acronyms (DREAM, VISTA, Iso-Galois...) say little and match needs by accident: shown, not indexed.
        acronyms = safe_acronyms.get(rnsr_id, [])
        if ranked_stems:
            parts.append("Thèmes : " + " ".join(stem for stem, _ in ranked_stems))
        if not parts:
            continue
        evidence[rnsr_id] = {
            "acronyms": acronyms[:40],
            "key": f"rnsr:{rnsr_id}/anr",
            "kind": "funded_projects",
            "title": f"{len(project_codes)} projets financés par l'ANR (2010-2022)",
            "text": ". ".join(parts),
            "lang": "fr",
            "source": "anr",
        }
    return evidence


# ------------------------------------------------------------------------ i-Lab


def _ilab_text(row: dict[str, str]) -> str:
    moto = row["moto"].strip()
    resume = row["resume"].strip()
    return f"{moto}. {resume}" if resume else moto


def _short_title(text: str, limit: int = 80) -> str:
    """Return ``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-–(")
    return f"{cut}…"


def _successors(rows: Iterable[dict[str, str]]) -> dict[str, list[str]]:
    """Map the RNSR id of a former structure to the active structures that took it over (merger, split...)."""
    successors: dict[str, list[str]] = {}
    for row in rows:
        for former in _split(row["numero_de_structure_historique"]):
            successors.setdefault(former, []).append(row["numero_national_de_structure"])
    return successors


def _startup_record(row: dict[str, str], known_labs: set[str], successors: dict[str, list[str]]) -> Record:
    uid = row["ilab_uid"]
    company = row["entreprise"].strip()
    name = company or row["projet"].strip() or _short_title(row["moto"]) or f"Projet i-Lab {row['annee']} ({uid})"
    declared = _split(row["rnsr_ids_unite"], ";,")
    # a unit closed since the project links to the active structures that took it over
    lab_ids = _unique(
        lab for unit in declared for lab in ([unit] if unit in known_labs else successors.get(unit, []))
    )
    return {
        "key": f"ilab:{uid}",
        "kind": "startup",
        "name": name,
        "acronym": None,
        "description_fr": _ilab_text(row),
        "description_en": None,
        "keywords": [row["domaine_technologique"]] if row["domaine_technologique"] else [],
        "certifications": [],
        "city": None,
        "postcode": None,
        "region": canonical_region(row["region"]) or (row["region"] or None),
        "siren": row["siren"].strip().zfill(9) if row["siren"].strip().isdigit() else None,
        "rnsr_id": None,
        "website": row["site_web_entreprise"].strip() or None,
        "contact_email": None,
        "source": "ilab",
        "source_url": row["lien_scanr"].strip() or None,
        "links": [f"rnsr:{i}" for i in lab_ids],
        "attributes": {
            "ilab_uid": uid,
            "year": row["annee"],
            "application_type": row["type_candidature"],
            "technology_domain": row["domaine_technologique"],
            "is_health_domain": row["is_health_domain"] == "1",
            "grand_prix": bool(row["grand_prix"].strip()),
            "research_unit": row["unite_recherche"].strip() or None,
            "company_name_known": bool(company),
        },
        "evidence": [
            {
                "key": f"ilab:{uid}/project",
                "kind": "ilab_project",
                "title": f"Projet lauréat i-Lab {row['annee']}",
                "text": _ilab_text(row),
                "lang": "fr",
                "source": "ilab",
                "source_ref": uid,
            }
        ]
        if _ilab_text(row)
        else [],
    }


# -------------------------------------------------------------------- suppliers


def _supplier_records(suppliers_dir: Path) -> dict[str, Record]:
    """Merge EUDAMED manufacturers and Transparence Santé device companies by normalised name."""
    by_name: dict[str, Record] = {}
    devices: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _read_csv(suppliers_dir / "eudamed_devices_firstbase_subset_FR.csv.gz"):
        devices[row["manufacturer_srn"]].append(row)
    seen_srns: set[str] = set()
    manufacturers = sorted(
        _read_csv(suppliers_dir / "eudamed_manufacturers_FR_latest.csv.gz"),
        key=lambda r: r["marked_current"] != "True",  # the current version of an SRN wins
    )
    for row in manufacturers:
        srn = row["srn"].split()[0]
        if srn in seen_srns:
            continue
        seen_srns.add(srn)
        name = row["name"].strip()
        terms = _unique(d["emdn_term"].strip() for d in devices.get(srn, []) if d["emdn_term"].strip())
        risk = _unique(d["risk_class"].strip() for d in devices.get(srn, []) if d["risk_class"].strip())
        evidence = [
            {
                "key": f"eudamed:{srn}/record",
                "kind": "directory_record",
                "title": "Enregistrement EUDAMED",
                "text": f"{name}. Fabricant de dispositifs médicaux enregistré dans EUDAMED ({srn}). "
                f"{_clean_city(row['city'])}",
                "lang": "fr",
                "source": "eudamed",
            }
        ]
        if terms:
            evidence.append(
                {
                    "key": f"eudamed:{srn}/devices",
                    "kind": "devices",
                    "title": f"{len(devices[srn])} dispositifs déclarés (EMDN)",
                    "text": "Medical devices: " + "; ".join(terms[:60]),
                    "lang": "en",
                    "source": "emdn",
                }
            )
        by_name[normalise_company_name(name)] = {
            "key": f"eudamed:{srn}",
            "kind": "manufacturer",
            "name": name,
            "acronym": row["abbreviated_name"].strip() or None,
            "description_fr": None,
            "description_en": None,
            "keywords": terms[:20],
            "certifications": _unique(RISK_CLASSES[r] for r in risk if r in RISK_CLASSES),
            "city": _clean_city(row["city"]) or None,
            "postcode": None,
            "region": None,
            "siren": None,
            "rnsr_id": None,
            "website": None,
            "contact_email": None,
            "source": "eudamed",
            "source_url": None,
            "links": [],
            "attributes": {"srn": srn},
            "evidence": evidence,
        }
    sector_labels = {
        "[DM]": "Dispositifs médicaux",
        "[DMDIV]": "Dispositifs médicaux de diagnostic in vitro",
    }
    for row in _read_csv(suppliers_dir / "transparence_sante_entreprises_2020.csv.gz"):
        sector = sector_labels.get(row["secteur_activite_code"])
        if sector is None or row["pays_code"] != "[FR]":
            continue
        name = row["denomination_sociale"].strip()
        city = _clean_city(row["ville"])
        key_name = normalise_company_name(name)
        text = f"{name}. Entreprise du secteur {sector} déclarée dans Transparence Santé. {city}"
        record = by_name.get(key_name)
        if record is None:
            record = {
                "key": f"transparence:{row['identifiant']}",
                "kind": "manufacturer",
                "name": name,
                "acronym": None,
                "description_fr": None,
                "description_en": None,
                "keywords": [sector],
                "certifications": [],
                "city": city or None,
                "postcode": row["code_postal"] or None,
                "region": region_for_postcode(row["code_postal"]),
                "siren": None,
                "rnsr_id": None,
                "website": None,
                "contact_email": None,
                "source": "transparence_sante",
                "source_url": None,
                "links": [],
                "attributes": {},
                "evidence": [],
            }
            by_name[key_name] = record
        else:
            record["postcode"] = record["postcode"] or row["code_postal"] or None
            record["region"] = record["region"] or region_for_postcode(row["code_postal"])
            record["keywords"] = _unique([*record["keywords"], sector])
        record["attributes"]["transparence_sante_id"] = row["identifiant"]
        record["evidence"].append(
            {
                "key": f"transparence:{row['identifiant']}/record",
                "kind": "directory_record",
                "title": "Registre Transparence Santé",
                "text": text,
                "lang": "fr",
                "source": "transparence_sante",
            }
        )
    return by_name


def _procurement(procurement_dir: Path, suppliers: dict[str, Record]) -> list[Record]:
    """Add awarded contracts as evidence of suppliers and create the hospital buyers."""
    buyers: dict[str, Record] = {}
    winners: dict[str, Record] = {}
    with gzip.open(procurement_dir / "decp_2019_health_contracts.jsonl.gz", "rt", encoding="utf-8") as fh:
        contracts = [json.loads(line) for line in fh if line.strip()]
    for contract in contracts:
        objet = " ".join((contract.get("objet") or "").split())
        if not objet:
            continue
        buyer_id = contract.get("acheteur_id") or _key_slug(contract.get("acheteur_nom") or "")
        if not buyer_id:
            continue
        buyer_name = (contract.get("acheteur_nom") or f"Acheteur public {buyer_id}").strip()
        cpv = contract.get("codeCPV") or ""
        place = (contract.get("lieuExecution") or {}).get("code") or ""
        buyer = buyers.setdefault(
            buyer_id,
            {
                "key": f"decp-buyer:{buyer_id}",
                "kind": "buyer",
                "name": buyer_name,
                "acronym": None,
                "description_fr": None,
                "description_en": None,
                "keywords": [],
                "certifications": [],
                "city": None,
                "postcode": place if place.isdigit() else None,
                "region": region_for_postcode(place),
                "siren": buyer_id[:9] if buyer_id[:9].isdigit() else None,
                "rnsr_id": None,
                "website": None,
                "contact_email": None,
                "source": "decp",
                "source_url": None,
                "links": [],
                "attributes": {"siret": buyer_id if buyer_id.isdigit() else None},
                "evidence": [],
            },
        )
        purchase_key = f"{buyer['key']}/{len(buyer['evidence'])}"
        buyer["evidence"].append(
            {
                "key": purchase_key,
                "kind": "purchase",
                "title": f"Achat public notifié le {contract.get('dateNotification') or '?'}",
                "text": f"Achat : {objet} (CPV {cpv})",
                "lang": "fr",
                "source": "decp",
                "source_ref": f"decp:{contract['uid']}",
            }
        )
        for holder in contract.get("titulaires") or []:
            name = (holder.get("denomination") or "").strip()
            if not name:
                continue
            siret = (holder.get("id") or "").strip()
            siren = siret[:9] if holder.get("type") == "SIRET" and siret[:9].isdigit() else None
            norm = normalise_company_name(name)
            record = suppliers.get(norm) or winners.get(siren or norm)
            if record is None:
                kind = "service_provider" if cpv.startswith("85") else "subcontractor"
                record = {
                    "key": f"decp:{siren or _key_slug(norm)}",
                    "kind": kind,
                    "name": name,
                    "acronym": None,
                    "description_fr": None,
                    "description_en": None,
                    "keywords": [],
                    "certifications": [],
                    "city": None,
                    "postcode": None,
                    "region": None,
                    "siren": siren,
                    "rnsr_id": None,
                    "website": None,
                    "contact_email": None,
                    "source": "decp",
                    "source_url": None,
                    "links": [],
                    "attributes": {},
                    "evidence": [],
                }
                winners[siren or norm] = record
            record["siren"] = record["siren"] or siren
            record["evidence"].append(
                {
                    "key": f"{record['key']}/contract-{len(record['evidence'])}",
                    "kind": "contract_won",
                    "title": f"Marché public remporté ({buyer_name})",
                    "text": f"Marché remporté auprès de {buyer_name} : {objet}",
                    "lang": "fr",
                    "source": "decp",
                    "source_ref": f"decp:{contract['uid']}",
                }
            )
    return [*winners.values(), *buyers.values()]


# ------------------------------------------------------------------------ build


def build_directory(shared_data: Path) -> list[Record]:
    """Return every organisation record built from the shared open data."""
    labs: dict[str, Record] = {}
    rnsr_rows = list(_read_csv(shared_data / "rnsr_structures_actives_2022.csv.gz"))
    for row in rnsr_rows:
        record = _lab_record(row)
        labs[record["rnsr_id"]] = record
    successors = _successors(rnsr_rows)
    for rnsr_id, evidence in _anr_evidence(shared_data / "anr").items():
        if rnsr_id in labs:
            acronyms = evidence.pop("acronyms")
            labs[rnsr_id]["evidence"].append(evidence)
            labs[rnsr_id]["attributes"]["anr_projects"] = int(evidence["title"].split()[0])
            if acronyms:
                labs[rnsr_id]["attributes"]["anr_acronyms"] = acronyms

    startups = []
    for row in _read_csv(shared_data / "ilab_laureats_1999_2025.csv.gz"):
        startup = _startup_record(row, set(labs), successors)
        startups.append(startup)
        for link in startup["links"] if _ilab_text(row) else []:
            lab = labs[link.removeprefix("rnsr:")]
            lab["evidence"].append(
                {
                    "key": f"{lab['key']}/{row['ilab_uid']}",
                    "kind": "ilab_project",
                    "title": f"Start-up issue du laboratoire : {startup['name']} (i-Lab {row['annee']})",
                    "text": _ilab_text(row),
                    "lang": "fr",
                    "source": "ilab",
                    "source_ref": row["ilab_uid"],
                }
            )

    suppliers = _supplier_records(shared_data / "suppliers")
    procurement = _procurement(shared_data / "procurement", suppliers)
    return [*labs.values(), *startups, *suppliers.values(), *procurement]


def write_directory(records: list[Record], target: Path) -> None:
    """Write records as gzip JSON lines, deterministically (stable gzip header, sorted keys)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for record in records:
            gz.write((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
