"""Residents unlock doors through the HTTP API, against a real hub and door units."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from firmware_protocols.command_guard import CommandGuard
from firmware_protocols.osdp.envelope import ReplyStatus
from hub.api.audit.tables import audit_entry
from hub.commands.models import CommandRecord
from hub.commands.repository import CommandRepository
from hub.store.schema import event
from tests.integration.api.conftest import (
    ApiHub,
    bearer,
    held_door,
    start_door,
    strike_commands,
    unlock_commands,
)
from tests.support.waiting import async_wait_until


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def audit_rows(hub: ApiHub) -> list[dict[str, object]]:
    with hub.runtime.engine.connect() as conn:
        rows = conn.execute(select(audit_entry).order_by(audit_entry.c.seq)).all()
    return [dict(r._mapping) for r in rows]


def commands_sent(hub: ApiHub) -> int:
    """Unlock commands the hub issued (the hub's own, like allow-list pushes, aside)."""
    table = CommandRecord.__table__  # type: ignore[attr-defined]
    query = select(func.count()).select_from(table).where(table.c.name == "unlock")
    with hub.runtime.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


async def test_resident_unlocks_own_door_once(both_api: ApiHub) -> None:
    api = both_api  # on SQLite and PostgreSQL: their unlock paths differ
    door_id = api.fleet.doors[0]
    door = await start_door(api, door_id)
    try:
        token = api.resident_token(api.resident(door_id))
        response = await api.client.post(
            f"/api/v1/doors/{door_id}/unlock", headers=bearer(token) | key()
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["result"] == "confirmed" and body["device_id"] == door_id
        assert body["latency_ms"] > 0
        assert strike_commands(door) == [body["command_id"]]
        assert unlock_commands(door) == [body["command_id"]]
        rows = audit_rows(api)
        assert [(r["action"], r["result"], r["http_status"]) for r in rows] == [
            ("unlock", "confirmed", 200)
        ]
        assert rows[0]["command_id"] == body["command_id"]
        assert rows[0]["actor"] == f"resident:{api.resident(door_id)}"
        metrics = api.runtime.metrics
        assert metrics.unlocks.labels("door", "confirmed")._value.get() == 1
    finally:
        await door.stop()


async def test_another_buildings_door_is_forbidden_and_nothing_is_sent(api: ApiHub) -> None:
    mine, theirs = api.fleet.doors
    door = await start_door(api, theirs)
    try:
        token = api.resident_token(api.resident(mine))
        response = await api.client.post(
            f"/api/v1/doors/{theirs}/unlock", headers=bearer(token) | key()
        )
        assert response.status_code == 403
        assert "not a door of your building" in response.json()["detail"]
        unknown = await api.client.post(
            "/api/v1/doors/door-9999/unlock", headers=bearer(token) | key()
        )
        assert unknown.status_code == 403
        assert commands_sent(api) == 0
        assert unlock_commands(door) == []
        results = [(r["result"], r["http_status"], r["device_id"]) for r in audit_rows(api)]
        assert results == [("forbidden", 403, theirs), ("forbidden", 403, "door-9999")]
    finally:
        await door.stop()


async def test_offline_door_answers_409_at_once(api: ApiHub) -> None:
    door_id = api.fleet.doors[0]
    token = api.resident_token(api.resident(door_id))
    assert not api.runtime.presence.is_online(door_id)
    response = await api.client.post(
        f"/api/v1/doors/{door_id}/unlock", headers=bearer(token) | key()
    )
    assert response.status_code == 409
    assert "offline" in response.json()["detail"]
    assert commands_sent(api) == 0
    assert [r["result"] for r in audit_rows(api)] == ["offline"]


async def test_no_confirmation_is_504_and_the_late_command_is_refused(api: ApiHub) -> None:
    door_id = api.fleet.doors[0]
    door = held_door(api, door_id)
    try:
        await async_wait_until(lambda: api.runtime.presence.is_online(door_id), what="online")
        token = api.resident_token(api.resident(door_id))
        response = await api.client.post(
            f"/api/v1/doors/{door_id}/unlock", headers=bearer(token) | key()
        )
        assert response.status_code == 504
        assert "did not confirm" in response.json()["detail"]
        await async_wait_until(lambda: len(door.unlocks()) == 1, what="command at the door")
        # The command arrives at the door only now, after its expiry: refused, not executed.
        handled = door.execute_pending(CommandGuard())
        assert [status for _, status in handled] == [ReplyStatus.EXPIRED]
        assert door.executed == []
        command_id = handled[0][0].command_id.hex()
        repository = CommandRepository(api.runtime.engine)

        def late_reply_recorded() -> bool:
            return any(r.late and r.status == "expired" for r in repository.replies(command_id))

        await async_wait_until(late_reply_recorded, what="late reply stored")
        record = repository.get(command_id)
        assert record is not None and record.state == "timed_out"
        rows = audit_rows(api)
        assert [(r["result"], r["http_status"], r["command_id"]) for r in rows] == [
            ("timeout", 504, command_id)
        ]
    finally:
        door.wire.close()


async def test_the_same_idempotency_key_opens_once(both_api: ApiHub) -> None:
    api = both_api  # on SQLite and PostgreSQL: their unlock paths differ
    door_id = api.fleet.doors[0]
    door = await start_door(api, door_id)
    try:
        headers = bearer(api.resident_token(api.resident(door_id))) | key()
        first = await api.client.post(f"/api/v1/doors/{door_id}/unlock", headers=headers)
        second = await api.client.post(f"/api/v1/doors/{door_id}/unlock", headers=headers)
        assert first.status_code == second.status_code == 200
        assert second.json() == first.json()
        assert strike_commands(door) == [first.json()["command_id"]]
        assert commands_sent(api) == 1
        # The key belongs to that request: another door with it is refused.
        other = await api.client.post(f"/api/v1/doors/{api.fleet.doors[1]}/unlock", headers=headers)
        assert other.status_code == 422
        assert [r["result"] for r in audit_rows(api)] == ["confirmed", "replayed", "key_reused"]
    finally:
        await door.stop()


async def test_a_repeat_while_the_first_is_running_is_409(api: ApiHub) -> None:
    door_id = api.fleet.doors[0]
    door = held_door(api, door_id)
    try:
        await async_wait_until(lambda: api.runtime.presence.is_online(door_id), what="online")
        headers = bearer(api.resident_token(api.resident(door_id))) | key()
        url = f"/api/v1/doors/{door_id}/unlock"
        first = asyncio.create_task(api.client.post(url, headers=headers))
        await async_wait_until(lambda: len(door.unlocks()) == 1, what="first command at door")
        repeat = await api.client.post(url, headers=headers)
        assert repeat.status_code == 409
        assert "still running" in repeat.json()["detail"]
        assert (await first).status_code == 504
        assert len(door.unlocks()) == 1  # one unlock command only
        after = await api.client.post(url, headers=headers)
        assert after.status_code == 504  # the stored first answer
    finally:
        door.wire.close()


async def test_too_many_attempts_get_429(api: ApiHub) -> None:
    mine, theirs = api.fleet.doors
    resident = api.resident(mine)
    token = api.resident_token(resident)
    url = f"/api/v1/doors/{theirs}/unlock"
    statuses = [
        (await api.client.post(url, headers=bearer(token) | key())).status_code for _ in range(10)
    ]
    assert statuses == [403] * 10
    limited = await api.client.post(url, headers=bearer(token) | key())
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    # Another resident is not limited by the first one's attempts.
    neighbour = api.resident_token(api.resident(mine, "0102"))
    assert (await api.client.post(url, headers=bearer(neighbour) | key())).status_code == 403
    assert [r["result"] for r in audit_rows(api)].count("rate_limited") == 1
    assert api.runtime.metrics.unlocks.labels("door", "rate_limited")._value.get() == 1


def door_alerts(hub: ApiHub, door_id: str) -> list[str]:
    with hub.runtime.engine.connect() as conn:
        rows = conn.execute(
            select(event.c.type).where(
                event.c.device_id == door_id,
                event.c.type.in_(["door_forced_open", "door_held_open"]),
            )
        ).all()
    return [row.type for row in rows]


def door_openings(hub: ApiHub, door_id: str) -> int:
    """Times the door reported its contact opening (``inputs`` events with the door open)."""
    with hub.runtime.engine.connect() as conn:
        rows = conn.execute(
            select(event.c.data).where(event.c.device_id == door_id, event.c.type == "inputs")
        ).scalars()
        return sum(1 for data in rows if data.get("door") == "open")


async def test_a_door_opened_after_app_unlocks_is_not_forced_one_opened_without_is(
    api: ApiHub,
) -> None:
    door_id = api.fleet.doors[0]
    door = await start_door(api, door_id)
    try:
        # Both residents of the building, ten each (the rate limit is ten a minute).
        tokens = [api.resident_token(api.resident(door_id, unit)) for unit in ("0101", "0102")]
        for n in range(20):
            response = await api.client.post(
                f"/api/v1/doors/{door_id}/unlock", headers=bearer(tokens[n % 2]) | key()
            )
            assert response.status_code == 200, response.text
            # Someone walks through the released door (the simulated unit does, at once).
            await async_wait_until(
                lambda n=n: door_openings(api, door_id) == n + 1, what=f"opening {n + 1}"
            )
            await async_wait_until(lambda: not door.door_open, what="door closed again")
        worker = api.runtime.workers.local()
        await async_wait_until(worker.domain.idle, what="door reports judged")
        assert door_alerts(api, door_id) == []  # 20 unlocks, 20 openings, no forced door

        # Another door, never released, opened all the same: forced.
        other_id = api.fleet.doors[1]
        other = await start_door(api, other_id)
        try:
            await other.force_open(open_s=1.0)
            await async_wait_until(
                lambda: door_alerts(api, other_id) == ["door_forced_open"], what="forced door"
            )
        finally:
            await other.stop()
        assert door_alerts(api, door_id) == []
    finally:
        await door.stop()
