"""Migration 0009 widens every device-id column to 128 characters on both databases,
keeping the rows already stored; the store takes a 128-character id."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import Engine, inspect, text

from hub.db.migrate import upgrade
from hub.store.rows import TelemetryRow, WriteBatch
from hub.store.writer import StoreWriter

MIGRATION = importlib.import_module("hub.db.migrations.versions.0009_device_ids")
COLUMNS: dict[str, tuple[str, ...]] = MIGRATION.DEVICE_ID_COLUMNS


def _lengths(engine: Engine) -> dict[tuple[str, str], int | None]:
    inspector = inspect(engine)
    return {
        (table, column["name"]): getattr(column["type"], "length", None)
        for table in COLUMNS
        for column in inspector.get_columns(table)
        if column["name"] in COLUMNS[table]
    }


def test_every_device_id_column_becomes_128_and_keeps_its_rows(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0008")
    assert set(_lengths(empty_engine).values()) == {64}
    old_id = "d" * 64
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO telemetry (device_id, seq, ts_ms, metrics)"
                """ VALUES (:d, 1, 1, '{"m": 2.5}')"""
            ),
            {"d": old_id},
        )
    upgrade(empty_engine)
    lengths = _lengths(empty_engine)
    assert len(lengths) == sum(len(c) for c in COLUMNS.values())
    assert set(lengths.values()) == {128}
    long_id = "LK-" + "x" * 125
    StoreWriter(empty_engine).write(WriteBatch(telemetry=[TelemetryRow(long_id, 2, 2, {"m": 1.0})]))
    with empty_engine.connect() as conn:
        stored = conn.execute(text("SELECT device_id FROM telemetry ORDER BY ts_ms")).scalars()
        assert list(stored) == [old_id, long_id]


def test_sqlite_rewrites_only_the_declared_type() -> None:
    sql = "CREATE TABLE t (\n\tdevice_id VARCHAR(64) NOT NULL, \n\tname VARCHAR(64))"
    assert MIGRATION._declared(sql, "device_id", 64, 128) == (
        "CREATE TABLE t (\n\tdevice_id VARCHAR(128) NOT NULL, \n\tname VARCHAR(64))"
    )
    with pytest.raises(RuntimeError):
        MIGRATION._declared(sql, "missing", 64, 128)
