"""Scripted devices for every test layer: a locker (lockerlink), a vending machine
(Sparkplug B edge node) and a door unit (OSDP in envelopes), each speaking its protocol
through the codecs' device-side functions.

They publish over a :class:`Wire`: one device link shared by the scripted devices of a
test, a plain paho client on a real broker (``ScriptedClient``, integration tests) or a
client of the in-memory broker (``MemoryClient``, contract tests). The wire counts what
they publish, for waiting until the hub committed it. Device ids, cards and PINs come
from the registry side, :mod:`tests.support.tiny_fleet`.

    wire = Wire(ScriptedClient(broker.url, "devices").connect())
    door = DoorUnit(wire, fleet.doors[0])
    door.online(); door.card(*fleet.cards[resident]); await door.wait_commands(2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from paho.mqtt.client import topic_matches_sub

from firmware_protocols.base import Outbound
from firmware_protocols.clock import wall_ms
from firmware_protocols.command_guard import CommandGuard
from firmware_protocols.lockerlink.events import encode_event
from firmware_protocols.lockerlink.messages import (
    Compartment,
    CompartmentState,
    Deposit,
    DoorClosed,
    DoorLeftOpen,
    LockerEvent,
    Pickup,
    StatusOffline,
    StatusOnline,
    Tamper,
    TelemetryV1,
    TelemetryV2,
)
from firmware_protocols.lockerlink.status import encode_status as locker_status
from firmware_protocols.lockerlink.telemetry import encode_telemetry
from firmware_protocols.osdp.commands import BuzzerCommand, LedCommand, OutCommand
from firmware_protocols.osdp.device import (
    ReceivedCommand,
    admit,
    encode_command_reply,
    encode_report,
    receive_command,
)
from firmware_protocols.osdp.door import inputs_reply, local_status_reply
from firmware_protocols.osdp.envelope import ReplyStatus
from firmware_protocols.osdp.replies import KeypadReply, RawCardReply
from firmware_protocols.osdp.status import DeviceStatus
from firmware_protocols.osdp.status import encode_status as door_status
from firmware_protocols.sparkplug_b.datatypes import MetricValue
from firmware_protocols.sparkplug_b.edge_node import EdgeNode
from firmware_protocols.sparkplug_b.vending_commands import VendingCommand, parse_command
from firmware_protocols.sparkplug_b.vending_model import (
    DEVICE_ID,
    GROUP_ID,
    TEMPERATURE,
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
    slot_metric,
)
from firmware_protocols.wiegand import WiegandCard, encode_bits
from tests.support.waiting import async_wait_until


class Message(Protocol):
    topic: str
    payload: bytes


class DeviceLink(Protocol):
    """What a scripted device needs of its connection (``ScriptedClient``, ``MemoryClient``)."""

    @property
    def received(self) -> Sequence[Message]: ...

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None: ...

    def subscribe(self, topic: str, qos: int = 1) -> None: ...

    def close(self) -> None: ...


@dataclass
class Wire:
    """The scripted devices' shared link; counts the messages they publish."""

    link: DeviceLink
    published: int = 0

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        self.link.publish(topic, payload, qos)
        self.published += 1

    def received(self, topic_filter: str) -> list[Message]:
        return [m for m in self.link.received if topic_matches_sub(topic_filter, m.topic)]

    def close(self) -> None:
        self.link.close()


# ---------------------------------------------------------------- lockers (lockerlink)
def locker_online(seq: int, ts_ms: int, generation: int = 2) -> bytes:
    """A lockerlink ``status`` payload: online."""
    return locker_status(
        StatusOnline(
            v=generation, seq=seq, ts_ms=ts_ms, fw=f"{generation}.0.0", model="t", compartments=8
        )  # type: ignore[arg-type]
    )


def locker_telemetry_v2(seq: int, ts_ms: int, occupied: int = 1) -> bytes:
    """Generation 2 telemetry: compartments 1..``occupied`` of 8 occupied."""
    compartments = tuple(
        Compartment(number=n, size="S", state="occupied" if n <= occupied else "empty")
        for n in range(1, 9)
    )
    return encode_telemetry(
        TelemetryV2(
            seq=seq,
            ts_ms=ts_ms,
            compartments=compartments,
            power="mains",
            battery_pct=100,
            board_temp_c=31.5,
        )
    )


def locker_telemetry_v1(seq: int, ts_ms: int) -> bytes:
    """Generation 1 telemetry: bitmaps, compartment 2 open, 1 and 3 occupied."""
    return encode_telemetry(
        TelemetryV1(
            seq=seq,
            ts_ms=ts_ms,
            count=8,
            open_doors=frozenset({2}),
            occupied=frozenset({1, 3}),
            power="battery",
            battery_pct=80,
            board_temp_c=30.0,
        )
    )


