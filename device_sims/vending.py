"""A vending machine: a Sparkplug B edge node (group ``vending``, node id = device id)
with one device ``vmc``, built with ``firmware_protocols.sparkplug_b.EdgeNode``.

Physics and pattern: the cabinet warms towards the room and the compressor cools it,
switching with a hysteresis around the setpoint (a duty cycle); an open door or a failed
compressor makes it climb. Vends peak in the morning (fresh vegetables), a restocking
round refills the slots once a day, and a DEX audit (written with
``firmware_protocols.dex``) goes out in ``DEX/Audit`` every few hours and after a restock.
The node answers Rebirth with new births, and commands with ``Command/Reply/*`` metrics,
refusing expired and replayed ids through the firmware's CommandGuard. Data buffered
while offline is sent after the births with its original timestamps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from device_sims.device import SentReply, SimDevice
from device_sims.firmware import UpdateJob
from device_sims.patterns import VENDS, is_morning, poisson
from firmware_protocols.base import CodecError, Outbound
from firmware_protocols.command_guard import CommandGuard, Verdict
from firmware_protocols.dex import (
    AuditData,
    AuditTime,
    Currency,
    EventCount,
    MachineId,
    Product,
    Readout,
    SalesTotals,
    write_dex,
)
from firmware_protocols.firmware import FirmwareOrder, FirmwareState
from firmware_protocols.sparkplug_b.datatypes import MetricValue
from firmware_protocols.sparkplug_b.edge_node import EdgeNode
from firmware_protocols.sparkplug_b.host_state import decode_host_state
from firmware_protocols.sparkplug_b.topics import MessageType, host_state_topic
from firmware_protocols.sparkplug_b.vending_commands import VendingCommand, judge_command
from firmware_protocols.sparkplug_b.vending_model import (
    COMPRESSOR,
    DEVICE_ID,
    DEX_AUDIT,
    DOOR,
    FAULT_CODE,
    GROUP_ID,
    REPLY_ID,
    REPLY_REASON,
    REPLY_STATUS,
    SETPOINT,
    TEMPERATURE,
    SlotState,
    UpdateStatus,
    device_birth_metrics,
    node_birth_metrics,
    reply_values,
    slot_metric,
    vend_values,
)

ROOM_C = 25.0
LEAK_PER_MIN = 0.01  # fraction of the gap to room temperature gained per minute
COOLING_PER_MIN = 0.35  # degC per minute while the compressor runs
DOOR_LEAK_PER_MIN = 0.08
HYSTERESIS_C = 1.0
TICK_S = 30.0
AUDIT_EVERY_S = 6 * 3600.0
RESTOCK_HOUR = 11.0


@dataclass(slots=True)
class SlotStock:
    product: str
    price: int
    capacity: int
    stock: int
    sold_total: int = 0
    value_total: int = 0


def garble_va1(text: str) -> str:
    """The audit with its VA1 vend count raised by one after the CRC was computed."""
    lines = text.split("\r\n")
    for index, line in enumerate(lines):
        if line.startswith("VA1*"):
            fields = line.split("*")
            fields[2] = str(int(fields[2]) + 1)
            lines[index] = "*".join(fields)
            return "\r\n".join(lines)
    raise ValueError("the audit has no VA1 segment")


class VendingMachine(SimDevice):
    kind: ClassVar = "vending"
    clean_session: ClassVar[bool] = True  # Sparkplug 3.0 with MQTT 3.1.1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node = EdgeNode(GROUP_ID, self.device_id, next_bd_seq=self.rng.randrange(256))
        self.guard = CommandGuard()
        specs = self.spec.slots or ()
        self.stock = {
            s.number: SlotStock(s.product, s.price, s.capacity, s.capacity) for s in specs
        }
        if not self.stock:
            self.stock = {n: SlotStock("water", 200, 10, 10) for n in range(1, 21)}
        self.setpoint_c = 4.0
        self.temperature_c = 4.0 + self.rng.uniform(-0.5, 0.5)
        self.compressor_on = False
        self.compressor_failed = False
        self.door_open = False
        self.vends = 0
        self.audits = 0
        self._door_opens = 0
        self._last_audit_s = 0.0
        self._restocked_day = -1
        self._host_online = False
        self._host_timestamp = -1
        self._reported: dict[str, MetricValue] = {}
        self.update_status = UpdateStatus()

    # ------------------------------------------------------------ protocol hooks
    def subscriptions(self) -> tuple[tuple[str, int], ...]:
        topics = [
            (self.node.topic(MessageType.NCMD), 1),
            (self.node.topic(MessageType.DCMD, DEVICE_ID), 1),
        ]
        if self.options.primary_host is not None:
            topics.append((host_state_topic(self.options.primary_host), 1))
        return tuple(topics)

    def will(self) -> Outbound:
        return self.node.connect(self.clock.now_ms())

    def online_messages(self) -> list[Outbound]:
        """Births right away, or, with a primary host, once its STATE says online."""
        if self.options.primary_host is not None and not self._host_online:
            return []
        return self._births()

    def ready_to_flush(self) -> bool:
        return self.node.born

    def offline_messages(self, reason: str) -> list[Outbound]:
        return [self.node.ndeath()]

    def telemetry_message(self) -> Outbound:
        return self.node.ddata(DEVICE_ID, self._live_values(), self.clock.now_ms())

    def flush_buffered(self, item: Any) -> Outbound:
        ts, values = item
        return self.node.ddata(DEVICE_ID, values, ts)

    async def publish_telemetry(self) -> None:
        self._data(self._live_values())

    # ------------------------------------------------------------ scenario methods
    async def vend(self, slot: int | None = None) -> str | None:
        """Sell one item; returns the vend id, or None if the slot (or machine) is empty."""
        if slot is None:
            slot = self._pick_slot()
            if slot is None:
                return None
        stock = self.stock[slot]
        if stock.stock <= 0:
            return None
        stock.stock -= 1
        stock.sold_total += 1
        stock.value_total += stock.price
        self.vends += 1
        vend_id = f"{self.device_id}-{self.clock.now_ms()}-{self.vends}"
        values: dict[str, MetricValue] = {
            **vend_values(slot, stock.price, vend_id),
            slot_metric(slot, "Stock"): stock.stock,
        }
        self._data(values)
        return vend_id

    async def restock(self) -> None:
        """The operator opens the cabinet, refills every slot, closes it, and the machine
        sends an audit."""
        self.set_door(True)
        await self.clock.sleep(self.rng.uniform(120, 600))
        refill: dict[str, MetricValue] = {}
        for number, stock in self.stock.items():
            stock.stock = stock.capacity
            refill[slot_metric(number, "Stock")] = stock.capacity
        self._data(refill)
        self.set_door(False)
        self.publish_audit()

    def set_door(self, open_: bool) -> None:
        if open_ and not self.door_open:
            self._door_opens += 1
        self.door_open = open_
        self._reported[DOOR] = open_
        self._data({DOOR: open_})

    def fail_compressor(self, failed: bool = True) -> None:
        """The compressor stops cooling (or is repaired)."""
        self.compressor_failed = failed
        self._data({FAULT_CODE: "compressor_failure" if failed else ""})

    def publish_audit(self, *, corrupt: bool = False) -> str:
        """Send a DEX audit of the sales so far in ``DEX/Audit``; returns its text.
        ``corrupt``: one more paid vend in VA1 than the G85 CRC was computed over (a
        controller that garbled its audit), so the file fails its CRC check."""
        text = self.audit_text()
        if corrupt:
            text = garble_va1(text)
        self.audits += 1
        self._last_audit_s = self.clock.sim_seconds()
        self._data({DEX_AUDIT: text})
        return text

    def audit_text(self) -> str:
        now = dt.datetime.fromtimestamp(self.clock.now_ms() / 1000, tz=dt.UTC)
        products = tuple(
            Product(
                product_id=str(number),
                price=s.price,
                name=s.product,
                count_since_init=s.sold_total,
                value_since_init=s.value_total,
                count_since_reset=s.sold_total,
                value_since_reset=s.value_total,
            )
            for number, s in sorted(self.stock.items())
        )
        count = sum(s.sold_total for s in self.stock.values())
        value = sum(s.value_total for s in self.stock.values())
        cash_count = count // 3
        cash_value = value // 3
        data = AuditData(
            machine=MachineId(
                serial=self.device_id, model="VM-FRESH-40", asset_number=self.spec.site
            ),
            currency=Currency(decimal_places=2, numeric_code="1156", alpha_code="CNY"),
            clock=AuditTime(date=now.date(), time=now.time().replace(microsecond=0)),
            paid_vends=SalesTotals(value, count, value, count),
            cash=SalesTotals(cash_value, cash_count, cash_value, cash_count),
            cashless=SalesTotals(
                value - cash_value, count - cash_count, value - cash_value, count - cash_count
            ),
            products=products,
            event_counts=(
                EventCount("EGS", self._door_opens, self._door_opens, active=self.door_open),
            ),
            readout=Readout(
                reads_with_reset=self.audits,
                date=now.date(),
                time=now.time().replace(microsecond=0),
            ),
        )
        return write_dex(data, control_number=f"{(self.audits % 9999) + 1:04d}").decode("utf-8")

    # ------------------------------------------------------------ commands
    def handle_command(self, topic: str, payload: bytes) -> None:
        if self.options.primary_host is not None and topic == host_state_topic(
            self.options.primary_host
        ):
            self._host_state(payload)
            return
        try:
            edge_command = self.node.decode_command(topic, payload)
        except CodecError as exc:
            self.record(None, "?", "undecodable", exc.reason)
            return
        decision = judge_command(edge_command, self.guard, self.clock.now_ms())
        command, verdict = decision.command, decision.verdict
        if (
            verdict.execute
            and command is not None
            and command.name == "firmware_update"
            and self.firmware.busy
        ):
            verdict = Verdict("rejected", "busy")
            decision = replace(
                decision,
                verdict=verdict,
                reply=reply_values(command.command_id or "", "rejected", "busy"),
            )
        first = None if decision.reply is None else dict(decision.reply)
        command_id = command.command_id if command else str((first or {}).get(REPLY_ID, ""))
        self.record(
            command_id or None,
            command.name if command else "?",
            verdict.status,
            verdict.reason or None,
            command.params if command else {},
        )
        replies = [] if first is None else [first]
        if verdict.execute and command is not None and command.name == "reboot":
            self.spawn(self._reboot(command.command_id, replies), "reboot")
            return
        if verdict.execute and command is not None and command.name == "firmware_update":
            self._start_update(command, replies)
            return
        if verdict.execute and command is not None:
            outcome = self._execute(command)
            if command.command_id:
                replies.append(reply_values(command.command_id, *outcome))
        if replies:
            self.spawn(self._answer(replies, node=decision.node), "reply")

    def _execute(self, command: VendingCommand) -> tuple[str, str]:
        """Carry out an accepted command (not a reboot); the final (status, reason)."""
        if command.name == "rebirth":
            for message in self._births():
                self._send(message)
            return "confirmed", ""
        if command.name == "set_temperature":
            self.setpoint_c = float(command.params["setpoint_c"])
            self._data({SETPOINT: self.setpoint_c})
            return "confirmed", ""
        if command.name == "set_price":
            slot, price = int(command.params["slot"]), int(command.params["price"])
            if slot not in self.stock:
                return "failed", f"no slot {slot}"
            self.stock[slot].price = price
            self._data({slot_metric(slot, "Price"): price})
            return "confirmed", ""
        raise ValueError(f"no action for {command.name}")

    def _host_state(self, payload: bytes) -> None:
        """Sparkplug 3.0 section 8: birth when the primary host is online; when it goes
        offline, die and reconnect, so the restarted host gets fresh births."""
        try:
            state = decode_host_state(payload)
        except CodecError as exc:
            self.record(None, "host_state", "undecodable", exc.reason)
            return
        if state.timestamp < self._host_timestamp:
            return  # an older STATE than the last one seen
        self._host_timestamp = state.timestamp
        self._host_online = state.online
        if state.online and not self.node.born and self.link.connected:
            for message in self._births():
                self._send(message)
            self.flush_buffer()
        elif not state.online and self.node.born:
            self.spawn(self._die_and_reconnect(), "host-offline")

    async def _die_and_reconnect(self) -> None:
        await self.say_goodbye("host_offline")
        await self.link.disconnect()  # the supervisor connects again, with a new bdSeq

    async def _reboot(self, command_id: str | None, replies: list[dict[str, MetricValue]]) -> None:
        """accepted, NDEATH, down, back with new births, then confirmed (node commands
        are answered in NDATA, which needs a birth)."""
        await self._answer(replies, node=True)
        await self.restart("reboot")
        if command_id:
            await self._answer([reply_values(command_id, "confirmed", "")], node=True)

    async def _answer(self, replies: list[dict[str, MetricValue]], *, node: bool) -> None:
        """Reply metrics in NDATA (node commands) or ``vmc`` DDATA, in order, with the
        reply faults applied once for the command."""
        if not await self.delay_reply():
            return
        for values in replies:
            reason = str(values.get(REPLY_REASON) or "") or None
            self.replies.append(SentReply(str(values[REPLY_ID]), str(values[REPLY_STATUS]), reason))
            if not node:
                self._data(values)
            elif self.node.born and self.link.connected:
                self._send(self.node.ndata(values, self.clock.now_ms()))

    # ------------------------------------------------------------ firmware (PROTOCOL.md 11)
    def _start_update(self, command: VendingCommand, replies: list[dict[str, MetricValue]]) -> None:
        params, command_id = command.params, command.command_id or ""
        if params["version"] == self.firmware_version:
            replies.append(reply_values(command_id, "confirmed", "already_installed"))
            self.spawn(self._answer(replies, node=True), "reply")
            return
        order = FirmwareOrder(params["version"], params["size"], params["sha256"], params["url"])
        job = self.firmware.start(command_id, order)

        async def run() -> None:
            await self._answer(replies, node=True)
            await self.firmware.run_http(job, self.clock.sleep)

        self.spawn(run(), "firmware-update")

    def report_firmware(
        self,
        job: UpdateJob,
        state: FirmwareState,
        *,
        progress_pct: int | None = None,
        reason: str | None = None,
    ) -> None:
        self.update_status = UpdateStatus(
            state,
            job.order.version,
            progress_pct if progress_pct is not None else self.update_status.progress_pct,
            reason or "",
            job.command_id,
        )
        if self.node.born and self.link.connected and not self.link.hung:
            self.emit(
                self.node.ndata(self.update_status.values(), self.clock.now_ms()),
                bufferable=False,
            )

    def answer_firmware(self, job: UpdateJob, status: str, reason: str | None) -> None:
        self.spawn(
            self._answer([reply_values(job.command_id, status, reason or "")], node=True),
            "reply",
        )

    async def misbehave(self) -> None:
        self._data({FAULT_CODE: "SENSOR_TEMP"})
        await self.blip(self.rng.uniform(5, 30))

    # ------------------------------------------------------------ behaviour
    async def behave(self) -> None:
        profile = self.options.faults
        while True:
            await self.clock.sleep(TICK_S)
            self._physics(TICK_S)
            if self.silent:
                continue
            hour = self.clock.sim_hour()
            for _ in range(poisson(self.rng, VENDS.at(hour) * TICK_S / 3600)):
                await self.vend()
            day = int(self.clock.sim_seconds() // 86_400)
            if RESTOCK_HOUR <= hour < RESTOCK_HOUR + 1 and self._restocked_day != day:
                self._restocked_day = day
                self.spawn(self.restock(), "restock")
            elif self.clock.sim_seconds() - self._last_audit_s >= AUDIT_EVERY_S:
                self.publish_audit()
            if not self.compressor_failed and self.faults.happens(
                profile.compressor_failure_per_hour, TICK_S
            ):
                self.fail_compressor(True)
                self.spawn(self._repair_later(), "repair")

    async def _repair_later(self) -> None:
        await self.clock.sleep(self.rng.uniform(2 * 3600, 8 * 3600))
        self.fail_compressor(False)

    def _physics(self, seconds: float) -> None:
        minutes = seconds / 60.0
        if self.temperature_c > self.setpoint_c + HYSTERESIS_C:
            self.compressor_on = True
        elif self.temperature_c < self.setpoint_c - HYSTERESIS_C:
            self.compressor_on = False
        leak = LEAK_PER_MIN + (DOOR_LEAK_PER_MIN if self.door_open else 0.0)
        change = (ROOM_C - self.temperature_c) * leak * minutes
        if self.compressor_on and not self.compressor_failed:
            change -= COOLING_PER_MIN * minutes
        self.temperature_c = round(self.temperature_c + change + self.rng.gauss(0, 0.02), 2)

    # ------------------------------------------------------------ internals
    def _births(self) -> list[Outbound]:
        now = self.clock.now_ms()
        self._reported = {
            COMPRESSOR: self.compressor_on and not self.compressor_failed,
            DOOR: self.door_open,
        }
        nbirth = self.node.nbirth(
            node_birth_metrics(self.firmware_version, "VM-FRESH-40", self.update_status), now
        )
        dbirth = self.node.dbirth(
            DEVICE_ID,
            device_birth_metrics(
                temperature_c=self.temperature_c,
                setpoint_c=self.setpoint_c,
                door_open=self.door_open,
                compressor_on=self.compressor_on and not self.compressor_failed,
                slots={n: SlotState(s.stock, s.price, s.capacity) for n, s in self.stock.items()},
                fault_code="compressor_failure" if self.compressor_failed else "",
            ),
            now,
        )
        return [nbirth, dbirth]

    def _live_values(self) -> dict[str, MetricValue]:
        """The temperature every time (PROTOCOL.md: at least every 60 s), the compressor
        and door only when they changed (report by exception)."""
        values: dict[str, MetricValue] = {TEMPERATURE: self.temperature_c}
        for name, value in (
            (COMPRESSOR, self.compressor_on and not self.compressor_failed),
            (DOOR, self.door_open),
        ):
            if self._reported.get(name) != value:
                values[name] = value
                self._reported[name] = value
        return values

    def _data(self, values: dict[str, MetricValue]) -> None:
        """DDATA now, or buffered (with its time) until the next births."""
        now = self.clock.now_ms()
        if self.link.connected and not self.link.hung and self.node.born:
            self.emit(self.node.ddata(DEVICE_ID, values, now), bufferable=False)
        elif not self.link.hung:
            self.buffer.add((now, values))

    def _pick_slot(self) -> int | None:
        hour = self.clock.sim_hour()
        stocked = [n for n, s in self.stock.items() if s.stock > 0]
        if not stocked:
            return None
        if is_morning(hour):
            fresh = [n for n in stocked if self.stock[n].product in _FRESH]
            if fresh and self.rng.random() < 0.7:
                return self.rng.choice(fresh)
        return self.rng.choice(stocked)


_FRESH = frozenset({"tomatoes", "cucumbers", "lettuce", "eggs", "milk", "bread", "apples"})
