"""A parcel locker speaking lockerlink v1 or v2 (by its firmware's major version).

Daily pattern: two courier rounds (about 09:30 and 14:30) deposit parcels for real
residents of the community; residents collect them through the day, most in the evening,
with the keypad code; now and then a door is left open. ``open_compartment`` runs only
when the firmware's :class:`~firmware_protocols.command_guard.CommandGuard` accepts it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

from device_sims.device import LOG_LENGTH, SentReply, SimDevice
from device_sims.firmware import UpdateJob
from device_sims.patterns import PICKUP_WEIGHT
from firmware_protocols.base import CodecError, Outbound
from firmware_protocols.command_guard import CommandGuard
from firmware_protocols.firmware import FirmwareOrder, FirmwareState, major_version
from firmware_protocols.lockerlink import (
    Compartment,
    Deposit,
    DoorClosed,
    DoorLeftOpen,
    DoorOpened,
    FirmwareProgress,
    FirmwareUpdate,
    LockerEvent,
    OpenCompartment,
    Pickup,
    Reboot,
    Reply,
    StatusOffline,
    StatusOnline,
    Tamper,
    TelemetryV1,
    TelemetryV2,
    command_id_of,
    decode_command,
    device_topics,
    uplink_outbound,
    will_outbound,
)
from firmware_protocols.lockerlink.messages import Generation, PickupMethod

LEFT_OPEN_LIMIT_S = 120
LEFT_OPEN_REPEAT_S = 300
TICK_S = 300.0  # simulated seconds between behaviour decisions
COURIER_ROUNDS = (9.5, 14.5)  # hours of the simulated day


@dataclass(frozen=True, slots=True)
class Parcel:
    tracking: str
    building: str
    unit: str


@dataclass(slots=True)
class Slot:
    number: int
    size: str
    parcel: Parcel | None = None
    door_open: bool = False
    fault: bool = False
    opened_at_s: float = 0.0

    @property
    def state(self) -> str:
        if self.fault:
            return "fault"
        if self.door_open:
            return "open"
        return "occupied" if self.parcel is not None else "empty"


@dataclass(slots=True)
class LockerLog:
    """What the locker did, for tests and reports."""

    deposits: deque[tuple[int, Parcel]] = field(default_factory=lambda: deque(maxlen=LOG_LENGTH))
    pickups: deque[tuple[int, Parcel, str]] = field(
        default_factory=lambda: deque(maxlen=LOG_LENGTH)
    )


class Locker(SimDevice):
    kind: ClassVar = "locker"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        numbers = self.spec.compartments or ()
        self.slots = {c.number: Slot(c.number, c.size) for c in numbers}
        if not self.slots:
            self.slots = {n: Slot(n, "M") for n in range(1, 25)}
        self.guard = CommandGuard()
        self.log = LockerLog()
        self._rounds_done: set[tuple[int, float]] = set()

    @property
    def generation(self) -> Generation:
        """The lockerlink generation the running firmware speaks."""
        return generation_of(self.firmware_version)

    # ------------------------------------------------------------ protocol hooks
    def subscriptions(self) -> tuple[tuple[str, int], ...]:
        return tuple((t, 1) for t in device_topics(self.device_id).subscribe)

    def will(self) -> Outbound:
        return will_outbound(self.device_id, self.generation)

    def online_messages(self) -> list[Outbound]:
        model = f"KL-{len(self.slots)}C" if self.generation == 1 else f"PL-{len(self.slots)}S"
        status = StatusOnline(
            v=self.generation,
            seq=self.seq.next(),
            ts_ms=self.clock.now_ms(),
            fw=self.firmware_version,
            model=model,
            compartments=len(self.slots),
        )
        return [uplink_outbound(self.device_id, status), self.telemetry_message()]

    def offline_messages(self, reason: str) -> list[Outbound]:
        status = StatusOffline(self.generation, self.seq.next(), self.clock.now_ms(), reason)
        return [uplink_outbound(self.device_id, status)]

    def telemetry_message(self) -> Outbound:
        seq, ts = self.seq.next(), self.clock.now_ms()
        hour = self.clock.sim_hour()
        temp = round(24.0 + 6.0 * math.sin((hour - 9.0) / 24.0 * 2 * math.pi), 1)
        message: TelemetryV1 | TelemetryV2
        if self.generation == 1:
            message = TelemetryV1(
                seq=seq,
                ts_ms=ts,
                count=len(self.slots),
                open_doors=frozenset(n for n, s in self.slots.items() if s.door_open),
                occupied=frozenset(n for n, s in self.slots.items() if s.parcel is not None),
                power="mains",
                battery_pct=100,
                board_temp_c=temp,
            )
        else:
            message = TelemetryV2(
                seq=seq,
                ts_ms=ts,
                compartments=tuple(
                    Compartment(s.number, s.size, s.state)  # type: ignore[arg-type]
                    for s in self.slots.values()
                ),
                power="mains",
                battery_pct=100,
                board_temp_c=temp,
            )
        return uplink_outbound(self.device_id, message)

    # ------------------------------------------------------------ scenario methods
    async def deposit(
        self,
        compartment: int | None = None,
        *,
        building: str | None = None,
        unit: str | None = None,
    ) -> tuple[int, Parcel]:
        """A courier fills a compartment (keypad login): door opened, closed, deposit."""
        number = compartment if compartment is not None else self._free_compartment()
        if number is None:
            raise LookupError(f"{self.device_id}: no free compartment")
        parcel = self._new_parcel(building, unit)
        self._open(number)
        await self.clock.sleep(self.rng.uniform(5, 20))
        self.slots[number].parcel = parcel
        self._close(number)
        self._event(
            Deposit(self.generation, self.seq.next(), self.clock.now_ms(), number, *_fields(parcel))
        )
        self.log.deposits.append((number, parcel))
        return number, parcel

    async def collect(self, compartment: int, method: PickupMethod = "code") -> Parcel | None:
        """A resident (or the courier) takes the parcel out: opened, closed, pickup."""
        slot = self.slots[compartment]
        if not slot.door_open:
            self._open(compartment)
        await self.clock.sleep(self.rng.uniform(3, 15))
        return self._finish_pickup(compartment, method)

    def open_door(self, compartment: int) -> None:
        self._open(compartment)

    def close_door(self, compartment: int) -> None:
        self._close(compartment)

    def tamper(self, compartment: int | None = None) -> None:
        self._event(Tamper(self.generation, self.seq.next(), self.clock.now_ms(), compartment))

    # ------------------------------------------------------------ commands
    def handle_command(self, topic: str, payload: bytes) -> None:
        try:
            command = decode_command(payload)
        except CodecError as exc:
            command_id = command_id_of(payload)
            self.record(command_id, "?", "rejected" if command_id else "undecodable", exc.reason)
            if command_id is not None:
                self._reply_soon([(command_id, "rejected", exc.reason)])
            return
        params: dict[str, Any] = {}
        if isinstance(command, OpenCompartment):
            params = {"compartment": command.compartment, "reason": command.reason}
        if isinstance(command, FirmwareUpdate):
            params = {"version": command.version, "size": command.size, "url": command.url}
        if command.v != self.generation:
            self.record(command.command_id, command.name, "rejected", "unsupported_version", params)
            self._reply_soon([(command.command_id, "rejected", "unsupported_version")])
            return
        verdict = self.guard.admit(command.command_id, command.expires_at_ms, self.clock.now_ms())
        reason = verdict.reason
        status = verdict.status
        if status == "accepted" and isinstance(command, OpenCompartment):
            slot = self.slots.get(command.compartment)
            if slot is None:
                status, reason = "rejected", "unknown_compartment"
            elif slot.fault:
                status, reason = "rejected", "compartment_fault"
        if status == "accepted" and isinstance(command, FirmwareUpdate) and self.firmware.busy:
            status, reason = "rejected", "busy"
        self.record(command.command_id, command.name, status, reason, params)
        if status != "accepted":
            self._reply_soon([(command.command_id, status, reason)])
        elif isinstance(command, OpenCompartment):
            self.spawn(self._execute_open(command), "open")
        elif isinstance(command, Reboot):
            self.spawn(self._execute_reboot(command), "reboot")
        elif isinstance(command, FirmwareUpdate):
            self._start_update(command)

    async def _execute_open(self, command: OpenCompartment) -> None:
        slot = self.slots[command.compartment]
        answered = await self.delay_reply()
        if answered:
            self._send_reply(command.command_id, "accepted", None)
        already = slot.door_open
        if not already:
            self._open(command.compartment)
        if answered:
            self._send_reply(command.command_id, "confirmed", "already_open" if already else None)
        if command.reason == "resident_pickup":
            await self.clock.sleep(self.rng.uniform(3, 15))
            self._finish_pickup(command.compartment, "app")
        elif command.reason == "courier_deposit":
            await self.clock.sleep(self.rng.uniform(5, 20))
            if slot.parcel is None:
                slot.parcel = self._new_parcel(None, None)
                self._close(command.compartment)
                self._event(
                    Deposit(
                        self.generation,
                        self.seq.next(),
                        self.clock.now_ms(),
                        command.compartment,
                        *_fields(slot.parcel),
                    )
                )
                self.log.deposits.append((command.compartment, slot.parcel))
            else:
                self._close(command.compartment)
        else:
            await self.clock.sleep(self.rng.uniform(10, 60))
            self._close(command.compartment)

    async def _execute_reboot(self, command: Reboot) -> None:
        """accepted, offline status (reboot), confirmed, restart (PROTOCOL.md 7)."""
        self._send_reply(command.command_id, "accepted", None)
        confirmed = self._reply_message(command.command_id, "confirmed", None)
        await self.restart("reboot", last_words=[confirmed])

    def _reply_soon(self, replies: list[tuple[str, str, str | None]]) -> None:
        async def send() -> None:
            if await self.delay_reply():
                for command_id, status, reason in replies:
                    self._send_reply(command_id, status, reason)

        self.spawn(send(), "reply")

    def _send_reply(self, command_id: str, status: str, reason: str | None) -> None:
        self.emit(self._reply_message(command_id, status, reason))

    def _reply_message(self, command_id: str, status: str, reason: str | None) -> Outbound:
        reply = Reply(
            self.generation,
            self.seq.next(),
            self.clock.now_ms(),
            command_id,
            status,  # type: ignore[arg-type]
            reason,
        )
        self.replies.append(SentReply(command_id, status, reason))
        return uplink_outbound(self.device_id, reply)

    # ------------------------------------------------------------ firmware (PROTOCOL.md 12)
    def _start_update(self, command: FirmwareUpdate) -> None:
        self._send_reply(command.command_id, "accepted", None)
        if command.version == self.firmware_version:
            self._send_reply(command.command_id, "confirmed", "already_installed")
            return
        order = FirmwareOrder(command.version, command.size, command.sha256, command.url)
        job = self.firmware.start(command.command_id, order)
        self.spawn(self.firmware.run_http(job, self.clock.sleep), "firmware-update")

    def _progress(
        self, job: UpdateJob, state: FirmwareState, pct: int | None, reason: str | None
    ) -> FirmwareProgress:
        return FirmwareProgress(
            self.generation,
            self.seq.next(),
            self.clock.now_ms(),
            state,
            job.order.version,
            job.command_id,
            pct,
            reason,
        )

    def report_firmware(
        self,
        job: UpdateJob,
        state: FirmwareState,
        *,
        progress_pct: int | None = None,
        reason: str | None = None,
    ) -> None:
        self._event(self._progress(job, state, progress_pct, reason))

    def answer_firmware(self, job: UpdateJob, status: str, reason: str | None) -> None:
        self._send_reply(job.command_id, status, reason)

    async def misbehave(self) -> None:
        self.tamper()
        await self.blip(self.rng.uniform(5, 30))

    # ------------------------------------------------------------ behaviour
    async def behave(self) -> None:
        while True:
            await self.clock.sleep(TICK_S)
            if self.silent:
                continue
            hour = self.clock.sim_hour()
            day = int(self.clock.sim_seconds() // 86_400)
            for start in COURIER_ROUNDS:
                key = (day, start)
                if start <= hour < start + 1 and key not in self._rounds_done:
                    self._rounds_done.add(key)
                    await self._courier_round()
            await self._residents_collect(hour)
            self._check_left_open()
            if self.faults.happens(self.options.faults.tamper_per_hour, TICK_S):
                self.tamper()

    async def _courier_round(self) -> None:
        for _ in range(self.rng.randint(2, max(3, len(self.slots) // 4))):
            if self._free_compartment() is None:
                return
            await self.deposit()
            await self.clock.sleep(self.rng.uniform(20, 60))

    async def _residents_collect(self, hour: float) -> None:
        # A parcel waits about half a day on average, evenings busiest.
        chance = PICKUP_WEIGHT.at(hour) * TICK_S / (12 * 3600)
        for number, slot in list(self.slots.items()):
            if slot.parcel is not None and not slot.door_open and self.rng.random() < chance:
                method: PickupMethod = "courier_return" if self.rng.random() < 0.02 else "code"
                self._open(number)
                if self.faults.chance(self.options.faults.door_left_open_ratio):
                    slot.parcel = None  # taken, but the door stays open
                    continue
                await self.collect(number, method)

    def _check_left_open(self) -> None:
        now = self.clock.sim_seconds()
        for slot in self.slots.values():
            if not slot.door_open:
                continue
            open_s = int(now - slot.opened_at_s)
            if open_s >= LEFT_OPEN_LIMIT_S:
                self._event(
                    DoorLeftOpen(
                        self.generation, self.seq.next(), self.clock.now_ms(), slot.number, open_s
                    )
                )
                if open_s > 3 * LEFT_OPEN_REPEAT_S or self.rng.random() < 0.3:
                    self._close(slot.number)  # someone finally shuts it

    # ------------------------------------------------------------ internals
    def _open(self, number: int) -> None:
        slot = self.slots[number]
        if slot.door_open:
            return
        slot.door_open = True
        slot.opened_at_s = self.clock.sim_seconds()
        self._event(DoorOpened(self.generation, self.seq.next(), self.clock.now_ms(), number))
        self.emit(self.telemetry_message())

    def _close(self, number: int) -> None:
        slot = self.slots[number]
        if not slot.door_open:
            return
        slot.door_open = False
        self._event(DoorClosed(self.generation, self.seq.next(), self.clock.now_ms(), number))
        self.emit(self.telemetry_message())

    def _finish_pickup(self, number: int, method: PickupMethod) -> Parcel | None:
        slot = self.slots[number]
        parcel = slot.parcel
        slot.parcel = None
        self._close(number)
        if parcel is not None:
            self._event(
                Pickup(self.generation, self.seq.next(), self.clock.now_ms(), number, method)
            )
            self.log.pickups.append((number, parcel, method))
        return parcel

    def _event(self, event: LockerEvent) -> None:
        self.emit(uplink_outbound(self.device_id, event))

    def _free_compartment(self) -> int | None:
        free = [n for n, s in self.slots.items() if s.state == "empty"]
        return self.rng.choice(free) if free else None

    def _new_parcel(self, building: str | None, unit: str | None) -> Parcel:
        tracking = f"SF{self.rng.randrange(10**10):010d}"
        if building is None or unit is None:
            people = [r for r in self.residents if r.building in self.spec.buildings]
            if people:
                resident = self.rng.choice(people)
                building, unit = building or resident.building, unit or resident.unit
            else:
                building = building or (self.spec.buildings or (self.spec.site,))[0]
                unit = unit or f"{self.rng.randint(1, 30)}-{self.rng.randint(1, 6):02d}"
        return Parcel(tracking, building, unit)


def generation_of(firmware_version: str) -> Generation:
    """The lockerlink generation a firmware speaks: its major version (1 or 2)."""
    return 1 if major_version(firmware_version) == "1" else 2


def _fields(parcel: Parcel) -> tuple[str, str, str]:
    return parcel.tracking, parcel.building, parcel.unit
