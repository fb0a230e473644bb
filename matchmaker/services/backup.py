"""Back up and restore the embedded deployment: the SQLite database and the served index."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l

from matchmaker.errors import InvalidQuery

BACKUP_FORMAT = 1


def sqlite_path(database_uri: str) -> Path:
    """Return the file of a SQLite URI, or raise InvalidQuery for other databases."""
    prefix = "sqlite:///"
    if not database_uri.startswith(prefix) or database_uri == prefix:
        raise InvalidQuery(_l("backup/restore gère la base SQLite embarquée ; pour PostgreSQL utilisez pg_dump."))
    return Path(database_uri.removeprefix(prefix))


def create_backup(database_uri: str, index_dir: Path, target: Path) -> Path:
    """Write a .tar.gz with a consistent copy of the database (SQLite online backup) and the index."""
    source = sqlite_path(database_uri)
    if not source.exists():
        raise InvalidQuery(_l("Base introuvable : %(path)s", path=str(source)))
    with tempfile.TemporaryDirectory() as workdir:
        copy = Path(workdir) / "matchmaker.sqlite3"
        with sqlite3.connect(source) as live, sqlite3.connect(copy) as snapshot:
            live.backup(snapshot)
        manifest = {
            "format": BACKUP_FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "has_index": index_dir.is_dir(),
        }
        (Path(workdir) / "backup.json").write_text(json.dumps(manifest))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(copy, arcname="matchmaker.sqlite3")
            archive.add(Path(workdir) / "backup.json", arcname="backup.json")
            if index_dir.is_dir():
                archive.add(index_dir, arcname="index")
        os.replace(partial, target)
    return target


def restore_backup(archive_path: Path, database_uri: str, index_dir: Path) -> dict:
    """Check an archive, then swap in its database and index; the current files are kept as *.before-restore."""
    destination = sqlite_path(database_uri)
    with tempfile.TemporaryDirectory(dir=destination.parent) as workdir:
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(workdir, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise InvalidQuery(_l("Archive illisible : %(error)s", error=str(exc))) from exc
        root = Path(workdir)
        try:
            manifest = json.loads((root / "backup.json").read_text())
        except (OSError, ValueError) as exc:
            raise InvalidQuery(_l("Ce n'est pas une sauvegarde matchmaker (backup.json absent).")) from exc
        if manifest.get("format") != BACKUP_FORMAT:
            raise InvalidQuery(
                _l("Format de sauvegarde non pris en charge : %(format)s", format=str(manifest.get("format")))
            )
        database = root / "matchmaker.sqlite3"
        with sqlite3.connect(database) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise InvalidQuery(_l("La base contenue dans l'archive est corrompue."))
        if destination.exists():
            shutil.copy2(destination, destination.with_name(destination.name + ".before-restore"))
        os.replace(database, destination)
        if (root / "index").is_dir():
            retired = index_dir.with_name(index_dir.name + ".before-restore")
            shutil.rmtree(retired, ignore_errors=True)
            if index_dir.exists():
                os.replace(index_dir, retired)
            shutil.move(str(root / "index"), index_dir)
    return manifest
