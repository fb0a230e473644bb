"""What several commands share: the served search engine and the first-start preparation."""

from __future__ import annotations

import sys

import click
from flask import current_app
from tqdm import tqdm

from matchmaker.extensions import db
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError
from matchmaker.services.catalogue import count_organisations, import_bundled
from matchmaker.services.engine import SearchEngine


def search_engine() -> SearchEngine:
    """Return the application's search engine."""
    return current_app.extensions["matchmaker"]


def require_catalogue() -> None:
    """Stop with a clear message when the database holds no organisation yet."""
    if count_organisations(db.session) == 0:
        raise click.ClickException("Aucune organisation : lancez d'abord `flask --app matchmaker setup`.")


def ensure_ready(*, quiet: bool = False) -> None:
    """Import the bundled data when the database is empty and (re)build a missing or stale index."""
    session = db.session
    if count_organisations(session) == 0:
        bundle = current_app.config["BUNDLED_DATA"]
        click.echo(f"Import des données ouvertes depuis {bundle} ...", err=True)
        with tqdm(desc="organisations", unit="org", disable=quiet, file=sys.stderr) as bar:
            total = import_bundled(session, bundle, progress=bar.update)
        click.echo(f"{total} organisations importées.", err=True)
    try:
        search_engine().matcher(session)
    except (IndexMissingError, IndexStaleError) as exc:
        click.echo(f"Index à construire : {exc}", err=True)
        search_engine().build(session, progress=not quiet)
        click.echo("Index construit.", err=True)
