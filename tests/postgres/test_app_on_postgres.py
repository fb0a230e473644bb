"""The app's search, import and CLI tests, re-run unchanged with the database on PostgreSQL + pgvector.

The ``app`` fixture of this directory points the same application at a fresh PostgreSQL database, so
every test below exercises the SQLAlchemy models, the importer, the API and the ranking (dense side
answered by pgvector) on the production database engine.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

APP_TESTS = Path(__file__).resolve().parent.parent / "app"
RERUN = ("test_search", "test_import", "test_cli", "test_incremental_index")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"postgres_rerun_{name}", APP_TESTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


for _name in RERUN:
    _module = _load(_name)
    for _attr, _value in vars(_module).items():
        if _attr.startswith("test_") and callable(_value):
            globals()[f"test_{_name.removeprefix('test_')}__{_attr.removeprefix('test_')}"] = _value
        elif hasattr(_value, "_fixture_function_marker"):  # module-level fixtures of the re-run tests
            globals()[_attr] = _value
