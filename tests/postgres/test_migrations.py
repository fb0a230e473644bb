"""Alembic migrations build the same schema as ``db.create_all()``, on SQLite and on PostgreSQL.

A model changed without a migration makes these tests fail: write one with
`flask --app matchmaker db-revision -m "..."` (see migrations/README.md). The SQLite tests are in
tests/test_schema.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, pool, text

from matchmaker.models.vectors import HNSW_INDEX
from matchmaker.schema import head_revision
from tests.support.schema import compare_migrated_with_create_all


@pytest.mark.postgres
def test_db_upgrade_command_stamps_a_create_all_database_then_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["db-upgrade"])
    assert first.exit_code == 0, first.output
    assert head_revision() in first.output
    again = runner.invoke(args=["db-upgrade"])
    assert again.exit_code == 0 and head_revision() in again.output


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
