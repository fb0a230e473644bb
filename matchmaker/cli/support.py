"""What several commands share: the served search engine and the first-start preparation."""

from __future__ import annotations

import sys

import click
from flask import current_app
from sqlalchemy import inspect
from tqdm import tqdm

from matchmaker.extensions import db
from matchmaker.models import Organisation
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError
from matchmaker.schema import SchemaDriftError, current_revision, head_revision, upgrade
from matchmaker.services.catalogue import count_organisations, import_bundled
from matchmaker.services.search import get_engine
from matchmaker.services.search.engine import SearchEngine


def search_engine() -> SearchEngine:
    """Return the application's search engine."""
    return get_engine()


def require_schema() -> None:
    """Stop with a clear message when the database has no tables yet (a fresh install)."""
    if not inspect(db.engine).has_table(Organisation.__tablename__):
        raise click.ClickException(
            "La base n'a pas encore de tables : lancez d'abord `flask --app matchmaker setup` (ou `db-upgrade`)."
        )


def require_catalogue() -> None:
    """Stop with a clear message when the database holds no organisation yet."""
    require_schema()
    if count_organisations(db.session) == 0:
        raise click.ClickException("Aucune organisation : lancez d'abord `flask --app matchmaker setup`.")


def migrate_schema() -> None:
    """Bring the database schema to the newest migration (creates every table on a fresh install)."""
    with db.engine.connect() as connection:
        if current_revision(connection) == head_revision():
            return
        try:
            message = upgrade(connection)
        except SchemaDriftError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Migrations : {message}.", err=True)


def ensure_ready(*, quiet: bool = False) -> None:
    """Apply the migrations, import the bundled data when the database is empty, (re)build a missing index."""
    migrate_schema()
    session = db.session
    if count_organisations(session) == 0:
        bundle = current_app.config["BUNDLED_DATA"]
        click.echo(f"Import des données ouvertes depuis {bundle} ...", err=True)
        with tqdm(desc="organisations", unit="org", disable=quiet, file=sys.stderr) as bar:
            total = import_bundled(session, bundle, progress=bar.update)
        click.echo(f"{total} organisations importées.", err=True)
    try:
        search_engine().refresh(session)  # a command may write: catch up with the catalogue first
    except (IndexMissingError, IndexStaleError) as exc:
        click.echo(f"Index à construire : {exc}", err=True)
        search_engine().build(session, progress=not quiet)
        click.echo("Index construit.", err=True)
