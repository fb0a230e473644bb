"""Alembic migrations build the same schema as ``db.create_all()``, on SQLite and on PostgreSQL.

A model changed without a migration makes these tests fail: write one with
`flask --app matchmaker db-revision -m "..."` (see migrations/README.md).
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, pool, text

import matchmaker.models  # noqa: F401  (register every table)
from matchmaker.extensions import db
from matchmaker.models.vectors import HNSW_INDEX
from matchmaker.schema import head_revision, schema_differences, upgrade


def schema(engine) -> dict:
    """Return tables with their columns, indexes, unique constraints and foreign keys."""
    found = {}
    inspector = inspect(engine)
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        indexes = inspector.get_indexes(table)
        found[table] = {
            "columns": {c["name"]: (str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)},
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in indexes),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
                 (f.get("options") or {}).get("ondelete"))
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return found


def compare_migrated_with_create_all(created_url: str, migrated_url: str) -> None:
    created = create_engine(created_url, poolclass=pool.NullPool)
    migrated = create_engine(migrated_url, poolclass=pool.NullPool)
    try:
        db.metadata.create_all(created)
        with migrated.connect() as connection:
            upgrade(connection)
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
            assert schema_differences(connection) == []
        assert schema(migrated) == schema(created)
        assert set(schema(created)) == set(db.metadata.tables)
    finally:
        created.dispose()
        migrated.dispose()


def test_sqlite_migrations_build_the_create_all_schema(tmp_path):
    compare_migrated_with_create_all(f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}")


@pytest.mark.postgres
def test_db_upgrade_command_stamps_a_create_all_database_then_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["db-upgrade"])
    assert first.exit_code == 0, first.output
    assert head_revision() in first.output
    again = runner.invoke(args=["db-upgrade"])
    assert again.exit_code == 0 and head_revision() in again.output


def test_db_upgrade_refuses_a_database_that_drifted_from_the_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'drift.sqlite3'}", poolclass=pool.NullPool)
    db.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE organisations ADD COLUMN legacy TEXT"))
    with engine.connect() as connection, pytest.raises(Exception, match="diffère des modèles"):
        upgrade(connection)
    engine.dispose()


@pytest.mark.postgres
def test_postgres_migrations_build_the_create_all_schema(make_database):
    created, migrated = make_database("migrate_created"), make_database("migrate_migrated")
    compare_migrated_with_create_all(created, migrated)
    engine = create_engine(migrated, poolclass=pool.NullPool)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
        definition = connection.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": HNSW_INDEX})
        assert "USING hnsw" in definition and "vector_cosine_ops" in definition
    engine.dispose()
