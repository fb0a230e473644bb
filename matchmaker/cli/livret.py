"""Livret commands: the daily check of certificate expiry dates (run it from cron)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from matchmaker.cli.support import require_schema, search_engine
from matchmaker.extensions import db

cli = AppGroup("livret", help=__doc__)


@cli.command("livret-expiries")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Check as of this day (YYYY-MM-DD) instead of today.")
def livret_expiries_command(today) -> None:
    """Take expired livret certifications out of the search, tell the organisations' members, log it."""
    require_schema()
    from matchmaker.services.livret.verification import expire_certifications

    day: date | None = today.date() if today else None
    report = expire_certifications(search_engine(), db.session, today=day)
    for key, label in report.expired:
        click.echo(f"{key} : {label} expirée")
    click.echo(f"{len(report.expired)} certification(s) expirée(s), {report.notified} message(s) mis en file.")
