"""Faults inside a request and on disk: failed transactions roll back, a broken index says how to repair it.

A service that fails after flushing (or whose commit fails) must leave nothing behind: the 500 handler
rolls the session back. A missing, empty, truncated or garbled index file turns search pages into a 503
that names the repair command, /health reports it, and `flask --app matchmaker setup` rebuilds it.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Need, Shortlist, User
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app

NEED = {"title": "Essais de biocompatibilité", "description": "Nous cherchons un laboratoire pour des essais.",
        "confidentiality": "public"}


def _counts(world) -> tuple[int, int, int]:
    with world.app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Need, Shortlist,
                                                                                              AuditEvent))


def _explode(*args, **kwargs):
    raise RuntimeError("disk on fire")


def _clash(session, *args, **kwargs):
    """Flush a row that violates a unique constraint, as a concurrent writer would make us do."""
    session.add(User(email="buyer@example.org", password_hash="x"))
    session.flush()


def test_a_failed_flush_still_renders_the_error_page_and_keeps_nothing(fresh_world, monkeypatch):
    before = _counts(fresh_world)
    monkeypatch.setattr("matchmaker.services.needs.audit.record", _clash)
    client = fresh_world.client("buyer")
    response = client.post("/besoins/nouveau", data=NEED)
    # The session is unusable after a failed flush: without the handler's rollback, rendering the page
    # (which reads the logged-in user) would itself fail and the visitor would get a bare 500.
    assert response.status_code == 500 and "buyer@example.org" in response.get_data(as_text=True)
    assert _counts(fresh_world) == before


@pytest.mark.parametrize(("url", "data"), [("/besoins/nouveau", NEED), ("/api/needs", NEED),
                                           ("/api/shortlists", {"name": "Ma liste"})])
def test_a_service_failing_after_its_flush_commits_nothing(fresh_world, monkeypatch, url, data):
    before = _counts(fresh_world)
    monkeypatch.setattr("matchmaker.services.audit.AuditEvent", _explode)  # fails after the row was flushed
    client = fresh_world.client("buyer")
    response = client.post(url, json=data) if url.startswith("/api/") else client.post(url, data=data)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "disk on fire" not in body and "Traceback" not in body  # logged, not shown
    assert _counts(fresh_world) == before
    monkeypatch.undo()
    assert client.get("/besoins/" if url.startswith("/besoins") else "/api/shortlists").status_code == 200


def test_a_failed_commit_rolls_back_and_the_next_request_works(fresh_world, monkeypatch):
    before = _counts(fresh_world)
    with fresh_world.app.app_context():
        session_class = type(db.session.registry())  # patched for this test only

    def locked(self):
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(session_class, "commit", locked)
    client = fresh_world.client("buyer")
    assert client.post("/besoins/nouveau", data=NEED).status_code == 500
    assert client.post("/api/needs", json=NEED).get_json()["error"]["status"] == 500
    monkeypatch.undo()
    assert _counts(fresh_world) == before
    assert client.post("/besoins/nouveau", data=NEED).status_code == 302
    assert _counts(fresh_world)[0] == before[0] + 1


# -- a broken index on disk ------------------------------------------------------------------------------------

HINT = "flask --app matchmaker build-index"


def _config(root):
    class Config(TestConfig):
        INSTANCE_DIR = root / "instance"
        MODELS_DIR = root / "models"
        BUNDLED_DATA = PROJECT_ROOT / "data" / "competences"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{root / 'db.sqlite3'}"

    return Config


@pytest.fixture()
def built(tmp_path, catalogue_records):
    """Return a directory with a file database and a built index (the app that built it is gone)."""
    app = create_test_app(_config(tmp_path))
    with app.app_context():
        store_records(db.session, catalogue_records)
        db.session.commit()
        app.extensions["matchmaker"].build(db.session)
        db.session.remove()
        db.engine.dispose()
    return tmp_path


def _truncate(path):
    path.write_bytes(path.read_bytes()[:200])


DAMAGE = {
    "truncated embeddings": ("embeddings.npy", _truncate),
    "empty counts": ("counts.data.npy", lambda p: p.write_bytes(b"")),
    "garbled owner": ("docs.owner.npy", lambda p: p.write_bytes(b"\x93NUMPY garbage" * 20)),
    "deleted vocabulary": ("terms.json", lambda p: p.unlink()),
    "garbled evidence ids": ("docs.ids.ends.npy", lambda p: p.write_bytes(b"\x93NUMPY garbage" * 20)),
    "deleted lexical index": ("lexical_docs", lambda p: shutil.rmtree(p)),
    "deleted manifest": ("manifest.json", lambda p: p.unlink()),
    "empty embedding cache too": ("embeddings.npy", lambda p: (_truncate(p), _empty_cache(p))),
}


def _empty_cache(index_file):
    for cached in (index_file.parent.parent / "embeddings").glob("*.npy"):
        cached.write_bytes(b"")


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_broken_index_gives_a_503_with_the_repair_command_and_setup_repairs_it(built, damage):
    name, breaker = DAMAGE[damage]
    breaker(built / "models" / "index" / name)
    app = create_test_app(_config(built))
    client = app.test_client()
    page = client.get("/", query_string={"q": "cancer du sein"})
    assert page.status_code == 503 and HINT in page.get_data(as_text=True)
    assert str(built) not in page.get_data(as_text=True)  # no file paths on the page
    api = client.get("/api/search", query_string={"q": "cancer"})
    assert api.status_code == 503 and HINT in api.get_json()["error"]["message"]
    assert client.get("/health").status_code == 503
    assert client.get("/api/health").get_json()["status"] == "degraded"

    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    repaired = create_test_app(_config(built)).test_client()
    assert repaired.get("/health").get_json() == {"status": "ok", "index": "ready"}
    answer = repaired.get("/api/search", query_string={"q": "cancer"})
    assert answer.status_code == 200 and answer.get_json()["results"]
