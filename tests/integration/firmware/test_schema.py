"""Migration 0008's firmware tables go away again on downgrade, on both databases
(tests/integration/db/test_schema.py checks that the migrations build exactly
hub.firmware.tables)."""

from __future__ import annotations

from sqlalchemy import inspect

from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.firmware.tables import FIRMWARE_TABLES
from tests.support.migrations import downgrade


def test_downgrade_removes_the_firmware_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0008")
    assert set(inspect(engine).get_table_names()) >= FIRMWARE_TABLES
    downgrade(engine, "0007")
    assert not FIRMWARE_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
