"""Alembic environment: the application's metadata, the same migrations for SQLite and PostgreSQL.

Run through `flask --app matchmaker db-upgrade` (the app's engine is passed in) or plain
`alembic upgrade head` from the repository root (DATABASE_URL or the embedded SQLite default).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import matchmaker.models  # noqa: F401  (register every table on the metadata)
from matchmaker.extensions import db
from matchmaker.schema import compare_type, include_object, render_item

config = context.config
target_metadata = db.metadata


def database_url() -> str:
    """Return the URL given to Alembic, else the application's configured one."""
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from matchmaker.config import Config

    return Config.SQLALCHEMY_DATABASE_URI


def configure(**options) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_item=render_item,
        compare_type=compare_type,
        include_object=include_object,
        **options,
    )


def run_migrations_offline() -> None:
    """Emit the SQL of the migrations without a database connection."""
    configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection) -> None:
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the application's connection, or on one opened from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_on(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
