"""The record format every source writes (the importer's format) and the helpers the sources share."""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

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

LEGAL_FORMS = re.compile(
    r"\b(sas|sasu|sa|sarl|eurl|sca|snc|gmbh|ltd|inc|s\.a\.s\.?|s\.a\.|france|group|groupe)\b", re.I
)


def organisation_record(*, key: str, kind: str, name: str, source: str, **fields: Any) -> Record:
    """Return an organisation record with every field of the format (None or empty where not given)."""
    record: Record = {
        "key": key,
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
        "siren": None,
        "rnsr_id": None,
        "website": None,
        "contact_email": None,
        "source": source,
        "source_url": None,
        "links": [],
        "attributes": {},
        "evidence": [],
    }
    unknown = set(fields) - set(record)
    if unknown:
        raise TypeError(f"unknown record fields: {sorted(unknown)}")
    record.update(fields)
    return record


def evidence_item(key: str, kind: str, title: str, text: str, *, lang: str, source: str, **extra: Any) -> Record:
    """Return one evidence document of a record (``extra``: ``source_ref`` and the like)."""
    return {"key": key, "kind": kind, "title": title, "text": text, "lang": lang, "source": source, **extra}


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of a gzipped CSV file as dictionaries."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def split_list(value: str | None, separators: str = ";") -> list[str]:
    """Return the non-empty, stripped items of a separated list."""
    if not value:
        return []
    parts = re.split("[" + re.escape(separators) + "]", value)
    return [p.strip() for p in parts if p.strip()]


def unique(values: Iterable[str]) -> list[str]:
    """Return the non-empty values once each, in their first order."""
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


def key_slug(text: str) -> str:
    """Return a key-safe slug of a company name."""
    return re.sub(r"[^a-z0-9]+", "-", normalise_company_name(text).lower()).strip("-")[:80]


def clean_city(city: str) -> str:
    """Return a city name without its CEDEX suffix, in title case when it was all capitals."""
    city = re.sub(r"\bCEDEX\b.*$", "", city or "", flags=re.I).strip()
    return city.title() if city.isupper() else city
