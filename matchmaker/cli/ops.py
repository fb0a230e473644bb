"""Operations commands: setup and serve, migrations, backup and restore, alerts and the outbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from matchmaker.cli.support import ensure_ready, require_schema, search_engine
from matchmaker.errors import InvalidQuery
from matchmaker.extensions import db
from matchmaker.schema import MIGRATIONS_DIR, SchemaDriftError, new_revision, upgrade

cli = AppGroup("ops", help=__doc__)


@cli.command("setup")
def setup_command() -> None:
    """Import the bundled data if needed and build the search index if missing or stale."""
    ensure_ready()


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port (searches use one core per process).")
@click.option("--reuse-port", is_flag=True, hidden=True, help="Share the port with other processes.")
@click.option("--parent-pid", default=0, hidden=True, type=int, help="Stop when this process is gone.")
def serve_command(host: str, port: int, threads: int, workers: int, reuse_port: bool, parent_pid: int) -> None:
    """Prepare the data and index if needed, then serve the platform with waitress."""
    import os
    import subprocess
    import sys

    from matchmaker.serving import create_server, stop_on_sigterm, stop_when_orphaned

    ensure_ready()
    stop_on_sigterm()  # a service manager's SIGTERM stops the other processes too (the finally below)
    if parent_pid:
        stop_when_orphaned(parent_pid)
    shared = reuse_port or workers > 1
    server = create_server(current_app._get_current_object(), host=host, port=port, threads=threads,
                           reuse_port=shared)
    command = [sys.executable, "-m", "flask", "--app", "matchmaker", "serve", "--host", host, "--port", str(port),
               "--threads", str(threads), "--reuse-port", "--parent-pid", str(os.getpid())]
    others = [subprocess.Popen(command) for _ in range(workers - 1)]
    click.echo(f"matchmaker est prêt : http://{host}:{port}/" + (f" ({workers} processus)" if workers > 1 else ""))
    try:
        server.run()
    finally:
        for process in others:
            process.terminate()
        for process in others:
            process.wait(timeout=30)


@cli.command("db-upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade_command(revision: str) -> None:
    """Apply the database migrations (SQLite or PostgreSQL)."""
    with db.engine.connect() as connection:
        try:
            message = upgrade(connection, revision)
        except SchemaDriftError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Migrations : {message}.")


@cli.command("db-revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def db_revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    with db.engine.connect() as connection:
        new_revision(connection, message)
    click.echo(f"Nouvelle migration écrite dans {MIGRATIONS_DIR / 'versions'}.")


@cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path), required=False)
def backup_command(target: Path | None) -> None:
    """Save the embedded database and the served index into a .tar.gz archive."""
    from matchmaker.services.backup import create_backup

    target = target or Path(f"matchmaker-backup-{datetime.now():%Y%m%d-%H%M%S}.tar.gz")
    try:
        create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], search_engine().index_dir, target)
    except InvalidQuery as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Sauvegarde écrite : {target}")


@cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="Remplacer la base et l'index actuels par cette sauvegarde ?")
def restore_command(archive: Path) -> None:
    """Replace the embedded database and index by those of a backup archive (stop the server first)."""
    from matchmaker.services.backup import restore_backup

    db.session.remove()
    db.engine.dispose()
    try:
        manifest = restore_backup(archive, current_app.config["SQLALCHEMY_DATABASE_URI"], search_engine().index_dir)
    except InvalidQuery as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Sauvegarde du {manifest['created_at']} restaurée (ancienne base gardée en *.before-restore).")


@cli.command("send-alerts")
def send_alerts_command() -> None:
    """Queue alerts for saved searches with new matching profiles or needs (run it from cron)."""
    require_schema()
    from matchmaker.services.alerts import check_saved_searches

    count = check_saved_searches(
        search_engine(), db.session,
        max_chars=current_app.config["MAX_QUERY_CHARS"], max_results=current_app.config["MAX_RESULTS"],
    )
    click.echo(f"{count} alerte(s) mise(s) en file.")


@cli.command("deliver-outbox")
def deliver_outbox_command() -> None:
    """Send pending messages by SMTP when MAIL_SERVER is set; otherwise mark them as logged."""
    require_schema()
    from matchmaker.services.alerts import deliver_outbox

    done, failed = deliver_outbox(db.session, current_app.config)
    click.echo(f"{done} message(s) traité(s), {failed} en échec.")
    if failed:
        raise SystemExit(1)
