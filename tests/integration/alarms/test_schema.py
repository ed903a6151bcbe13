"""The alarm tables keep one open alarm per device and type, on both databases
(tests/integration/db/test_schema.py checks that the migrations build exactly
hub.alarms.tables and take them away again)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError

from hub.alarms.tables import ALARM


def row(state: str = "active") -> dict[str, Any]:
    return {
        "device_id": "door-0001",
        "device_kind": "door",
        "device_path": "c/d/s/c1/b1",
        "type": "tamper",
        "severity": "critical",
        "state": state,
        "raised_ms": 1,
        "last_ms": 1,
        "occurrences": 1,
        "condition_active": True,
        "latching": False,
        "stock_unsellable": False,
        "details": {},
        "updated_ms": 1,
    }


def test_one_open_alarm_per_device_and_type(engine: Engine) -> None:
    with engine.begin() as conn:
        first = conn.execute(insert(ALARM).values(row()).returning(ALARM.c.id)).scalar_one()
        conn.execute(insert(ALARM).values(row("cleared")))  # history of cleared ones: fine
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ALARM).values(row("acknowledged")))
    with engine.begin() as conn:
        conn.execute(update(ALARM).where(ALARM.c.id == first).values(state="cleared"))
        conn.execute(insert(ALARM).values(row()))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ALARM).values(row("unknown")))
