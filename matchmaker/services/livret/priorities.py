"""Which profiles staff should get completed first: those that recent needs ask for most.

For the needs submitted over the last ``WINDOW_DAYS`` days, count each process, material and certification
they cite, per kind of organisation they call for. An organisation "could offer" a term when its evidence
names it, its published livret declares it or it declares the certification. Its demand is how many times
recent needs calling for its kind cite what it could offer. The list keeps the profiles whose livret is
below ``COMPLETE_SCORE``, most wanted first. Nudges ask their members (or contact address) to complete
the livret, at most once per organisation every ``NUDGE_COOLDOWN_DAYS`` days and ``NUDGES_PER_DAY`` per
staff member a day, each in the audit log. Reads only, except ``nudge``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from matchmaker.errors import Conflict
from matchmaker.livret_vocabulary import find_terms, labels, term
from matchmaker.models import AuditEvent, Evidence, Need, NeedStatus, Organisation, OutboxMessage, User, utcnow
from matchmaker.services import audit
from matchmaker.services.alerts import notify_user, queue_message
from matchmaker.services.livret.completeness import Demand, completeness, kinds_called
from matchmaker.services.livret.publication import live_livret
from matchmaker.services.pages import Page
from matchmaker.vocabulary import CERTIFICATION_PATTERNS, fold_accents

WINDOW_DAYS = 90
COMPLETE_SCORE = 60
NUDGE_COOLDOWN_DAYS = 14
NUDGES_PER_DAY = 30
NUDGE_ACTION = "livret.nudge"
Term = tuple[str, str]  # (section, code): ("activities", "machining"), ("certifications", "ISO 13485")


@dataclass(frozen=True)
class ProfileToComplete:
    """An organisation whose livret is worth completing, with the demand for what it could offer."""

    key: str
    name: str
    kind: str
    region: str | None
    claimed: bool
    score: int
    demand: int
    top_terms: tuple[tuple[str, int], ...]
    nudged_at: datetime | None


def _needs_demand(session: Session, since: datetime) -> dict[str, Counter[Term]]:
    """Return, per kind of organisation called for, how many recent needs cite each term."""
    per_kind: dict[str, Counter[Term]] = defaultdict(Counter)
    needs = session.scalars(select(Need).where(
        Need.submitted_at >= since,
        Need.status.in_([NeedStatus.SUBMITTED.value, NeedStatus.VALIDATED.value, NeedStatus.CLOSED.value])))
    for need in needs:
        text = f"{need.title}. {need.description}"
        folded = fold_accents(text)
        cited = {("activities", c) for c in find_terms("activities", text)}
        cited |= {("materials", c) for c in find_terms("materials", text)}
        cited |= {("certifications", label) for pattern, label in CERTIFICATION_PATTERNS if _search(pattern, folded)}
        cited |= {("certifications", label) for label in need.certifications or ()}
        for kind in kinds_called(need):
            per_kind[kind].update(cited)
    return per_kind


def _search(pattern: str, folded: str) -> bool:
    return re.search(pattern, folded) is not None


def _offered(org: Organisation, texts: list[str], wanted: set[Term], day: date) -> set[Term]:
    """Return the wanted terms an organisation could offer: named in its evidence or declared."""
    offered = {("certifications", label) for label in org.certifications or ()} & wanted
    row = org.livret
    if row is not None:
        offered |= {("activities", c) for c in row.activities or ()} & wanted
        offered |= {("materials", c) for c in row.materials or ()} & wanted
    for section, code in wanted - offered:
        if section == "certifications":
            patterns = [p for p, label in CERTIFICATION_PATTERNS if label == code]
            if any(_search(p, text) for text in texts for p in patterns):
                offered.add((section, code))
        elif any(term(section, code).found_in(text) for text in texts):
            offered.add((section, code))
    return offered


def _label(item: Term, lang: str) -> str:
    section, code = item
    return code if section == "certifications" else labels(section, [code], lang)[0]


def organisation_demand(session: Session, org: Organisation, *, today: date | None = None,
                        lang: str = "fr") -> tuple[int, tuple[tuple[str, int], ...]]:
    """Return how often recent needs cite what one organisation could offer, and the most cited terms."""
    day = today or date.today()
    wanted = _needs_demand(session, datetime.combine(day, datetime.min.time()) - timedelta(days=WINDOW_DAYS))
    wanted_here = wanted.get(org.kind, Counter())
    offered = _offered(org, [fold_accents(e.text) for e in org.evidence], set(wanted_here), day)
    top = tuple((_label(item, lang), wanted_here[item]) for item in sorted(offered, key=lambda i: -wanted_here[i])[:3])
    return sum(wanted_here[item] for item in offered), top


def last_nudges(session: Session, keys: list[str]) -> dict[str, datetime]:
    """Return when each of these organisations was last nudged to complete its livret."""
    if not keys:
        return {}
    rows = session.execute(select(AuditEvent.object_id, func.max(AuditEvent.created_at)).where(
        AuditEvent.action == NUDGE_ACTION, AuditEvent.object_type == "organisation", AuditEvent.object_id.in_(keys))
        .group_by(AuditEvent.object_id))
    return dict(rows.all())


def profiles_to_complete(session: Session, *, today: date | None = None, kind: str | None = None,
                         region: str | None = None, offset: int = 0, limit: int = 20,
                         lang: str = "fr") -> Page[ProfileToComplete]:
    """Return one page of the profiles to complete, ordered by the demand of recent needs for what they offer."""
    day = today or date.today()
    since = datetime.combine(day, datetime.min.time()) - timedelta(days=WINDOW_DAYS)
    per_kind = _needs_demand(session, since)
    kinds = [k for k in per_kind if per_kind[k] and (not kind or k == kind)]
    query = (select(Organisation).where(Organisation.kind.in_(kinds), Organisation.kind != "buyer")
             .options(selectinload(Organisation.livret)))
    if region:
        query = query.where(Organisation.region == region)
    orgs = list(session.scalars(query)) if kinds else []
    texts: dict[int, list[str]] = defaultdict(list)
    for org_id, text in session.execute(select(Evidence.organisation_id, Evidence.text)
                                        .join(Organisation).where(Organisation.kind.in_(kinds))):
        texts[org_id].append(fold_accents(text))
    ranked = []
    for org in orgs:
        wanted = per_kind[org.kind]
        offered = _offered(org, texts.get(org.id, []), set(wanted), day)
        demand = sum(wanted[item] for item in offered)
        if not demand:
            continue
        score = completeness(live_livret(org), org.kind, Demand(), today=day).score
        if score >= COMPLETE_SCORE:
            continue
        top = tuple((_label(item, lang), wanted[item]) for item in sorted(offered, key=lambda i: -wanted[i])[:3])
        ranked.append((demand, score, org, top))
    ranked.sort(key=lambda row: (-row[0], row[1], row[2].name))
    page = ranked[offset:offset + limit]
    nudged = last_nudges(session, [org.key for _, _, org, _ in page])
    items = [ProfileToComplete(key=org.key, name=org.name, kind=org.kind, region=org.region, claimed=org.claimed,
                               score=score, demand=demand, top_terms=top, nudged_at=nudged.get(org.key))
             for demand, score, org, top in page]
    return Page(items=items, total=len(ranked), offset=offset, limit=limit)


def nudge(session: Session, staff: User, org: Organisation, *, livret_url: str,
          now: datetime | None = None) -> list[OutboxMessage]:
    """Ask an organisation to complete its livret; rate-limited per organisation and per staff member."""
    moment = now or utcnow()
    last = last_nudges(session, [org.key]).get(org.key)
    if last is not None and moment - last < timedelta(days=NUDGE_COOLDOWN_DAYS):
        raise Conflict(_l("Une relance a déjà été envoyée le %(date)s : attendez %(days)d jours entre deux relances.",
                          date=f"{last:%d/%m/%Y}", days=NUDGE_COOLDOWN_DAYS))
    today_start = datetime.combine(moment.date(), datetime.min.time())
    sent_today = session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == NUDGE_ACTION, AuditEvent.actor_id == staff.id, AuditEvent.created_at >= today_start))
    if (sent_today or 0) >= NUDGES_PER_DAY:
        raise Conflict(_l("Vous avez envoyé %(n)d relances aujourd'hui : reprenez demain.", n=NUDGES_PER_DAY))
    members = list(session.scalars(select(User).where(User.organisation_id == org.id, User.is_active_account)))
    demand, top = organisation_demand(session, org, today=moment.date())
    demand_note = (f"Ces {WINDOW_DAYS} derniers jours, les besoins déposés ont cité {demand} fois ce que vous "
                   f"pourriez offrir ({', '.join(name for name, _ in top)}).") if demand else ""
    subject = f"Complétez le livret de compétences de {org.name}"
    body = (f"Bonjour,\n\nLes donneurs d'ordre du réseau cherchent des organisations comme {org.name}."
            f"{(' ' + demand_note) if demand_note else ''}\nUn livret complet (procédés, matériaux, certifications, "
            f"capacité) vous fait apparaître, cité, dans leurs résultats : {livret_url}\n\nL'équipe du pôle")
    messages = [notify_user(session, member, "reminder", subject, body) for member in members]
    if not members and org.contact_email:
        messages.append(queue_message(session, recipient=org.contact_email, subject=subject, body=body,
                                      kind="reminder"))
    if not messages:
        raise Conflict(_l("Cette organisation n'a ni compte membre ni adresse de contact : invitez-la par l'import "
                          "des membres."))
    audit.record(session, staff, NUDGE_ACTION, "organisation", org.key, recipients=len(messages), demand=demand)
    session.commit()
    return messages
