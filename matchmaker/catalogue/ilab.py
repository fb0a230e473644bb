"""Start-ups from the i-Lab competition winners, and the projects they bring to the labs they came from."""

from __future__ import annotations

from collections.abc import Iterable

from matchmaker.catalogue.records import Record, evidence_item, organisation_record, split_list, unique
from matchmaker.geo import canonical_region
from matchmaker.vocabulary import EvidenceKind, OrganisationKind


def ilab_text(row: dict[str, str]) -> str:
    """Return the project's text: its motto, then its summary when there is one."""
    moto = row["moto"].strip()
    resume = row["resume"].strip()
    return f"{moto}. {resume}" if resume else moto


def short_title(text: str, limit: int = 80) -> str:
    """Return ``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-–(")
    return f"{cut}…"


def _lab_ids(row: dict[str, str], known_labs: set[str], successors: dict[str, list[str]]) -> list[str]:
    declared = split_list(row["rnsr_ids_unite"], ";,")
    # a unit closed since the project links to the active structures that took it over
    return unique(lab for unit in declared for lab in ([unit] if unit in known_labs else successors.get(unit, [])))


def startup_record(row: dict[str, str], known_labs: set[str], successors: dict[str, list[str]]) -> Record:
    """Return the record of one i-Lab winner, linked to the active labs its research unit maps to."""
    uid = row["ilab_uid"]
    company = row["entreprise"].strip()
    name = company or row["projet"].strip() or short_title(row["moto"]) or f"Projet i-Lab {row['annee']} ({uid})"
    text = ilab_text(row)
    evidence = [
        evidence_item(f"ilab:{uid}/project", EvidenceKind.ILAB_PROJECT, f"Projet lauréat i-Lab {row['annee']}", text,
                      lang="fr", source="ilab", source_ref=uid)
    ]
    return organisation_record(
        key=f"ilab:{uid}",
        kind=OrganisationKind.STARTUP,
        name=name,
        source="ilab",
        description_fr=text,
        keywords=[row["domaine_technologique"]] if row["domaine_technologique"] else [],
        region=canonical_region(row["region"]) or (row["region"] or None),
        siren=row["siren"].strip().zfill(9) if row["siren"].strip().isdigit() else None,
        website=row["site_web_entreprise"].strip() or None,
        source_url=row["lien_scanr"].strip() or None,
        links=[f"rnsr:{i}" for i in _lab_ids(row, known_labs, successors)],
        attributes={
            "ilab_uid": uid,
            "year": row["annee"],
            "application_type": row["type_candidature"],
            "technology_domain": row["domaine_technologique"],
            "is_health_domain": row["is_health_domain"] == "1",
            "grand_prix": bool(row["grand_prix"].strip()),
            "research_unit": row["unite_recherche"].strip() or None,
            "company_name_known": bool(company),
        },
        evidence=evidence if text else [],
    )


def startup_records(
    rows: Iterable[dict[str, str]], labs: dict[str, Record], successors: dict[str, list[str]]
) -> list[Record]:
    """Return the start-up records and add each project, as evidence, to the labs it came from."""
    known_labs = set(labs)
    startups = []
    for row in rows:
        startup = startup_record(row, known_labs, successors)
        startups.append(startup)
        for link in startup["links"] if ilab_text(row) else []:
            lab = labs[link.removeprefix("rnsr:")]
            lab["evidence"].append(
                evidence_item(
                    f"{lab['key']}/{row['ilab_uid']}", EvidenceKind.ILAB_PROJECT,
                    f"Start-up issue du laboratoire : {startup['name']} (i-Lab {row['annee']})", ilab_text(row),
                    lang="fr", source="ilab", source_ref=row["ilab_uid"],
                )
            )
    return startups
