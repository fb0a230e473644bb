"""Account commands: create a user, seed the demo accounts and workflow data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from matchmaker.cli.support import require_schema, search_engine
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.models import Role

cli = AppGroup("users", help=__doc__)


@cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.BUYER.value)
@click.option("--name", default="")
@click.password_option(help="Password (asked interactively when omitted).")
def create_user_command(email: str, role: str, name: str, password: str) -> None:
    """Create a user account."""
    require_schema()
    from matchmaker.services.accounts import create_user

    try:
        user = create_user(db.session, email=email, password=password, role=role, name=name)
    except InvalidQuery as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Compte créé : {user.email} ({user.role})")


@cli.command("seed-demo")
@click.option("--password", required=True, help="Password of the demo accounts (10 characters or more).")
def seed_demo_command(password: str) -> None:
    """Create demo accounts and workflow data (for screenshots and demos; never on production data)."""
    require_schema()
    from matchmaker.services.demo import DEMO_ACCOUNTS, seed_demo
    from matchmaker.services.livret.demo import DEMO_MEMBER

    created = seed_demo(
        search_engine(), db.session, password,
        max_chars=current_app.config["MAX_QUERY_CHARS"], max_results=current_app.config["MAX_RESULTS"],
        bundle_dir=current_app.config["BUNDLED_DATA"],
    )
    if not created:
        click.echo("Données de démonstration déjà présentes.")
        return
    click.echo("Comptes de démonstration : " + ", ".join([*DEMO_ACCOUNTS, DEMO_MEMBER]))
