"""Bulk inserts convert values the way SQLAlchemy would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.db.tables import table_of
from hub.registry.bulk import bulk_insert
from hub.registry.models import Device, Node

SHANGHAI = timezone(timedelta(hours=8))
COLUMNS = [
    "id",
    "kind",
    "vendor",
    "model",
    "firmware_version",
    "protocol",
    "node_id",
    "path",
    "name",
    "mqtt_password_hash",
    "enabled",
    "created_at",
]


def _node(engine: Engine) -> int:
    with engine.begin() as conn:
        bulk_insert(
            conn, table_of(Node), ["code", "name", "level", "path"], [("x", "X", "community", "x")]
        )
    with Session(engine) as session:
        node = session.exec(select(Node)).one()
        assert node.id is not None
        return node.id


def test_timestamps_and_booleans_round_trip(engine: Engine) -> None:
    node_id = _node(engine)
    local = datetime(2026, 5, 1, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    rows = [
        (f"door-{n}", "door", "V", "M", "2.0", "osdp", node_id, "x", "d", "$7$", n % 2 == 0, local)
        for n in range(3)
    ]
    with engine.begin() as conn:
        bulk_insert(conn, table_of(Device), COLUMNS, rows)
    with Session(engine) as session:
        devices = session.exec(select(Device).order_by(Device.id)).all()
    assert [d.enabled for d in devices] == [True, False, True]
    for device in devices:
        assert device.created_at == local
        assert device.created_at.utcoffset() == timedelta(0)
        assert device.created_at.hour == 1


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    node_id = _node(engine)
    row = ("door-1", "door", "V", "M", "2.0", "osdp", node_id, "x", "d", "$7$", True)
    with pytest.raises(ValueError, match="naive"), engine.begin() as conn:
        bulk_insert(conn, table_of(Device), COLUMNS, [(*row, datetime(2026, 5, 1))])
    with Session(engine) as session:
        assert session.exec(select(Device)).all() == []
