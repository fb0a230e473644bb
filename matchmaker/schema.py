"""The database schema, from the Alembic migrations in ``migrations/`` (`flask --app matchmaker db-upgrade`).

The same migration history serves SQLite and PostgreSQL. A database created earlier by
``db.create_all()`` has no Alembic version yet: when its schema already matches the models it is
stamped at the head revision, otherwise ``upgrade`` stops and says what differs.
"""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from matchmaker.config import PROJECT_ROOT
from matchmaker.extensions import db
from matchmaker.models.vectors import HNSW_INDEX, EmbeddingType

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


class SchemaDriftError(RuntimeError):
    """A database created without migrations differs from the models: it cannot be stamped."""


def render_item(type_, obj, autogen_context):
    """Render embedding columns as LargeBinary on SQLite and pgvector's Vector on PostgreSQL."""
    if type_ == "type" and isinstance(obj, EmbeddingType):
        return f"sa.LargeBinary().with_variant(pgvector.sqlalchemy.Vector({obj.dim}), 'postgresql')"
    return False


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the PostgreSQL-only HNSW index to the hand-written part of the first migration."""
    return not (type_ == "index" and name == HNSW_INDEX)


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Compare embedding columns by what each database stores; defer to Alembic for the others."""
    if isinstance(metadata_type, EmbeddingType):
        expected = {"VECTOR"} if context.dialect.name == "postgresql" else {"BLOB", "LARGEBINARY"}
        return type(inspected_type).__name__.upper() not in expected
    return None


def alembic_config(connection: Connection | None = None, url: str | None = None) -> AlembicConfig:
    """Return an Alembic configuration on ``migrations/``, bound to a connection or a URL."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """Return the newest revision of the migration history."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """Return the revision a database is at (None when Alembic never ran on it)."""
    return MigrationContext.configure(connection).get_current_revision()


def schema_differences(connection: Connection) -> list:
    """Return what differs between the database and the models (empty when they match)."""
    import matchmaker.models  # noqa: F401  (register every table)

    context = MigrationContext.configure(
        connection, opts={"compare_type": compare_type, "include_object": include_object}
    )
    return compare_metadata(context, db.metadata)


def upgrade(connection: Connection, revision: str = "head") -> str:
    """Bring the database to ``revision``; return what was done (for the command's message)."""
    if current_revision(connection) is None and inspect(connection).has_table("organisations"):
        differences = schema_differences(connection)
        if differences:
            raise SchemaDriftError(
                "La base a été créée sans migrations et diffère des modèles : "
                + "; ".join(str(d)[:160] for d in differences[:5])
            )
        command.stamp(alembic_config(connection), "head")
        connection.commit()
        return f"schéma existant conforme, marqué à la révision {head_revision()}"
    command.upgrade(alembic_config(connection), revision)
    connection.commit()
    return f"base à la révision {current_revision(connection)}"


def new_revision(connection: Connection, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(connection), message=message, autogenerate=True)
