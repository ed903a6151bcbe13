"""Helpers for simulator tests: a plain paho subscriber that records what devices publish,
and the hub-side view (the codecs) that decodes it and encodes commands.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from device_sims.device import SimDevice, SimOptions
from device_sims.fleet import DEVICE_CLASSES
from device_sims.inventory import Card, CompartmentSpec, DeviceSpec, Resident, SlotSpec
from firmware_protocols.base import CodecError, Command, DeviceSession, Outbound, Uplink
from firmware_protocols.codecs import all_codecs
from mqtt_link.address import BrokerAddress
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import async_wait_until

FAST = SimOptions(speed=1000.0, behaviour=False)


@dataclass(frozen=True, slots=True)
class Seen:
    topic: str
    payload: bytes
    retain: bool


@dataclass
class Recorder:
    """Everything published under the filters, in arrival order (a paho thread fills it)."""

    url: str
    filters: Sequence[str] = ("#",)
    persistent: bool = False  # keep the session across broker restarts (queued QoS 1)
    messages: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ready: threading.Event = field(default_factory=threading.Event)
    _client: mqtt.Client | None = None

    def start(self) -> None:
        broker = BrokerAddress.parse(self.url)
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"rec-{uuid.uuid4().hex[:8]}",
            clean_session=not self.persistent,
        )
        client.reconnect_delay_set(0.05, 0.5)
        client.on_message = self._on_message
        client.on_subscribe = lambda *_: self._ready.set()
        client.on_connect = lambda c, *_: c.subscribe([(f, 1) for f in self.filters])
        client.connect(broker.host, broker.port, 30)
        client.loop_start()
        self._client = client
        if not self._ready.wait(10):
            raise AssertionError("recorder did not subscribe")

    def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Seen(message.topic, bytes(message.payload), message.retain))

    def of(self, device_id: str, *, live: bool = True) -> list[Seen]:
        """Messages of one device (``live``: not retained copies from before)."""
        with self._lock:
            return [
                m
                for m in self.messages
                if f"/{device_id}/" in f"{m.topic}/" and not (live and m.retain)
            ]

    def publish(self, message: Outbound) -> None:
        assert self._client is not None
        self._client.publish(message.topic, message.payload, message.qos, message.retain)

    async def wait(self, condition: Callable[[], Any], what: str) -> Any:
        return await async_wait_until(condition, what=what)


class HubView:
    """Decodes like the hub: one session per device, fed each message once, in order
    (Sparkplug sessions are stateful)."""

    def __init__(self) -> None:
        self.codecs = all_codecs()
        self._sessions: dict[str, DeviceSession] = {}
        self._records: dict[str, list[Uplink]] = {}
        self._consumed: dict[str, int] = {}
        self.refused: Counter[str] = Counter()  # CodecError reasons, as dead letters
        self.firmware: dict[str, tuple[str, str]] = {}

    def records(self, recorder: Recorder, device_id: str) -> list[Uplink]:
        """Every record the hub made of this device's traffic so far, in order; messages
        the decoder refuses are counted in ``refused`` by reason."""
        seen = recorder.of(device_id, live=False)
        done = self._consumed.get(device_id, 0)
        found = self._records.setdefault(device_id, [])
        for message in seen[done:]:
            try:
                found += self.decode(message)
            except CodecError as exc:
                self.refused[exc.reason] += 1
        self._consumed[device_id] = len(seen)
        return list(found)

    def register(self, spec: DeviceSpec) -> None:
        self.firmware[spec.device_id] = (spec.protocol, spec.firmware_version)

    def session(self, device_id: str) -> DeviceSession:
        if device_id not in self._sessions:
            protocol, version = self.firmware[device_id]
            definition = self.codecs.resolve(protocol, version)
            self._sessions[device_id] = definition.session(device_id)
        return self._sessions[device_id]

    def decode(self, seen: Seen) -> list[Uplink]:
        """The hub's records for an uplink; none for what the hub does not take (the
        commands it sent itself)."""
        routed = self.codecs.route(seen.topic)
        if routed is None:
            assert seen.topic.rsplit("/", 1)[-1] == "cmd" or "CMD/" in seen.topic, seen.topic
            return []
        _protocol, device_id, channel = routed
        return list(self.session(device_id).decode(channel, seen.payload))

    def command(
        self, device_id: str, name: str, params: dict[str, Any], *, ttl_ms: int = 30_000
    ) -> tuple[str, Outbound]:
        command_id = uuid.uuid4().hex
        expires = int(time.time() * 1000) + ttl_ms
        (outbound,) = self.session(device_id).encode_command(
            Command(command_id, name, params, expires)
        )
        return command_id, outbound


def unique_id(kind: str) -> str:
    return f"{kind}-t{uuid.uuid4().hex[:10]}"


def residents_of(building: str) -> list[Resident]:
    return [
        Resident(
            f"{building}-r{i}", building, f"{i}0{i}", Card("H10301", 42, 1000 + i), f"{i}4{i}9{i}1"
        )
        for i in range(1, 4)
    ]


def locker_spec(firmware: str = "2.1.0", compartments: int = 8) -> DeviceSpec:
    sizes = ("S", "M", "L")
    return DeviceSpec(
        unique_id("locker"),
        "locker",
        firmware,
        "c0001",
        ("c0001-b1",),
        compartments=tuple(CompartmentSpec(n, sizes[n % 3]) for n in range(1, compartments + 1)),
    )


def vending_spec(firmware: str = "2.0.0") -> DeviceSpec:
    slots = tuple(SlotSpec(n, "milk" if n % 2 else "tomatoes", 450 + n, 8) for n in range(1, 6))
    return DeviceSpec(
        unique_id("vending"), "vending", firmware, "c0001", ("c0001-b1",), slots=slots
    )


def door_spec(firmware: str = "2.0.0") -> DeviceSpec:
    return DeviceSpec(unique_id("door"), "door", firmware, "c0001-b1", ("c0001-b1",))


@pytest.fixture
def recorder(mosquitto_session: PrivateMosquitto) -> Iterator[Recorder]:
    rec = Recorder(mosquitto_session.url)
    rec.start()
    yield rec
    rec.stop()


@pytest.fixture
def hub() -> HubView:
    return HubView()


@pytest.fixture
def broker(mosquitto_session: PrivateMosquitto) -> BrokerAddress:
    return BrokerAddress.parse(mosquitto_session.url)


SPECS: dict[str, Callable[[], DeviceSpec]] = {
    "locker": locker_spec,
    "vending": vending_spec,
    "door": door_spec,
}


def make_device(
    kind: str, broker: BrokerAddress, hub: HubView, options: SimOptions = FAST
) -> SimDevice:
    """A device of ``kind`` with a fresh id, registered with the hub view."""
    spec = SPECS[kind]()
    hub.register(spec)
    cls = DEVICE_CLASSES[spec.kind]
    return cls(spec, broker, options=options, residents=residents_of("c0001-b1"))
