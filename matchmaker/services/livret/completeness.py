"""How complete a livret is, and what to add first, measured against the needs buyers actually post.

The score weighs the sections by what matters for the kind of organisation (equipment for a platform,
capacity for a subcontractor); expired certifications do not count. Each missing section becomes a next
step with the demand behind it: how many times the needs submitted over the last ``WINDOW_DAYS`` days that
call for this kind of organisation cite its terms ("les besoins de vos clients citent vos procédés 12 fois
ce mois-ci: usinage ×5, stérilisation ×3"). Reads only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.catalogue.livret import SECTIONS, LivretInput
from matchmaker.livret_vocabulary import VOCABULARIES, find_terms, labels
from matchmaker.models import Need, NeedStatus, utcnow
from matchmaker.ranking.intent import parse_intent
from matchmaker.vocabulary import CERTIFICATION_PATTERNS, PROJECT_MATCH_KINDS, fold_accents

WINDOW_DAYS = 30
DEFAULT_WEIGHTS = {"activities": 25, "materials": 10, "certifications": 15, "equipment": 10, "capacity": 10,
                   "references": 10, "description": 20}
RESEARCH_WEIGHTS = {"activities": 25, "materials": 5, "certifications": 10, "equipment": 20, "capacity": 5,
                    "references": 10, "description": 25}
_CAPACITY_CUE = re.compile(r"\b\d[\d\s.]*\s*(pieces?|unites?|units?|parts?|lots?|exemplaires?)\b|\bseries?\b|"
                           r"\bvolumes?\b|\bdelais?\b|\blead ?times?\b|\bcadence|\bbatch")
_EQUIPMENT_CUE = re.compile(r"\bequipements?\b|\bequipment\b|\binstruments?\b|\bplateaux? techniques?|\bappareils?\b|"
                            r"\bmachines?\b|\bbancs? d.essai|\btest benches?")
_ENGLISH = re.compile(r"\b(the|and|with|for|we|our|looking|need|of)\b")
_FRENCH = re.compile(r"\b(le|la|les|des|du|pour|avec|nous|une|un|de)\b")


@dataclass(frozen=True)
class NextStep:
    """A missing section and the demand behind it."""

    section: str
    weight: int
    mentions: int = 0
    top_terms: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Completeness:
    """A livret's score out of 100, the filled sections and the next steps, most wanted first."""

    score: int
    filled: dict[str, bool]
    steps: tuple[NextStep, ...] = field(default=())


@dataclass
class Demand:
    """What recent needs calling for one kind of organisation cite, section by section."""

    needs: int = 0
    terms: dict[str, Counter[str]] = field(default_factory=lambda: {s: Counter() for s in SECTIONS})
    english_needs: int = 0


def weights_for(kind: str) -> dict[str, int]:
    """Return the weight of each section for an organisation of this kind (they sum to 100)."""
    return RESEARCH_WEIGHTS if kind in PROJECT_MATCH_KINDS else DEFAULT_WEIGHTS


def kinds_called(need: Need) -> set[str]:
    """Return the kinds of organisation a need calls for: those it names, else those its intent reads."""
    if need.sought_kinds:
        return set(need.sought_kinds)
    return {str(kind) for kind in parse_intent(f"{need.title}. {need.description}", CERTIFICATION_PATTERNS).kinds}


def _certifications_of(need: Need, folded: str) -> set[str]:
    named = {label for pattern, label in CERTIFICATION_PATTERNS if re.search(pattern, folded)}
    return set(need.certifications or ()) | named


def recent_demand(session: Session, kind: str, *, today: date | None = None) -> Demand:
    """Count what the needs submitted over the last WINDOW_DAYS days that call for ``kind`` cite."""
    since = datetime.combine(today or date.today(), datetime.min.time()) - timedelta(days=WINDOW_DAYS)
    needs = session.scalars(select(Need).where(
        Need.submitted_at >= since, Need.status.in_([NeedStatus.SUBMITTED.value, NeedStatus.VALIDATED.value,
                                                     NeedStatus.CLOSED.value])))
    demand = Demand()
    for need in needs:
        if kind not in kinds_called(need):
            continue
        text = f"{need.title}. {need.description}"
        folded = fold_accents(text)
        demand.needs += 1
        demand.terms["activities"].update(find_terms("activities", text))
        demand.terms["materials"].update(find_terms("materials", text))
        demand.terms["certifications"].update(_certifications_of(need, folded))
        demand.terms["references"].update(find_terms("sectors", text))
        testing = [c for c in find_terms("activities", text) if c in _TESTING]
        if _EQUIPMENT_CUE.search(folded) or testing:
            demand.terms["equipment"].update(["equipment"])
        if _CAPACITY_CUE.search(folded):
            demand.terms["capacity"].update(["capacity"])
        if len(_ENGLISH.findall(folded)) > len(_FRENCH.findall(folded)):
            demand.english_needs += 1
    return demand


_TESTING = {t.code for t in VOCABULARIES["activities"] if t.group == "testing"}
_LABELLED = {"activities": "activities", "materials": "materials", "references": "sectors"}


def _top(section: str, counter: Counter[str], lang: str) -> tuple[tuple[str, int], ...]:
    if section in _LABELLED:
        return tuple((labels(_LABELLED[section], [code], lang)[0], n) for code, n in counter.most_common(3))
    if section == "certifications":
        return tuple(counter.most_common(3))
    return ()


def completeness(data: LivretInput, kind: str, demand: Demand, *, today: date | None = None,
                 lang: str = "fr") -> Completeness:
    """Score a livret for an organisation of ``kind`` and list its missing sections, most cited first."""
    day = today or utcnow().date()
    filled = data.filled()
    filled["certifications"] = any(not entry.expired(day) for entry in data.certifications)
    weights = weights_for(kind)
    score = sum(weight for section, weight in weights.items() if filled[section])
    if filled["description"] and not (data.description_fr and data.description_en):
        score -= weights["description"] // 3  # one language only: the other half of the buyers read less
    steps = []
    for section in SECTIONS:
        if filled[section] and not (section == "description" and not data.description_en):
            continue
        counter = demand.terms[section]
        mentions = demand.english_needs if section == "description" else sum(counter.values())
        steps.append(NextStep(section, weights[section], mentions, _top(section, counter, lang)))
    steps.sort(key=lambda step: (-step.mentions, -step.weight, SECTIONS.index(step.section)))
    return Completeness(score=max(0, min(100, score)), filled=filled, steps=tuple(steps))
