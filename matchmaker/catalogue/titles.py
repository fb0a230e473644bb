"""Titles of the evidence the importer builds, shown in the reader's language with correct plurals.

The catalogue stores French titles made from data ("3 projets financés par l'ANR (2010-2022)"). The
interface and the API show them through ``evidence_title``, which recognises each pattern the importer
writes (including older stored forms such as "1 projets financés") and renders it again in the active
language. A title written by a person (a member's own profile, a staff note) is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext, ngettext


def anr_projects_title(count: int, first_year: int, last_year: int) -> str:
    """Return the stored (French) title of an organisation's ANR projects evidence."""
    noun = "projet financé" if count == 1 else "projets financés"
    return f"{count} {noun} par l'ANR ({first_year}-{last_year})"


def devices_title(count: int) -> str:
    """Return the stored (French) title of an organisation's declared devices evidence."""
    return f"{count} {'dispositif déclaré' if count == 1 else 'dispositifs déclarés'} (EMDN)"


def _anr(match: re.Match[str]) -> str:
    count = int(match["count"])
    return ngettext("%(num)d projet financé par l'ANR (%(first)s-%(last)s)",
                    "%(num)d projets financés par l'ANR (%(first)s-%(last)s)", count,
                    first=match["first"], last=match["last"])


def _devices(match: re.Match[str]) -> str:
    return ngettext("%(num)d dispositif déclaré (EMDN)", "%(num)d dispositifs déclarés (EMDN)", int(match["count"]))


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^(?P<count>\d+) projets? financés? par l'ANR \((?P<first>\d{4})-(?P<last>\d{4})\)$"), _anr),
    (re.compile(r"^(?P<count>\d+) dispositifs? déclarés? \(EMDN\)$"), _devices),
    (re.compile(r"^Start-up issue du laboratoire : (?P<name>.+) \(i-Lab (?P<year>\d{4})\)$"),
     lambda m: gettext("Start-up issue du laboratoire : %(name)s (i-Lab %(year)s)", name=m["name"], year=m["year"])),
    (re.compile(r"^Projet lauréat i-Lab (?P<year>\d{4})$"),
     lambda m: gettext("Projet lauréat i-Lab %(year)s", year=m["year"])),
    (re.compile(r"^Marché public remporté \((?P<buyer>.+)\)$"),
     lambda m: gettext("Marché public remporté (%(buyer)s)", buyer=m["buyer"])),
    (re.compile(r"^Achat public notifié le (?P<date>.+)$"),
     lambda m: gettext("Achat public notifié le %(date)s", date=m["date"])),
    (re.compile(r"^Fiche RNSR$"), lambda m: gettext("Fiche RNSR")),
    (re.compile(r"^Enregistrement EUDAMED$"), lambda m: gettext("Enregistrement EUDAMED")),
    (re.compile(r"^Registre Transparence Santé$"), lambda m: gettext("Registre Transparence Santé")),
)


def evidence_title(title: str | None) -> str:
    """Return an evidence title in the active language (French outside a request); other titles unchanged."""
    text = title or ""
    for pattern, render in _PATTERNS:
        match = pattern.match(text)
        if match:
            return render(match)
    return text
