"""Catalogue commands: import capability profiles, rebuild the bundled open-data directory."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from matchmaker.catalogue.importing import ImportFormatError
from matchmaker.cli.support import require_schema
from matchmaker.extensions import db
from matchmaker.services.catalogue import import_profiles

cli = AppGroup("catalogue", help=__doc__)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Store the valid rows even if some rows are rejected.")
def import_command(path: Path, skip_invalid: bool) -> None:
    """Import capability profiles from a CSV, JSON or JSON-lines file."""
    require_schema()
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


@cli.command("bundle-open-data")
@click.argument("shared_data", type=click.Path(exists=True, file_okay=False, path_type=Path))
def bundle_open_data_command(shared_data: Path) -> None:
    """Rebuild data/competences/organisations.jsonl.gz from the upstream open data."""
    from matchmaker.catalogue.directory import build_directory, write_directory

    records = build_directory(shared_data)
    target = current_app.config["BUNDLED_DATA"] / "organisations.jsonl.gz"
    write_directory(records, target)
    click.echo(f"{len(records)} organisations écrites dans {target}")
