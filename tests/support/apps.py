"""Test applications: the app of the factory plus its tables."""

from __future__ import annotations

from typing import Any

from flask import Flask

from matchmaker import create_app
from matchmaker.config import Config
from matchmaker.extensions import db


def create_test_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Create the application and its tables.

    The platform takes its schema from the Alembic migrations only (`setup`, `serve`, `db-upgrade`).
    Tests create the tables from the models, which is faster; tests/test_schema.py proves that the
    migrations build exactly that schema.
    """
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app
