"""A member-list import killed while it writes leaves the database as it was (SQLite rolls the journal back)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.models import Livret, Organisation, User
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app
from tests.support.livret import member_list_xlsx

pytestmark = pytest.mark.slow


def _prepared(tmp_path: Path, records: list[dict]) -> None:
    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    app = create_test_app(Config)
    with app.app_context():
        store_records(db.session, records)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        return tuple(connection.execute(select(func.count()).select_from(model.__table__)).scalar()
                     for model in (Organisation, Livret, User))


def test_an_xlsx_import_killed_while_writing_changes_nothing(tmp_path, catalogue_records):
    _prepared(tmp_path, catalogue_records)
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    before = _counts(engine)
    big = tmp_path / "cluster.xlsx"
    big.write_bytes(member_list_xlsx(4000, bad=False))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "MATCHMAKER_INSTANCE_DIR": str(tmp_path / "instance"), "MATCHMAKER_MODELS_DIR": str(tmp_path / "models"),
           "MATCHMAKER_ENCODER": "fake", "SECRET_KEY": "x"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "matchmaker", "import", str(big)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = tmp_path / "db.sqlite3-journal"
    deadline = time.monotonic() + 120
    while not journal.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # the journal exists only while the import's transaction writes
    assert process.poll() is None, "the import finished before it could be killed while writing"
    time.sleep(0.2)
    assert process.poll() is None, "the import finished before it could be killed while writing"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _counts(engine) == before
