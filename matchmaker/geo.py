"""French regions and the departments they contain (2016 regional map)."""

from __future__ import annotations

REGIONS: dict[str, tuple[str, ...]] = {
    "Auvergne-Rhône-Alpes": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "Bourgogne-Franche-Comté": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "Bretagne": ("22", "29", "35", "56"),
    "Centre-Val de Loire": ("18", "28", "36", "37", "41", "45"),
    "Corse": ("2A", "2B", "20"),
    "Grand Est": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "Hauts-de-France": ("02", "59", "60", "62", "80"),
    "Île-de-France": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "Normandie": ("14", "27", "50", "61", "76"),
    "Nouvelle-Aquitaine": (
        "16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87",
    ),
    "Occitanie": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "Pays de la Loire": ("44", "49", "53", "72", "85"),
    "Provence-Alpes-Côte d'Azur": ("04", "05", "06", "13", "83", "84"),
    "Guadeloupe": ("971",),
    "Martinique": ("972",),
    "Guyane": ("973",),
    "La Réunion": ("974",),
    "Mayotte": ("976",),
    "Saint-Pierre-et-Miquelon": ("975",),
    "Polynésie française": ("987",),
    "Nouvelle-Calédonie": ("988",),
}

_DEPARTMENT_TO_REGION = {dep: region for region, deps in REGIONS.items() for dep in deps}

# Names used by other open datasets (i-Lab) for the same regions.
_REGION_ALIASES = {
    "auvergne-rhone-alpes": "Auvergne-Rhône-Alpes",
    "bourgogne-franche-comte": "Bourgogne-Franche-Comté",
    "bretagne": "Bretagne",
    "centre-val de loire": "Centre-Val de Loire",
    "centre": "Centre-Val de Loire",
    "corse": "Corse",
    "grand est": "Grand Est",
    "hauts-de-france": "Hauts-de-France",
    "ile-de-france": "Île-de-France",
    "normandie": "Normandie",
    "nouvelle-aquitaine": "Nouvelle-Aquitaine",
    "occitanie": "Occitanie",
    "pays de la loire": "Pays de la Loire",
    "provence-alpes-cote d'azur": "Provence-Alpes-Côte d'Azur",
    "guadeloupe": "Guadeloupe",
    "martinique": "Martinique",
    "guyane": "Guyane",
    "la reunion": "La Réunion",
    "reunion": "La Réunion",
    "mayotte": "Mayotte",
    "polynesie francaise": "Polynésie française",
    "nouvelle-caledonie": "Nouvelle-Calédonie",
    "saint-pierre-et-miquelon": "Saint-Pierre-et-Miquelon",
}


def region_for_postcode(postcode: str | None) -> str | None:
    """Return the region of a French postcode, or None when unknown."""
    if not postcode:
        return None
    code = postcode.strip().replace(" ", "")
    if len(code) < 2 or not code[:2].isdigit():
        return None
    if code.startswith(("97", "98")) and len(code) >= 3:
        return _DEPARTMENT_TO_REGION.get(code[:3])
    if code.startswith("20"):
        return "Corse"
    return _DEPARTMENT_TO_REGION.get(code[:2])


def canonical_region(name: str | None) -> str | None:
    """Return the canonical spelling of a region name, or None when it is not a French region."""
    if not name:
        return None
    from unicodedata import combining, normalize

    folded = "".join(c for c in normalize("NFKD", name.strip().lower()) if not combining(c))
    folded = folded.replace("–", "-").replace("’", "'")
    return _REGION_ALIASES.get(folded)


def all_regions() -> list[str]:
    """Return every region name, sorted for display."""
    return sorted(REGIONS)
