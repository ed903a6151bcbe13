"""Migration 0007 folds per-metric telemetry rows into one row per message and back, on
both databases (tests/integration/db/test_schema.py checks that the migrations build
exactly hub.store.schema and take it away again)."""

from __future__ import annotations

import json

from sqlalchemy import text

from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from tests.support.migrations import downgrade


def test_0007_folds_readings_into_messages_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0006")
    readings = [
        ("vend-1", "temp", 1_000, 4.5, 7),
        ("vend-1", "door", 1_000, 0.0, 7),
        ("vend-1", "temp", 2_000, 5.0, 8),
        ("door-1", "door_open", 1_500, 1.0, 7),
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO telemetry (device_id, metric, ts_ms, value, seq) "
                "VALUES (:d, :m, :t, :v, :s)"
            ),
            [{"d": d, "m": m, "t": t, "v": v, "s": s} for d, m, t, v, s in readings],
        )
    upgrade(engine, "0007")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT device_id, seq, ts_ms, metrics FROM telemetry ORDER BY device_id, seq")
        ).all()
        names = conn.execute(
            text("SELECT device_id, metric, first_ts_ms FROM telemetry_metric ORDER BY 1, 2")
        ).all()
    decoded = [(d, s, t, m if isinstance(m, dict) else json.loads(m)) for d, s, t, m in rows]
    assert decoded == [
        ("door-1", 7, 1_500, {"door_open": 1.0}),
        ("vend-1", 7, 1_000, {"temp": 4.5, "door": 0.0}),
        ("vend-1", 8, 2_000, {"temp": 5.0}),
    ]
    assert [tuple(n) for n in names] == [
        ("door-1", "door_open", 1_500),
        ("vend-1", "door", 1_000),
        ("vend-1", "temp", 1_000),
    ]
    downgrade(engine, "0006")
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT device_id, metric, ts_ms, value, seq FROM telemetry ORDER BY 1, 5, 2")
        ).all()
    assert sorted(tuple(r) for r in back) == sorted(readings)
    engine.dispose()
