"""Watch door contacts: forced-open and held-open alerts.

Each door's state lives in a :class:`~hub.domain.door_state.DoorMachine`, fed with the
unit's ``inputs`` reports and the hub's grants; :meth:`DoorWatch.check`, run every
second by :meth:`DoorWatch.run` (or by a test with the time it chooses), raises
held-open alerts when they fall due.

Grants come from the worker's own card and PIN decisions, and from the front for every
unlock it sends the door (a resident's app, an operator): the front tells the worker that
owns the door the moment the broker has the command, long before the door can open.
Replicas share door reports between them, so a grant or an exit request may have gone
to another replica. Before an alert is raised the database is asked: a suspect opening
is authorised after all if ``access_log`` holds a grant for the door, or the ``command``
table an unlock sent to it, within its pulse and grace, or the ``event`` table an exit
request within the exit window before the opening (device time); a held-open alert is
dropped if the door's latest stored ``inputs`` report says it is closed.

Alerts are rows of the store's ``event`` table, type ``door_forced_open`` or
``door_held_open``, with the ``seq`` of the report that opened the door: devices never
send these types, so the key (device, seq, type) cannot meet a device's own event, and
an alert raised twice for one opening is stored once. Each new alert is also published
on the live bus; when a door that raised one closes, ``door_alert_cleared`` follows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Engine, and_, func, select

from firmware_protocols.base import Event
from hub.commands.models import CommandRecord
from hub.db.tables import table_of
from hub.domain.door_state import (
    EXIT_WINDOW_MS,
    GRANT_GRACE_MS,
    Closed,
    DoorMachine,
    Opened,
    OpeningKind,
)
from hub.domain.lane_store import LaneStore
from hub.domain.models import ACCESS_LOG
from hub.domain.twin_settings import held_open_limit_ms, unlock_pulse_ms
from hub.ingest.directory import DeviceDirectory, DeviceInfo
from hub.live import LiveEvent, LiveSink
from hub.store.rows import EventRow
from hub.store.schema import event
from hub.twin import TwinStore

log = logging.getLogger(__name__)

COMMANDS = table_of(CommandRecord)
FORCED_OPEN = "door_forced_open"
HELD_OPEN = "door_held_open"
ALERT_CLEARED = "door_alert_cleared"
CHECK_INTERVAL_S = 1.0


UNLOCKS_SENT = ("sent", "acknowledged", "confirmed")


def granted_since(engine: Engine, device_id: str, since_ms: int) -> bool:
    """A grant for the door at or after ``since_ms`` by any replica: a card or PIN
    decision, or an unlock the hub sent it (a resident's app, an operator)."""
    access = ACCESS_LOG
    decided = select(func.count()).where(
        and_(
            access.c.device_id == device_id,
            access.c.result == "granted",
            access.c.ts_ms >= since_ms,
        )
    )
    command = COMMANDS
    unlocked = select(func.count()).where(
        and_(
            command.c.device_id == device_id,
            command.c.name == "unlock",
            command.c.state.in_(UNLOCKS_SENT),
            command.c.created_ms >= since_ms,
        )
    )
    with engine.connect() as conn:
        return bool(conn.execute(decided).scalar_one() or conn.execute(unlocked).scalar_one())


def exit_requested_between(engine: Engine, device_id: str, start_ms: int, end_ms: int) -> bool:
    """An ``inputs`` report with the exit button pressed, in device time [start, end]."""
    statement = select(event.c.data).where(
        event.c.device_id == device_id,
        event.c.type == "inputs",
        event.c.ts_ms >= start_ms,
        event.c.ts_ms <= end_ms,
    )
    with engine.connect() as conn:
        rows = conn.execute(statement.limit(1000)).scalars().all()
    return any(isinstance(data, dict) and data.get("exit_request") is True for data in rows)


def latest_door_position(engine: Engine, device_id: str) -> str | None:
    """``open`` or ``closed`` from the door's latest stored ``inputs`` report, or None."""
    statement = (
        select(event.c.data)
        .where(event.c.device_id == device_id, event.c.type == "inputs")
        .order_by(event.c.ts_ms.desc(), event.c.seq.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        data = conn.execute(statement).scalar_one_or_none()
    door = data.get("door") if isinstance(data, dict) else None
    return door if door in ("open", "closed") else None


class DoorWatch:
    def __init__(
        self,
        *,
        store: LaneStore,
        twins: TwinStore,
        directory: DeviceDirectory,
        live: LiveSink,
        clock_ms: Callable[[], int],
    ) -> None:
        self._store = store
        self._engine = store.engine
        self._twins = twins
        self._directory = directory
        self._live = live
        self._clock_ms = clock_ms
        self._machines: dict[str, DoorMachine] = {}
        self.alerts_raised = 0

    def machine(self, device_id: str) -> DoorMachine:
        machine = self._machines.get(device_id)
        if machine is None:
            machine = self._machines[device_id] = DoorMachine(device_id)
        return machine

    def granted(self, device_id: str, now_ms: int, pulse_ms: int) -> None:
        self.machine(device_id).grant(now_ms, pulse_ms)

    async def on_inputs(self, device: DeviceInfo, report: Event) -> None:
        """An ``inputs`` report {door: open|closed, exit_request: bool}."""
        now = self._clock_ms()
        device_id = device.device_id
        machine = self.machine(device_id)
        if report.data.get("exit_request") is True:
            machine.exit_requested(now)
        door = report.data.get("door")
        if door not in ("open", "closed"):
            return
        change = machine.report(now, door == "open", report.seq, report.ts_ms)
        if isinstance(change, Opened) and change.kind is OpeningKind.SUSPECT:
            if await self._authorised_elsewhere(device_id, now, change.ts_ms):
                machine.authorise_opening()
                return
            machine.mark_forced()
            await self._alert(
                device,
                FORCED_OPEN,
                change.seq,
                change.ts_ms,
                {"opened_ts_ms": change.ts_ms, "detected_ms": now},
            )
        elif isinstance(change, Closed) and (change.was_forced or change.was_held):
            self._publish(
                device.device_id,
                ALERT_CLEARED,
                now,
                {
                    "forced": change.was_forced,
                    "held": change.was_held,
                    "open_s": change.open_ms / 1000,
                },
            )

    async def _authorised_elsewhere(self, device_id: str, now_ms: int, open_ts_ms: int) -> bool:
        window_ms = unlock_pulse_ms(self._twins, device_id) + GRANT_GRACE_MS

        def ask() -> bool:
            return granted_since(
                self._engine, device_id, now_ms - window_ms
            ) or exit_requested_between(
                self._engine, device_id, open_ts_ms - EXIT_WINDOW_MS, open_ts_ms
            )

        return await self._store.run(ask)

    async def check(self, now_ms: int | None = None) -> int:
        """Raise the held-open alerts due at ``now_ms`` (default: the clock); how many."""
        now = self._clock_ms() if now_ms is None else now_ms
        raised = 0
        for device_id, machine in list(self._machines.items()):
            due = machine.held_open_due(now, held_open_limit_ms(self._twins, device_id))
            if due is None:
                continue
            position = await self._store.run(partial(latest_door_position, self._engine, device_id))
            if position == "closed":  # the closing report went to another replica
                machine.forget_opening()
                continue
            entry = self._directory.get(device_id)
            if entry is None:
                continue
            opening = machine.opening
            opened_ts = opening.ts_ms if opening is not None else now
            raised += await self._alert(
                entry.info,
                HELD_OPEN,
                due.open_seq,
                opened_ts + due.open_for_ms,
                {
                    "opened_ts_ms": opened_ts,
                    "open_s": due.open_for_ms / 1000,
                    "limit_s": due.limit_ms / 1000,
                    "detected_ms": now,
                },
            )
        return raised

    async def _alert(
        self, device: DeviceInfo, kind: str, seq: int, ts_ms: int, data: dict[str, Any]
    ) -> int:
        row = EventRow(device.device_id, seq, ts_ms, kind, data)
        result = await self._store.write_events([row])
        if not result.new_event_keys:
            return 0
        self.alerts_raised += 1
        log.warning("%s at %s", kind, device.device_id)
        self._publish(device.device_id, kind, self._clock_ms(), data)
        return 1

    def _publish(self, device_id: str, kind: str, ts_ms: int, data: dict[str, Any]) -> None:
        entry = self._directory.get(device_id)
        path = entry.info.path if entry is not None else None
        self._live.publish(LiveEvent(kind, device_id, path, ts_ms, dict(data)))

    async def run(self, interval_s: float = CHECK_INTERVAL_S) -> None:
        """Check for held-open doors every ``interval_s`` until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.check()
            except Exception:  # the loop's edge: a database hiccup must not stop the watch
                log.exception("door check failed")
