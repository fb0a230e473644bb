"""The schema comes from the Alembic migrations only, and they build exactly the models' schema.

A model changed without a migration makes these tests fail: write one with
`flask --app matchmaker db-revision -m "..."` (see migrations/README.md). The PostgreSQL twin of the
first test is in tests/postgres/test_migrations.py.
"""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import create_engine, inspect, pool, text

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.extensions import db
from matchmaker.schema import head_revision, upgrade
from tests.support.schema import compare_migrated_with_create_all


def test_sqlite_migrations_build_the_create_all_schema(tmp_path):
    compare_migrated_with_create_all(f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}")


def test_db_upgrade_refuses_a_database_that_drifted_from_the_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'drift.sqlite3'}", poolclass=pool.NullPool)
    db.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE organisations ADD COLUMN legacy TEXT"))
    with engine.connect() as connection, pytest.raises(Exception, match="diffère des modèles"):
        upgrade(connection)
    engine.dispose()


def test_a_fresh_database_gets_its_tables_from_the_migrations_on_setup(tmp_path, catalogue_records):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    with gzip.open(bundle / "organisations.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in catalogue_records)

    class Config(TestConfig):
        INSTANCE_DIR = tmp_path / "instance"
        MODELS_DIR = tmp_path / "models"
        BUNDLED_DATA = bundle
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    app = create_app(Config)
    with app.app_context():
        assert not inspect(db.engine).has_table("organisations")  # the factory creates no table
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["create-user", "a@example.org", "--password", "correct horse battery"])
    assert refused.exit_code != 0 and "setup" in refused.output
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        assert db.session.scalar(text("SELECT count(*) FROM organisations")) == len(catalogue_records)
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0 and "Migrations" not in again.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_start_up_accounts_become_members_with_one_owner_per_organisation(tmp_path):
    """Migration 0006 keeps every account as it was, renames its role and names each organisation's owner."""
    engine = create_engine(f"sqlite:///{tmp_path / 'accounts.sqlite3'}", poolclass=pool.NullPool)
    with engine.connect() as connection:
        upgrade(connection, "0005")
        connection.execute(text(
            "INSERT INTO organisations (id, key, kind, name, keywords, certifications, source, attributes, claimed, "
            "created_at, updated_at) VALUES (1, 'ilab:a', 'startup', 'A', '[]', '[]', 'ilab', '{}', 1, "
            "'2026-01-01', '2026-01-01'), (2, 'decp-buyer:b', 'buyer', 'B', '[]', '[]', 'decp', '{}', 0, "
            "'2026-01-01', '2026-01-01')"))
        accounts = [(1, "first@a.example", "startup", 1), (2, "second@a.example", "startup", 1),
                    (3, "alone@c.example", "startup", None), (4, "buyer@b.example", "buyer", 2)]
        for user_id, email, role, org in accounts:
            connection.execute(text(
                "INSERT INTO users (id, public_id, email, name, password_hash, role, organisation_id, "
                "is_active_account, session_version, created_at) VALUES (:id, :pid, :email, '', 'hash-' || :email, "
                ":role, :org, 1, 3, '2026-01-01')"),
                {"id": user_id, "pid": f"public-{user_id:04d}-xxxxxxxxxx", "email": email, "role": role, "org": org})
        connection.commit()
        upgrade(connection)
        rows = connection.execute(text(
            "SELECT email, role, organisation_id, organisation_role, password_hash, session_version FROM users "
            "ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("first@a.example", "member", 1, "owner", "hash-first@a.example", 3),
        ("second@a.example", "member", 1, "colleague", "hash-second@a.example", 3),
        ("alone@c.example", "member", None, None, "hash-alone@c.example", 3),
        ("buyer@b.example", "buyer", 2, None, "hash-buyer@b.example", 3),
    ]
