"""The shape the code review asked for, checked on the source: blueprints stay apart, one vocabulary."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from matchmaker.vocabulary import CERTIFICATIONS, OrganisationKind

PACKAGE = Path(__file__).resolve().parents[1] / "matchmaker"
BLUEPRINTS = sorted(
    path.parent.name for path in PACKAGE.glob("*/__init__.py") if "Blueprint(" in path.read_text(encoding="utf-8")
)


def modules(directory: Path = PACKAGE) -> list[Path]:
    return sorted(directory.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_blueprints_are_found():
    assert {"main", "api", "needs", "staff", "dashboard", "events"} <= set(BLUEPRINTS)


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_no_blueprint_imports_another_blueprint(blueprint):
    others = [f"matchmaker.{name}" for name in BLUEPRINTS if name != blueprint]
    found = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules(PACKAGE / blueprint)
        for name in imported_modules(path)
        if any(name == other or name.startswith(other + ".") for other in others)
    }
    assert not found, "move what is shared to a neutral module (labels, forms, presenters, services)"


def test_the_schema_is_created_by_migrations_only():
    root = PACKAGE.parent
    sources = [*modules(), *sorted((root / "benchmarks").rglob("*.py")), *sorted((root / "docs").rglob("*.py")),
               *sorted((root / "migrations").rglob("*.py"))]
    offenders = [
        f"{path.relative_to(root)}:{node.lineno}"
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "create_all"
    ]
    assert not offenders, "outside tests the schema comes from `flask --app matchmaker db-upgrade` (Alembic)"


def _literal_lists(path: Path) -> list[tuple[int, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            found.append((node.lineno, strings))
    return found


def test_only_the_vocabulary_lists_kinds_and_certifications():
    kinds, certifications = {k.value for k in OrganisationKind}, set(CERTIFICATIONS)
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in modules()
        if path.name != "vocabulary.py"
        for line, strings in _literal_lists(path)
        if len(kinds.intersection(strings)) >= 2 or len(certifications.intersection(strings)) >= 2
    ]
    assert not offenders, "import kind and certification lists from matchmaker.vocabulary"


@pytest.mark.parametrize("package", ["ranking", "scheduling"])
def test_the_tests_mirror_the_core_packages(package):
    tests = PACKAGE.parent / "tests" / package
    missing = [
        path.name
        for path in sorted((PACKAGE / package).glob("*.py"))
        if path.name != "__init__.py" and not (tests / f"test_{path.name}").exists()
    ]
    assert not missing, f"add tests/{package}/test_<module>.py for {missing}"


LAYERS = [
    # (layer, module prefixes): a module may import its own layer and the layers below, never one above
    (0, ["vocabulary", "livret_vocabulary", "errors", "geo", "config", "extensions", "ranking", "scheduling"]),
    (1, ["models", "catalogue", "schema"]),
    (2, ["services"]),
    (3, ["labels", "presenters", "forms", "formtools", "health", "chart_tables", "access", "observability"]),
    (4, ["cli", *BLUEPRINTS]),
]


def _layer(module: str) -> int | None:
    name = module.removeprefix("matchmaker.").split(".")[0]
    return next((layer for layer, names in LAYERS if name in names), None)


def test_imports_run_down_the_layers():
    upward = []
    for path in modules():
        module = ".".join(("matchmaker", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        own = _layer(module)
        if own is None:
            continue
        for name in imported_modules(path):
            target = _layer(name) if name.startswith("matchmaker.") else None
            if target is not None and target > own:
                upward.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not upward, "see the Architecture section of the README"
