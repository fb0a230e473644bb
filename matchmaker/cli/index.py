"""Index commands: build the search index, write the bundled embedding seed."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from matchmaker.cli.support import require_catalogue, search_engine
from matchmaker.extensions import db

cli = AppGroup("index", help=__doc__)


@cli.command("build-index")
def build_index_command() -> None:
    """Build the search index from the organisations in the database."""
    require_catalogue()
    matcher = search_engine().build(db.session, progress=True)
    click.echo(f"Index construit : {json.dumps(matcher.manifest, ensure_ascii=False)[:400]}")


@cli.command("bundle-embeddings")
def bundle_embeddings_command() -> None:
    """Write data/competences/embeddings/<encoder>.* from the embedding cache (encodes what is missing)."""
    require_catalogue()
    target = current_app.config["BUNDLED_DATA"] / "embeddings"
    total, encoded = search_engine().write_embedding_seed(db.session, target, progress=True)
    click.echo(f"{total} vecteurs écrits dans {target} ({encoded} encodés, le reste venait du cache).")
