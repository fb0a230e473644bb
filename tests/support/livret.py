"""A cluster's member list as the bulk import receives it: an XLSX file of the template's columns.

Deterministic: row i (sheet line i + 1) describes a fictitious workshop "Atelier {i}"; the lines listed in
``BAD_LINES`` carry one mistake each, with the reason the import must give.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from matchmaker.catalogue.livret_rows import TEMPLATE_COLUMNS

ACTIVITIES = ("usinage", "injection plastique", "stérilisation", "assemblage en salle blanche",
              "essais de biocompatibilité", "investigation clinique", "affaires réglementaires", "extrusion")
MATERIALS = ("titane", "PEEK", "silicone", "acier inoxydable", "polycarbonate")
REGIONS = ("Auvergne-Rhône-Alpes", "Bretagne", "Occitanie", "Île-de-France", "Grand Est")
BAD_LINES = {
    14: ("certification_1", "ISO13845", "certification inconnue 'ISO13845'"),
    57: ("activities", "usinage; téléportation", "activité ou procédé inconnu 'téléportation'"),
    120: ("certification_1_expires", "31/13/2027", "date invalide dans 'certification_1_expires'"),
    171: ("batch_min", "beaucoup", "nombre entier attendu dans 'batch_min'"),
}
"""sheet line -> (column, bad value, start of the reason)."""


def member_row(i: int) -> dict[str, object]:
    """Return the template row of workshop i (valid)."""
    return {
        "key": f"cluster:atelier-{i:03d}", "name": f"Atelier {i} (fictif)", "kind": "subcontractor",
        "region": REGIONS[i % len(REGIONS)], "city": "Ville", "siren": f"{900000000 + i:09d}",
        "description_fr": f"Atelier fictif numéro {i} : {ACTIVITIES[i % len(ACTIVITIES)]} de pièces pour "
                          "dispositifs médicaux.",
        "activities": f"{ACTIVITIES[i % len(ACTIVITIES)]}; {ACTIVITIES[(i + 3) % len(ACTIVITIES)]}",
        "materials": MATERIALS[i % len(MATERIALS)],
        "certification_1": "ISO 13485" if i % 2 else "ISO 9001",
        "certification_1_number": f"CERT-{i:04d}", "certification_1_body": "Organisme fictif",
        "certification_1_expires": date(2028, 1 + i % 12, 1),
        "batch_min": 10 * (1 + i % 5), "batch_max": 1000 * (1 + i % 7), "lead_time_weeks": 2 + i % 10,
        "sectors": "dispositifs médicaux", "client_types": "fabricants de dispositifs médicaux",
        "member_name": f"Contact {i}", "member_email": f"contact{i}@atelier-{i:03d}.example",
    }


def member_list_xlsx(rows: int = 200, bad: bool = True) -> bytes:
    """Return an XLSX member list of ``rows`` workshops (header on line 1), with ``BAD_LINES`` spoilt when bad."""
    book = Workbook()
    sheet = book.active
    sheet.title = "livret"
    sheet.append(list(TEMPLATE_COLUMNS))
    for i in range(1, rows + 1):
        row = member_row(i)
        line = i + 1
        if bad and line in BAD_LINES:
            column, value, _ = BAD_LINES[line]
            row[column] = value
        sheet.append([row.get(column) for column in TEMPLATE_COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
