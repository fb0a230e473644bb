"""A cluster's member list, imported by staff: livrets published, the people named invited, in one transaction.

The file follows the template (``matchmaker.catalogue.livret_rows``: CSV or XLSX). Bad rows are reported with
their line; nothing is stored when a row is bad unless staff choose to skip bad rows. Each row's
``member_email`` gets a member account of its organisation (owner when it has none yet) and an invitation
with a password link in the outbox; an address that already has an account is reported, not invited. Staff
vouch for the list, so these links need no further validation; every step is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.models import Organisation, User
from matchmaker.services import audit
from matchmaker.services.catalogue import ImportReport, import_profiles
from matchmaker.services.memberships import Invitation, PasswordLink, invite_from_import
from matchmaker.services.profiles import refresh_index
from matchmaker.services.search.engine import SearchEngine


@dataclass
class MemberListReport:
    """What importing a member list did: the import's report and the invitations."""

    report: ImportReport
    invitations: list[Invitation] = field(default_factory=list)

    @property
    def invited(self) -> int:
        """Return how many people were invited."""
        return sum(1 for invitation in self.invitations if invitation.user is not None)


def import_member_list(engine: SearchEngine, session: Session, staff: User, data: bytes, filename: str, *,
                       skip_invalid: bool, invite: bool, link: PasswordLink, secret: str) -> MemberListReport:
    """Import a cluster's member list; invite the people it names when ``invite``; refresh the index."""
    result = MemberListReport(report=ImportReport(filename=filename))

    def invite_contacts(records: list[dict[str, Any]]) -> None:
        wanted = [r for r in records if r.get("invite")]
        if not invite or not wanted:
            return
        session.flush()
        orgs = {o.key: o for o in session.scalars(select(Organisation).where(
            Organisation.key.in_([r["key"] for r in wanted])))}
        for record in wanted:
            person = record["invite"]
            result.invitations.append(invite_from_import(session, staff, orgs[record["key"]], email=person["email"],
                                                         name=person["name"], link=link, secret=secret))

    result.report = import_profiles(session, data, filename, skip_invalid=skip_invalid, actor=staff,
                                    on_stored=invite_contacts)
    if result.report.stored:
        audit.record(session, staff, "livret.import", "import", filename[:120], created=result.report.created,
                     updated=result.report.updated, rejected=result.report.rejected, invited=result.invited)
        session.commit()
        refresh_index(engine, session)
    return result
