"""Parse and validate capability profiles ("livret de compétences") from CSV or JSON.

Framework-free: returns plain records in the bundled-directory format plus a list of
row errors with line numbers. Storing them is the job of ``services.catalogue``.
Reasons are flask-babel lazy strings: they render in the active request's language, and in
French (the source language) outside any request, so the module needs no Flask context.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from matchmaker.catalogue.livret_rows import TEMPLATE_COLUMNS, certification_label, read_invitation, read_livret
from matchmaker.geo import canonical_region, region_for_postcode
from matchmaker.input_text import json_problems, printable_name
from matchmaker.vocabulary import (
    ORGANISATION_KINDS,
    EvidenceKind,
    fold_accents,
)

CSV_COLUMNS = TEMPLATE_COLUMNS
"""The columns a CSV or XLSX file may have: the record's fields, the livret sections, the person to invite."""
MAX_FIELD_CHARS = {"name": 300, "description_fr": 20000, "description_en": 20000, "keywords": 5000}
MAX_ROWS = 100_000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SIREN = re.compile(r"^\d{9}$")
_RNSR = re.compile(r"^\d{9}[A-Z]$")


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (encoding, syntax, missing columns)."""


@dataclass(frozen=True)
class RowError:
    """A rejected row: where it is and why (``reason`` is rendered in the active language when read)."""

    line: int
    raw_reason: str | LazyString
    name: str = ""

    @property
    def reason(self) -> str:
        """Return the reason as a plain ``str`` (French outside a request)."""
        return str(self.raw_reason)


@dataclass
class ParsedFile:
    """Valid records (with their line numbers) and the rows that were rejected."""

    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[;|\n]", str(value))
    return [" ".join(i.split()) for i in items if i and i.strip()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_accents(text)).strip("-")[:80]


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return " ".join(value.replace("\x00", "").split())


def _check_name_kind_and_sizes(raw: dict[str, Any]) -> tuple[str, str]:
    name = _clean(raw.get("name"))
    if not name:
        raise ValueError(_l("nom manquant / missing name"))
    kind = _clean(raw.get("kind")).lower()
    if kind not in ORGANISATION_KINDS:
        raise ValueError(
            _l("type inconnu '%(kind)s' / unknown kind (attendu : %(expected)s)", kind=kind[:40],
               expected=", ".join(ORGANISATION_KINDS))
        )
    for column, limit in MAX_FIELD_CHARS.items():
        value = raw.get(column)
        if isinstance(value, str) and len(value) > limit:
            raise ValueError(
                _l("champ '%(column)s' trop long (%(length)d > %(max)d caractères)", column=column, length=len(value),
                   max=limit)
            )
    return name, kind


def _certifications(raw: dict[str, Any]) -> list[str]:
    """Return the row's certification labels, or raise ValueError naming the unknown one."""
    return list(dict.fromkeys(certification_label(value) for value in _split_list(raw.get("certifications"))))


def _identifiers_and_contacts(raw: dict[str, Any]) -> dict[str, str]:
    """Return the checked siren, rnsr_id, contact_email, website and source_url ("" when absent)."""
    siren = re.sub(r"\s", "", _clean(raw.get("siren")))
    if siren and not _SIREN.match(siren):
        raise ValueError(_l("SIREN invalide '%(siren)s' (9 chiffres attendus)", siren=siren[:20]))
    rnsr_id = _clean(raw.get("rnsr_id")).upper()
    if rnsr_id and not _RNSR.match(rnsr_id):
        raise ValueError(_l("identifiant RNSR invalide '%(rnsr)s' (9 chiffres et une lettre)", rnsr=rnsr_id[:20]))
    email = _clean(raw.get("contact_email"))
    if email and not _EMAIL.match(email):
        raise ValueError(_l("adresse de contact invalide '%(email)s'", email=email[:60]))
    website = _clean(raw.get("website"))
    if website and not re.match(r"^https?://", website):
        website = "https://" + website
    source_url = _clean(raw.get("source_url"))
    if source_url and not re.match(r"^https?://", source_url, flags=re.IGNORECASE):
        # Rendered as a link on the profile page: a javascript: or data: URL must never get there.
        raise ValueError(_l("source_url invalide '%(url)s' (http:// ou https:// attendu)", url=source_url[:60]))
    return {"siren": siren, "rnsr_id": rnsr_id, "contact_email": email, "website": website, "source_url": source_url}


def _region(raw: dict[str, Any], postcode: str) -> str | None:
    region_text = _clean(raw.get("region"))
    region = canonical_region(region_text) or region_for_postcode(postcode)
    if region_text and region is None:
        raise ValueError(_l("région inconnue '%(region)s'", region=region_text[:40]))
    return region


