"""Faults: an import or an index rebuild killed half-way leaves the previous data and index usable."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from matchmaker.catalogue.importing import validate_record
from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import Organisation
from matchmaker.ranking import HybridMatcher, load_encoder
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app

pytestmark = pytest.mark.slow


def _environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MATCHMAKER_INSTANCE_DIR=str(tmp_path / "instance"),
        MATCHMAKER_MODELS_DIR=str(tmp_path / "models"),
        MATCHMAKER_ENCODER="fake",
        SECRET_KEY="x",
    )
    return env


def _prepared(tmp_path: Path, records: list[dict]) -> None:
    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    app = create_test_app(Config)
    with app.app_context():
        store_records(db.session, records)
        db.session.commit()
        app.extensions["matchmaker"].build(db.session)
        db.session.remove()
        db.engine.dispose()


def _kill_after(command: list[str], env: dict[str, str], seconds: float) -> None:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    assert process.poll() is None, "the command finished before it could be killed: make the job bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_import_killed_half_way_changes_nothing(tmp_path, catalogue_records):
    _prepared(tmp_path, catalogue_records)
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(Organisation.__table__)).scalar()
    big = tmp_path / "big.csv"
    with big.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "name", "kind", "description_fr", "keywords"])
        for i in range(60000):
            writer.writerow([f"bulk:{i}", f"Société {i}", "subcontractor", f"Usinage de précision lot {i}", "usinage"])
    flask = [sys.executable, "-m", "flask", "--app", "matchmaker", "import", str(big)]
    _kill_after(flask, _environment(tmp_path), 4.0)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        after = connection.execute(select(func.count()).select_from(Organisation.__table__)).scalar()
    assert after == before


def test_index_rebuild_killed_half_way_keeps_the_served_index(tmp_path, catalogue_records):
    _prepared(tmp_path, catalogue_records)
    index_dir = tmp_path / "models" / "index"
    served_docs = json.loads((index_dir / "manifest.json").read_text())["n_docs"]
    # New texts the bundled e5 vectors do not cover: the rebuild has to encode them, slowly enough to be killed.
    novel = [{"key": f"novel:{i}", "name": f"Atelier {i}", "kind": "subcontractor",
              "description_fr": f"Procédé expérimental {i} de fabrication additive de pièces en alliage {i % 97}, "
                                f"contrôle dimensional par tomographie et traitement de surface numéro {i}."}
             for i in range(1500)]

    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    with create_test_app(Config).app_context():
        store_records(db.session, [validate_record(record) for record in novel])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    env = _environment(tmp_path)
    env["MATCHMAKER_ENCODER"] = "e5"
    _kill_after([sys.executable, "-m", "flask", "--app", "matchmaker", "build-index"], env, 6.0)

    served = HybridMatcher.load(index_dir, encoder=load_encoder("fake"))  # the files a server would load now
    assert served.manifest["n_docs"] == served_docs
    assert served.search("cancer", k=3)
    app = create_test_app(Config)
    with app.app_context():
        assert app.extensions["matchmaker"].matcher(db.session).search("cancer", k=3)
        assert db.session.scalar(select(func.count(Organisation.id))) == len(catalogue_records) + len(novel)
