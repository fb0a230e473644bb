"""The schema comparison shared by the SQLite and PostgreSQL migration tests."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, pool, text

import matchmaker.models  # noqa: F401  (register every table)
from matchmaker.extensions import db
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
