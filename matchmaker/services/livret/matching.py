"""A need meets livrets: what it asks for (processes, materials, certifications) against what livrets declare.

The need's intent (``matchmaker.ranking.intent``) names processes and materials of the livret vocabulary
and certifications. Within a strength band, the search puts first the organisations whose published livret
declares more of them, and last those whose livret lists its processes (or materials) without any the need
asks for, unless their evidence names one (stable, so the engine's order decides between equals); every result
says, for each requirement, whether its livret declares it or only its evidence names it. Organisations without
a livret are ranked exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaker.livret_vocabulary import term
from matchmaker.models import Livret, Organisation
from matchmaker.ranking import Match
from matchmaker.ranking.intent import NeedIntent
from matchmaker.vocabulary import fold_accents

SECTION_OF_INTENT = (("activities", "processes"), ("materials", "materials"))


@dataclass(frozen=True)
class Requirement:
    """One thing a need asks for: a process, a material (vocabulary codes) or a certification (label)."""

    section: str
    code: str


@dataclass(frozen=True)
class RequirementMet:
    """How an organisation answers a requirement: declared in its published livret, or named in its evidence."""

    requirement: Requirement
    declared: bool
    named: bool

    @property
    def met(self) -> bool:
        """Return True when the livret declares it or the evidence names it."""
        return self.declared or self.named


def requirements(intent: NeedIntent) -> tuple[Requirement, ...]:
    """Return the processes, materials and certifications a need asks for."""
    found = [Requirement(section, code) for section, name in SECTION_OF_INTENT for code in getattr(intent, name)]
    return (*found, *(Requirement("certifications", label) for label in intent.certifications))


def declared_by(livret: Livret | None, today: date) -> set[Requirement]:
    """Return what a published livret declares (expired certifications left out)."""
    if livret is None:
        return set()
    found = {Requirement("activities", code) for code in livret.activities or ()}
    found |= {Requirement("materials", code) for code in livret.materials or ()}
    return found | {Requirement("certifications", c.label) for c in livret.certifications if not c.expired(today)}


def how_met(org: Organisation, wanted: Sequence[Requirement], today: date | None = None) -> tuple[RequirementMet, ...]:
    """Say, for each process and material a need asks for, whether the organisation declares or names it."""
    day = today or date.today()
    declared = declared_by(org.livret, day)
    texts = None
    result = []
    for requirement in wanted:
        if requirement.section == "certifications":
            continue  # certifications have their own badges (declared, verified)
        named = False
        if requirement not in declared:
            texts = texts if texts is not None else [fold_accents(e.text) for e in org.evidence]
            named = any(term(requirement.section, requirement.code).found_in(text) for text in texts)
        result.append(RequirementMet(requirement, requirement in declared, named))
    return tuple(result)


def prefer_declared(session: Session, matches: list[Match], intent: NeedIntent, band: Callable[[Match], int],
                    today: date | None = None) -> list[Match]:
    """Within each strength band, put first the organisations whose livret declares more of what the need asks.

    Only a livret that declares at least one of the processes or materials asked for moves up: a certification
    alone (every CE-marked manufacturer declares "MDR") is what the certification filter is for. A livret that
    lists its processes (or materials) without any of those asked for, while its evidence names none either,
    moves to the end of its band: a member who ticked what it does has said what it does not.
    """
    wanted = set(requirements(intent))
    capabilities = [r for r in requirements(intent) if r.section != "certifications"]
    if not capabilities or not matches:
        return matches
    day = today or date.today()
    livrets = session.scalars(
        select(Livret).join(Organisation, Livret.organisation_id == Organisation.id)
        .where(Organisation.key.in_([m.org_id for m in matches]))
        .options(selectinload(Livret.organisation))
    )
    asked_sections = {r.section for r in capabilities}
    covered = {}
    for livret in livrets:
        declared = wanted & declared_by(livret, day)
        if any(r.section != "certifications" for r in declared):
            covered[livret.organisation.key] = len(declared)
        elif any(getattr(livret, section) for section in asked_sections) and not any(
                met.met for met in how_met(livret.organisation, capabilities, day)):
            covered[livret.organisation.key] = -1
    if not covered:
        return matches
    return sorted(matches, key=lambda m: (band(m), -covered.get(m.org_id, 0)))
