"""Command-line interface: `flask --app matchmaker <command>`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select
from tqdm import tqdm

from matchmaker.catalogue.importing import ImportFormatError
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.models import Organisation, Role
from matchmaker.ranking.errors import IndexMissingError, IndexStaleError
from matchmaker.services.catalogue import count_organisations, import_bundled, import_profiles


def _engine():
    return current_app.extensions["matchmaker"]


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
        _engine().matcher(session)
    except (IndexMissingError, IndexStaleError) as exc:
        click.echo(f"Index à construire : {exc}", err=True)
        _engine().build(session, progress=not quiet)
        click.echo("Index construit.", err=True)


def register(app: Flask) -> None:
    """Attach every command to the application."""
    from matchmaker import commands, dbcli

    commands.register(app)
    dbcli.register(app)

    @app.cli.command("setup")
    def setup_command() -> None:
        """Import the bundled data if needed and build the search index if missing or stale."""
        ensure_ready()

    @app.cli.command("bundle-open-data")
    @click.argument("shared_data", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def bundle_open_data_command(shared_data: Path) -> None:
        """Rebuild data/competences/organisations.jsonl.gz from the upstream open data."""
        from matchmaker.catalogue.directory import build_directory, write_directory

        records = build_directory(shared_data)
        target = current_app.config["BUNDLED_DATA"] / "organisations.jsonl.gz"
        write_directory(records, target)
        click.echo(f"{len(records)} organisations écrites dans {target}")

    @app.cli.command("bundle-embeddings")
    def bundle_embeddings_command() -> None:
        """Write data/competences/embeddings/<encoder>.* from the embedding cache (encodes what is missing)."""
        if count_organisations(db.session) == 0:
            raise click.ClickException("Aucune organisation : lancez d'abord `flask --app matchmaker setup`.")
        target = current_app.config["BUNDLED_DATA"] / "embeddings"
        total, encoded = _engine().write_embedding_seed(db.session, target, progress=True)
        click.echo(f"{total} vecteurs écrits dans {target} ({encoded} encodés, le reste venait du cache).")

    @app.cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--skip-invalid", is_flag=True, help="Store the valid rows even if some rows are rejected.")
    def import_command(path: Path, skip_invalid: bool) -> None:
        """Import capability profiles from a CSV, JSON or JSON-lines file."""
        try:
            report = import_profiles(db.session, path.read_bytes(), path.name, skip_invalid=skip_invalid)
        except ImportFormatError as exc:
            raise click.ClickException(f"{path.name} : {exc}") from exc
        for error in report.errors:
            label = f" ({error.name})" if error.name else ""
            click.echo(f"{path.name}:{error.line}{label} : {error.reason}", err=True)
        if report.errors and not report.stored:
            raise click.ClickException(
                f"{report.rejected} ligne(s) rejetée(s) : rien n'a été enregistré. "
                "Corrigez le fichier ou relancez avec --skip-invalid."
            )
        click.echo(
            f"{report.created} créée(s), {report.updated} mise(s) à jour, {report.rejected} rejetée(s). "
            "Lancez `flask --app matchmaker build-index` pour les rendre cherchables."
        )

    @app.cli.command("build-index")
    def build_index_command() -> None:
        """Build the search index from the organisations in the database."""
        if count_organisations(db.session) == 0:
            raise click.ClickException("Aucune organisation : lancez d'abord `flask --app matchmaker setup`.")
        matcher = _engine().build(db.session, progress=True)
        click.echo(f"Index construit : {json.dumps(matcher.manifest, ensure_ascii=False)[:400]}")

    @app.cli.command("evaluate")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def evaluate_command(path: Path) -> None:
        """Evaluate the default ranking on a JSON-lines file of queries (last line: JSON metrics)."""
        from matchmaker.services.evaluation import evaluate, read_queries

        try:
            queries = read_queries(path)
        except InvalidQuery as exc:
            raise click.ClickException(exc.message) from exc
        ensure_ready(quiet=True)
        pool = set(db.session.scalars(select(Organisation.key).where(Organisation.key.like("rnsr:%"))))
        matcher = _engine().matcher(db.session)
        with tqdm(total=len(queries), desc="requêtes", file=sys.stderr) as bar:
            result = evaluate(matcher, queries, pool, on_query=bar.update)
        click.echo(f"{path.name}: {result['n']} requêtes, pool {result['pool']} structures RNSR")
        click.echo(
            f"Recall@10 {result['recall_at_10']:.3f}  MRR {result['mrr']:.3f}  "
            f"nDCG@10 {result['ndcg_at_10']:.3f}  Recall@50 {result['recall_at_50']:.3f}"
        )
        click.echo(json.dumps(result))

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.BUYER.value)
    @click.option("--name", default="")
    @click.password_option(help="Password (asked interactively when omitted).")
    def create_user_command(email: str, role: str, name: str, password: str) -> None:
        """Create a user account."""
        from matchmaker.services.accounts import create_user

        try:
            user = create_user(db.session, email=email, password=password, role=role, name=name)
        except InvalidQuery as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Compte créé : {user.email} ({user.role})")

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path), required=False)
    def backup_command(target: Path | None) -> None:
        """Save the embedded database and the served index into a .tar.gz archive."""
        from datetime import datetime

        from matchmaker.services.backup import create_backup

        target = target or Path(f"matchmaker-backup-{datetime.now():%Y%m%d-%H%M%S}.tar.gz")
        try:
            create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], _engine().index_dir, target)
        except InvalidQuery as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Sauvegarde écrite : {target}")

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.confirmation_option(prompt="Remplacer la base et l'index actuels par cette sauvegarde ?")
    def restore_command(archive: Path) -> None:
        """Replace the embedded database and index by those of a backup archive (stop the server first)."""
        from matchmaker.services.backup import restore_backup

        db.session.remove()
        db.engine.dispose()
        try:
            manifest = restore_backup(archive, current_app.config["SQLALCHEMY_DATABASE_URI"], _engine().index_dir)
        except InvalidQuery as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Sauvegarde du {manifest['created_at']} restaurée (ancienne base gardée en *.before-restore).")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--threads", default=8, show_default=True, type=int)
    def serve_command(host: str, port: int, threads: int) -> None:
        """Prepare the data and index if needed, then serve the platform with waitress."""
        from waitress import serve

        ensure_ready()
        click.echo(f"matchmaker est prêt : http://{host}:{port}/")
        serve(current_app._get_current_object(), host=host, port=port, threads=threads)