@dataclass
class Locker:
    """A generation 2 locker with 8 compartments (its ``seq`` counts every message)."""

    wire: Wire
    device_id: str
    seq: int = 0
    compartments: dict[int, CompartmentState] = field(
        default_factory=lambda: dict.fromkeys(range(1, 9), "empty")
    )

    def topic(self, channel: str) -> str:
        return f"lockerlink/{self.device_id}/{channel}"

    def _next(self) -> tuple[int, int]:
        self.seq += 1
        return self.seq, wall_ms()

    def online(self) -> None:
        seq, ts = self._next()
        self.wire.publish(self.topic("status"), locker_online(seq, ts))

    def offline(self) -> None:
        seq, ts = self._next()
        message = StatusOffline(v=2, seq=seq, ts_ms=ts, reason="maintenance")
        self.wire.publish(self.topic("status"), locker_status(message))

    def telemetry(self, **states: CompartmentState) -> None:
        """Report every compartment; ``c3="open"`` changes compartment 3 first."""
        for key, state in states.items():
            self.compartments[int(key.removeprefix("c"))] = state
        seq, ts = self._next()
        message = TelemetryV2(
            seq=seq,
            ts_ms=ts,
            compartments=tuple(
                Compartment(number=n, size="M", state=s) for n, s in self.compartments.items()
            ),
            power="mains",
            battery_pct=100,
            board_temp_c=30.0,
        )
        self.wire.publish(self.topic("telemetry"), encode_telemetry(message))

    def event(self, message: LockerEvent) -> None:
        self.wire.publish(self.topic("event"), encode_event(message))

    def left_open(self, compartment: int, open_s: int) -> None:
        self.compartments[compartment] = "open"
        seq, ts = self._next()
        self.event(DoorLeftOpen(v=2, seq=seq, ts_ms=ts, compartment=compartment, open_s=open_s))

    def closed(self, compartment: int) -> None:
        self.compartments[compartment] = "empty"
        seq, ts = self._next()
        self.event(DoorClosed(v=2, seq=seq, ts_ms=ts, compartment=compartment))

    def tamper(self, compartment: int | None = None) -> None:
        seq, ts = self._next()
        self.event(Tamper(v=2, seq=seq, ts_ms=ts, compartment=compartment))

    def deposit(self, compartment: int, ts_ms: int, building: str, unit: str = "0101") -> None:
        seq, _ts = self._next()
        message = Deposit(
            v=2,
            seq=seq,
            ts_ms=ts_ms,
            compartment=compartment,
            tracking=f"T{seq}",
            building=building,
            unit=unit,
        )
        self.event(message)

    def pickup(self, compartment: int) -> None:
        seq, ts = self._next()
        self.event(Pickup(v=2, seq=seq, ts_ms=ts, compartment=compartment, method="code"))


# ---------------------------------------------------------------- vending (Sparkplug B)
@dataclass
class VendingMachine:
    """A vending machine's edge node with four slots: births, data, and the commands the
    hub sends it (NCMD and DCMD, once :meth:`listen` subscribed to them)."""

    wire: Wire
    device_id: str
    node: EdgeNode = field(init=False)

    def __post_init__(self) -> None:
        self.node = EdgeNode(GROUP_ID, self.device_id)

    def listen(self) -> VendingMachine:
        self.wire.link.subscribe(f"spBv1.0/{GROUP_ID}/NCMD/{self.device_id}")
        self.wire.link.subscribe(f"spBv1.0/{GROUP_ID}/DCMD/{self.device_id}/+")
        return self

    def _send(self, message: Outbound) -> None:
        self.wire.publish(message.topic, message.payload, qos=message.qos)

    def birth(
        self,
        temperature_c: float = 4.5,
        stock: dict[int, int] | None = None,
        price: int | None = None,
    ) -> None:
        """NBIRTH and DBIRTH; slots 1 to 4 hold 10 each unless ``stock`` says otherwise, at
        the tiny fleet's prices (300 + 50 x slot fen) unless ``price`` is given."""
        ts = wall_ms()
        self.node.connect(ts)
        stocks = stock if stock is not None else dict.fromkeys(range(1, 5), 10)
        slots = {
            n: SlotState(stock=s, price=price or 300 + n * 50, capacity=10)
            for n, s in stocks.items()
        }
        self._send(self.node.nbirth(node_birth_metrics("2.0.0", "test"), ts))
        metrics = device_birth_metrics(
            temperature_c=temperature_c,
            setpoint_c=4.0,
            door_open=False,
            compressor_on=True,
            slots=slots,
        )
        self._send(self.node.dbirth(DEVICE_ID, metrics, ts))

    def data(self, values: dict[str, MetricValue]) -> None:
        self._send(self.node.ddata(DEVICE_ID, values, wall_ms()))

    def skip(self, values: dict[str, MetricValue]) -> None:
        """Build a DDATA and lose it: the hub sees a gap in ``seq``."""
        self.node.ddata(DEVICE_ID, values, wall_ms())

    def temperature(self, celsius: float) -> None:
        self.data({TEMPERATURE: celsius})

    def stock(self, **slots: int) -> None:
        self.data({slot_metric(int(k.removeprefix("s")), "Stock"): v for k, v in slots.items()})

    def commands(self) -> list[VendingCommand]:
        received = [
            *self.wire.received(f"spBv1.0/{GROUP_ID}/NCMD/{self.device_id}"),
            *self.wire.received(f"spBv1.0/{GROUP_ID}/DCMD/{self.device_id}/+"),
        ]
        return [parse_command(self.node.decode_command(m.topic, m.payload)) for m in received]


