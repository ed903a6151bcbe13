"""Tables are declared one way: SQLModel classes on ``SQLModel.metadata`` (see "How tables
are defined" in docs/architecture.md). No module of the hub builds a ``MetaData`` or a
``Table`` of its own; ``tests/integration/db/test_schema.py`` checks the other half (the
migrated database holds exactly the tables of ``SQLModel.metadata``)."""

from __future__ import annotations

import ast
from pathlib import Path

from hub.db.tables import table_of
from hub.store.schema import TelemetryRecord, telemetry

HUB = Path(__file__).resolve().parents[2] / "hub"
FORBIDDEN = frozenset({"MetaData", "Table"})


def _declarations(source: str) -> list[tuple[int, str]]:
    """(line, name) of every call of SQLAlchemy's ``MetaData`` or ``Table`` in ``source``,
    as an imported name (``from sqlalchemy import Table as T``) or an attribute
    (``sqlalchemy.MetaData()``, ``sa.Table(...)``)."""
    tree = ast.parse(source)
    imported = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in FORBIDDEN
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in imported:
            found.append((node.lineno, imported[node.func.id]))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in FORBIDDEN:
            found.append((node.lineno, node.func.attr))
    return found


def test_no_hub_module_declares_a_core_table_or_metadata() -> None:
    found = {
        f"{path.relative_to(HUB.parent)}:{line}": name
        for path in sorted(HUB.rglob("*.py"))
        for line, name in _declarations(path.read_text(encoding="utf-8"))
    }
    assert found == {}


def test_the_scan_finds_both_spellings() -> None:
    source = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy import MetaData, Table as T\n"
        "m = MetaData()\n"
        "t = T('t', m)\n"
        "u = sa.Table('u', sa.MetaData())\n"
    )
    assert sorted(_declarations(source)) == [
        (3, "MetaData"),
        (4, "Table"),
        (5, "MetaData"),
        (5, "Table"),
    ]


def test_a_report_table_is_not_a_database_table() -> None:
    """Only SQLAlchemy's names count: ``hub.reports.table.Table`` is a report's table."""
    source = "from hub.reports.table import Table\nt = Table([], [])\n"
    assert _declarations(source) == []


def test_the_core_table_is_the_models_own() -> None:
    assert table_of(TelemetryRecord) is telemetry