def _record_key(raw: dict[str, Any], name: str, siren: str, rnsr_id: str) -> str:
    key = _clean(raw.get("key"))
    if not key:
        key = f"siren:{siren}" if siren else f"rnsr:{rnsr_id}" if rnsr_id else f"import:{_slug(name)}"
    if len(key) > 120 or not re.match(r"^[\w:.\-/]+$", key):
        raise ValueError(_l("clé invalide (lettres, chiffres, : . - / uniquement, 120 caractères au plus)"))
    return key


def _evidence(
    raw: dict[str, Any], key: str, description_fr: str | None, description_en: str | None, keywords: list[str],
    livret: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Return the record's evidence: the given items, plus its descriptions and keywords not already among them."""
    evidence = list(raw.get("evidence") or [])
    known_texts = {_clean(item.get("text")) for item in evidence if isinstance(item, dict)}
    if livret is not None:  # its descriptions are livret evidence (services.livret), not import evidence
        known_texts |= {_clean(description_fr), _clean(description_en)}
    if description_fr and _clean(description_fr) not in known_texts:
        evidence.append({"key": f"{key}/description-fr", "kind": EvidenceKind.DESCRIPTION, "title": "Description",
                         "text": description_fr, "lang": "fr", "source": "import"})
    if description_en and _clean(description_en) not in known_texts:
        evidence.append({"key": f"{key}/description-en", "kind": EvidenceKind.DESCRIPTION, "title": "Description",
                         "text": description_en, "lang": "en", "source": "import"})
    if keywords and not raw.get("evidence"):
        evidence.append({"key": f"{key}/competences", "kind": EvidenceKind.COMPETENCES, "title": "Compétences",
                         "text": "Compétences : " + "; ".join(keywords), "lang": None, "source": "import"})
    for item in evidence:
        if not isinstance(item, dict) or not _clean(item.get("text")) or not _clean(item.get("key")):
            raise ValueError(_l("preuve (evidence) sans clé ou sans texte"))
    return evidence


def validate_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Return a normalised organisation record, or raise ValueError with a readable reason."""
    if not isinstance(raw, dict):
        raise ValueError(_l("la ligne n'est pas un objet JSON / row is not an object"))
    name, kind = _check_name_kind_and_sizes(raw)
    description_fr = (raw.get("description_fr") or "").strip() or None
    description_en = (raw.get("description_en") or "").strip() or None
    keywords = _split_list(raw.get("keywords"))
    certifications = _certifications(raw)
    livret = read_livret(raw)
    if livret is not None:  # the livret declares them, with their details
        certifications = [item["label"] for item in livret["certifications"]]
    checked = _identifiers_and_contacts(raw)
    postcode = _clean(raw.get("postcode"))
    region = _region(raw, postcode)
    key = _record_key(raw, name, checked["siren"], checked["rnsr_id"])
    if not (description_fr or description_en or keywords or raw.get("evidence") or livret):
        raise ValueError(_l("aucune description ni compétence : le profil serait vide"))
    return {
        "key": key,
        "kind": kind,
        "name": name,
        "acronym": _clean(raw.get("acronym")) or None,
        "description_fr": description_fr,
        "description_en": description_en,
        "keywords": keywords,
        "certifications": certifications,
        "city": _clean(raw.get("city")) or None,
        "postcode": postcode or None,
        "region": region,
        "siren": checked["siren"] or None,
        "rnsr_id": checked["rnsr_id"] or None,
        "website": checked["website"] or None,
        "contact_email": checked["contact_email"] or None,
        "source": _clean(raw.get("source")) or "import",
        "source_url": checked["source_url"] or None,
        "links": _split_list(raw.get("links")),
        "attributes": raw.get("attributes") if isinstance(raw.get("attributes"), dict) else {},
        "evidence": _evidence(raw, key, description_fr, description_en, keywords, livret),
        "livret": livret,
        "invite": read_invitation(raw),
    }


def _decode(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ImportFormatError(
                _l("fichier gzip illisible / corrupt gzip file (%(error)s)", error=str(exc))
            ) from exc
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ImportFormatError(_l("encodage illisible : enregistrez le fichier en UTF-8 / file is not UTF-8 text"))


def _rows_from_json(text: str) -> list[tuple[int, Any]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFormatError(
                _l("JSON invalide ligne %(line)d : %(error)s", line=exc.lineno, error=exc.msg)
            ) from exc
        return [(index + 1, item) for index, item in enumerate(items)]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            rows.append((number, ValueError(_l("JSON invalide : %(error)s", error=exc.msg))))
    return rows


def _check_header(header: list[str]) -> None:
    missing = {"name", "kind"} - set(header)
    if missing:
        raise ImportFormatError(
            _l("colonnes obligatoires manquantes : %(columns)s", columns=", ".join(sorted(missing)))
        )
    unknown = set(header) - set(CSV_COLUMNS)
    if unknown:
        raise ImportFormatError(
            _l("colonnes inconnues : %(unknown)s (connues : %(known)s)", unknown=", ".join(sorted(unknown)),
               known=", ".join(CSV_COLUMNS))
        )


def _rows_from_csv(text: str) -> list[tuple[int, Any]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFormatError(_l("CSV invalide à l'en-tête : %(error)s", error=str(exc))) from exc
    _check_header(header)
    reader.fieldnames = header
    rows: list[tuple[int, Any]] = []
    try:
        for row in reader:
            if None in row:
                rows.append((reader.line_num, ValueError(_l("trop de colonnes sur cette ligne"))))
                continue
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportFormatError(
            _l("CSV invalide ligne %(line)d : %(error)s", line=reader.line_num, error=str(exc))
        ) from exc
    return rows


def _xlsx_value(value: Any) -> Any:
    """Return a cell as the CSV reader would give it, keeping dates (certification expiry) as dates."""
    if value is None or isinstance(value, str | date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_from_xlsx(data: bytes) -> list[tuple[int, Any]]:
    """Read the first sheet (or the template's "livret" sheet) of a workbook; line numbers are sheet rows."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and value errors alike on a damaged file
        raise ImportFormatError(_l("fichier XLSX illisible : enregistrez-le au format Excel (.xlsx)")) from exc
    try:
        sheet = book["livret"] if "livret" in book.sheetnames else book.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        header = [str(h).strip().lower() if h is not None else "" for h in next(cells, None) or ()]
        while header and not header[-1]:
            header.pop()
        _check_header([h for h in header if h])
        rows: list[tuple[int, Any]] = []
        for number, values in enumerate(cells, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            if len(rows) > MAX_ROWS:
                break
            if any(v not in (None, "") for v in values[len(header):]):
                rows.append((number, ValueError(_l("trop de colonnes sur cette ligne"))))
                continue
            rows.append((number, {h: _xlsx_value(v) for h, v in zip(header, values, strict=False) if h}))
        return rows
    finally:
        book.close()


def _reason(error: Exception) -> str | LazyString:
    """Return an exception's message, keeping a lazy (translatable) message lazy."""
    if len(error.args) == 1 and isinstance(error.args[0], str | LazyString):
        return error.args[0]
    return str(error)


def parse_profiles(data: bytes, filename: str) -> ParsedFile:
    """Parse a CSV, XLSX, JSON or JSON-lines file (text files optionally gzipped) into validated records."""
    name = filename.lower().removesuffix(".gz")
    if name.endswith(".xlsx"):
        rows = _rows_from_xlsx(data)
    elif name.endswith(".csv"):
        rows = _rows_from_csv(_decode(data))
    elif name.endswith((".json", ".jsonl", ".ndjson")):
        rows = _rows_from_json(_decode(data))
    else:
        raise ImportFormatError(_l("format non reconnu : utilisez .csv, .xlsx, .json ou .jsonl"))
    if len(rows) > MAX_ROWS:
        raise ImportFormatError(
            _l("trop de lignes (%(count)d > %(max)d) : découpez le fichier", count=len(rows), max=MAX_ROWS)
        )
    parsed = ParsedFile()
    seen: dict[str, int] = {}
    for line, raw in rows:
        if isinstance(raw, Exception):
            parsed.errors.append(RowError(line, _reason(raw)))
            continue
        invalid = next(json_problems(raw), None)
        if invalid is not None:  # valid JSON, but a lone surrogate cannot be stored (no UTF-8 encoding exists)
            parsed.errors.append(RowError(line, _l("texte invalide dans « %(field)s » (caractère UTF-16 isolé) / "
                                                   "invalid text in field", field=printable_name(invalid[0]))))
            continue
        try:
            record = validate_record(raw)
        except ValueError as exc:
            label = _clean(raw.get("name"))[:80] if isinstance(raw, dict) else ""
            parsed.errors.append(RowError(line, _reason(exc), label))
            continue
        if record["key"] in seen:
            parsed.errors.append(
                RowError(
                    line,
                    _l("doublon de la ligne %(line)d (clé %(key)s)", line=seen[record["key"]], key=record["key"]),
                    record["name"],
                )
            )
            continue
        seen[record["key"]] = line
        parsed.records.append((line, record))
    return parsed


def read_profiles_file(path: Path) -> ParsedFile:
    """Read and parse a profiles file from disk."""
    return parse_profiles(path.read_bytes(), path.name)