# ---------------------------------------------------------------- door units (OSDP)
@dataclass
class DoorUnit:
    """A door unit: reports card reads, PINs, its contact and tamper switch; reads the
    hub's commands (its ``cmd`` topic is subscribed at once) and answers them when told."""

    wire: Wire
    device_id: str
    seq: int = 0
    replied: int = 0
    executed: list[bytes] = field(default_factory=list)  # ids of strike releases run

    def __post_init__(self) -> None:
        self.wire.link.subscribe(self.topic("cmd"))

    def topic(self, channel: str) -> str:
        return f"osdp/{self.device_id}/{channel}"

    def _report(self, *replies: Any, ts_ms: int | None = None) -> int:
        self.seq += 1
        ts = wall_ms() if ts_ms is None else ts_ms
        self.wire.publish(self.topic("up"), encode_report(self.seq, ts, list(replies)))
        return self.seq

    def online(self, allowlist_version: int | None = None) -> None:
        status = DeviceStatus(
            online=True, firmware="1.0.0", ts=wall_ms(), allowlist_version=allowlist_version
        )
        self.wire.publish(self.topic("status"), door_status(status))

    def offline(self) -> None:
        status = DeviceStatus(online=False, reason="reboot", ts=wall_ms())
        self.wire.publish(self.topic("status"), door_status(status))

    def card(self, fmt: str, facility: int, number: int, ts_ms: int | None = None) -> int:
        """A card read (``fmt`` as the registry has it: ``H10301`` and so on; ``ts_ms``:
        when the unit read it, default now)."""
        bits = encode_bits(WiegandCard(fmt, facility, number))  # type: ignore[arg-type]
        return self._report(RawCardReply(reader=0, bits=bits), ts_ms=ts_ms)

    def pin(self, digits: str) -> int:
        return self._report(KeypadReply(reader=0, digits=digits + "#"))

    def contact(self, door_open: bool, exit_request: bool = False) -> int:
        return self._report(inputs_reply(door_open, exit_request))

    def local_status(self, tamper: bool) -> int:
        return self._report(local_status_reply(tamper, True))

    def commands(self) -> list[ReceivedCommand]:
        return [receive_command(m.payload) for m in self.wire.received(self.topic("cmd"))]

    async def wait_commands(self, count: int) -> list[ReceivedCommand]:
        await async_wait_until(
            lambda: len(self.wire.received(self.topic("cmd"))) >= count,
            what=f"{count} commands at {self.device_id}",
        )
        return self.commands()

    def answer_all(self, status: ReplyStatus = ReplyStatus.CONFIRMED) -> None:
        """Reply to every command not answered yet, as firmware does after executing it."""
        for received in self.commands()[self.replied :]:
            self.seq += 1
            payload = encode_command_reply(received, status, self.seq, wall_ms())
            # not counted: replies go to the command lane, not to ingest
            self.wire.link.publish(self.topic("reply"), payload)
            self.replied += 1

    def unlocks(self) -> list[ReceivedCommand]:
        """The commands received that would release the strike (osdp_OUT)."""
        return [received for received in self.commands() if strikes(received)]

    def execute_pending(self, guard: CommandGuard) -> list[tuple[ReceivedCommand, ReplyStatus]]:
        """Handle every command not answered yet as the firmware does, now: the guard's
        verdict (expiry, then replay), then the reply. The strike-releasing ones, with
        their verdicts; those executed are in ``executed``."""
        handled = []
        for received in self.commands()[self.replied :]:
            now = wall_ms()
            status = admit(received, guard, now)
            if strikes(received):
                handled.append((received, status))
                if status is ReplyStatus.CONFIRMED:
                    self.executed.append(received.command_id)
            self.seq += 1
            payload = encode_command_reply(received, status, self.seq, now)
            self.wire.link.publish(self.topic("reply"), payload)
            self.replied += 1
        return handled


def strikes(received: ReceivedCommand) -> list[OutCommand]:
    """The strike pulses (osdp_OUT) in a command envelope."""
    return [c for c in received.commands if isinstance(c, OutCommand)]


def feedback(received: ReceivedCommand) -> tuple[int, int]:
    """(LED commands, buzzer commands) in a command envelope."""
    leds = sum(isinstance(c, LedCommand) for c in received.commands)
    buzzers = sum(isinstance(c, BuzzerCommand) for c in received.commands)
    return leds, buzzers
