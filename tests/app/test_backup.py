"""Backup and restore of the embedded database and index."""

from __future__ import annotations

import tarfile

from sqlalchemy import func, select

from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import Organisation
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app


def _file_app(tmp_path, records):
    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    app = create_test_app(Config)
    with app.app_context():
        store_records(db.session, records)
        db.session.commit()
        app.extensions["matchmaker"].build(db.session)
    return app


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Organisation.id)))


def test_backup_then_restore_brings_back_deleted_data(tmp_path, catalogue_records):
    app = _file_app(tmp_path, catalogue_records[:20])
    runner = app.test_cli_runner()
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "matchmaker.sqlite3" in names and any(n.startswith("index/") for n in names)
    with app.app_context():
        db.session.execute(Organisation.__table__.delete())
        db.session.commit()
    assert _count(app) == 0
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert _count(app) == 20


def test_restore_rejects_a_corrupt_archive_and_keeps_the_data(tmp_path, catalogue_records):
    app = _file_app(tmp_path, catalogue_records[:5])
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not a tarball")
    result = app.test_cli_runner().invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0 and "illisible" in result.output
    assert _count(app) == 5


def test_backup_refuses_in_memory_database(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "x.tar.gz")])
    assert result.exit_code != 0 and "SQLite" in result.output
