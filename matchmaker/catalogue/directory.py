"""Turn the upstream open datasets into the bundled competence directory.

Reads the files documented in ``shared/data/README.md`` and writes one JSON record
per organisation (``data/competences/organisations.jsonl.gz``) in the same format the
importer accepts. Framework-free: no Flask, no ORM. One module per source: ``rnsr`` (labs and
platforms), ``anr`` (funded projects), ``ilab`` (start-ups), ``suppliers`` (EUDAMED, Transparence
Santé), ``procurement`` (DECP buyers and contract winners); ``enrichment`` then reads the records as a whole
(accents, company kinds and regions, readable ANR text, BDPM medicines).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from matchmaker.catalogue.anr import attach_anr_evidence
from matchmaker.catalogue.enrichment import enrich_directory
from matchmaker.catalogue.ilab import startup_records
from matchmaker.catalogue.procurement import procurement_records
from matchmaker.catalogue.records import Record, read_csv
from matchmaker.catalogue.rnsr import lab_record, structure_successors
from matchmaker.catalogue.suppliers import supplier_records


def build_directory(shared_data: Path) -> list[Record]:
    """Return every organisation record built from the shared open data."""
    rnsr_rows = list(read_csv(shared_data / "rnsr_structures_actives_2022.csv.gz"))
    labs = {row["numero_national_de_structure"]: lab_record(row) for row in rnsr_rows}
    attach_anr_evidence(labs, shared_data / "anr")
    startups = startup_records(
        read_csv(shared_data / "ilab_laureats_1999_2025.csv.gz"), labs, structure_successors(rnsr_rows)
    )
    suppliers = supplier_records(shared_data / "suppliers")
    procurement = procurement_records(shared_data / "procurement", suppliers)
    records = [*labs.values(), *startups, *suppliers.values(), *procurement]
    enrich_directory(records, shared_data)  # second pass: accents, company kinds, regions, ANR, medicines
    return records


def write_directory(records: list[Record], target: Path) -> None:
    """Write records as gzip JSON lines, deterministically (stable gzip header, sorted keys)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for record in records:
            gz.write((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
