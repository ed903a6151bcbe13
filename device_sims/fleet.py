"""A fleet of simulated devices in one asyncio process, and the API tests drive.

::

    async with Fleet.synthetic("mqtt://127.0.0.1:1883", lockers=2, doors=1) as fleet:
        door = fleet.doors[0]
        await door.present_card()
        ...

Devices start in batches (``ramp_per_s``) so the broker is not hit by every CONNECT at
once; with the default of 1000 a second, 2000 devices are connected in about 2 s.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType

from device_sims.device import SimDevice, SimOptions
from device_sims.door import Door
from device_sims.inventory import Inventory, synthetic_inventory
from device_sims.link import Ticker
from device_sims.locker import Locker
from device_sims.vending import VendingMachine
from firmware_protocols.base import DeviceKind
from mqtt_link.address import BrokerAddress

DEVICE_CLASSES: Mapping[DeviceKind, type[SimDevice]] = {
    "locker": Locker,
    "vending": VendingMachine,
    "door": Door,
}
RAMP_BATCHES_PER_S = 20


@dataclass(frozen=True, slots=True)
class FleetStats:
    devices: int
    online: int
    online_by_kind: Mapping[str, int]
    sent: int
    sent_by_channel: Mapping[str, int]
    commands_by_verdict: Mapping[str, int]
    buffered: int
    malformed: int
    duplicates: int
    reconnects: int
    task_failures: int

    def line(self) -> str:
        verdicts = " ".join(f"{k}={v}" for k, v in sorted(self.commands_by_verdict.items()))
        kinds = " ".join(f"{k}={v}" for k, v in sorted(self.online_by_kind.items()))
        return (
            f"online {self.online}/{self.devices} ({kinds}) sent {self.sent} "
            f"buffered {self.buffered} malformed {self.malformed} dup {self.duplicates} "
            f"reconnects {self.reconnects} failures {self.task_failures} "
            f"commands: {verdicts or '-'}"
        )


@dataclass(frozen=True, slots=True)
class BurstResult:
    """What a benchmark burst published: ``published`` counts messages the broker took
    (QoS 0: written to the socket; QoS 1: acknowledged)."""

    devices: int
    attempted: int
    published: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.published / self.seconds if self.seconds > 0 else 0.0


class Fleet:
    """Every device of an inventory, each its own MQTT client, sharing one keepalive
    ticker. Build with the constructor or :meth:`synthetic`; use ``async with``."""

    def __init__(
        self,
        broker_url: str,
        inventory: Inventory,
        *,
        options: SimOptions | None = None,
        ramp_per_s: float = 1000.0,
    ) -> None:
        self.broker = BrokerAddress.parse(broker_url).resolved()
        self.inventory = inventory
        self.options = options or SimOptions()
        self.ramp_per_s = ramp_per_s
        self._ticker = Ticker.for_keepalive(self.options.keepalive_s)
        by_building = inventory.residents_by_building()
        self.devices: dict[str, SimDevice] = {}
        for spec in inventory.devices:
            residents = [r for b in spec.buildings for r in by_building.get(b, ())]
            cls = DEVICE_CLASSES[spec.kind]
            self.devices[spec.device_id] = cls(
                spec, self.broker, options=self.options, ticker=self._ticker, residents=residents
            )

    @classmethod
    def synthetic(
        cls,
        broker_url: str,
        *,
        lockers: int = 0,
        vending: int = 0,
        doors: int = 0,
        options: SimOptions | None = None,
        ramp_per_s: float = 1000.0,
    ) -> Fleet:
        """A fleet of generated devices (anonymous broker, or ids the broker knows)."""
        opts = options or SimOptions()
        inventory = synthetic_inventory(lockers, vending, doors, seed=opts.seed)
        return cls(broker_url, inventory, options=opts, ramp_per_s=ramp_per_s)

    # ------------------------------------------------------------ access
    def __getitem__(self, device_id: str) -> SimDevice:
        return self.devices[device_id]

    def __iter__(self) -> Iterator[SimDevice]:
        return iter(self.devices.values())

    def __len__(self) -> int:
        return len(self.devices)

    @property
    def lockers(self) -> list[Locker]:
        return [d for d in self.devices.values() if isinstance(d, Locker)]

    @property
    def vending(self) -> list[VendingMachine]:
        return [d for d in self.devices.values() if isinstance(d, VendingMachine)]

    @property
    def doors(self) -> list[Door]:
        return [d for d in self.devices.values() if isinstance(d, Door)]

    # ------------------------------------------------------------ lifecycle
    async def start(self, *, wait_online: bool = True, timeout_s: float = 60.0) -> None:
        """Start every device in batches; with ``wait_online`` return once all are
        connected (TimeoutError after ``timeout_s``, naming how many are missing)."""
        batch = max(1, int(self.ramp_per_s / RAMP_BATCHES_PER_S))
        devices = list(self.devices.values())
        starts = []
        for i in range(0, len(devices), batch):
            starts += [asyncio.ensure_future(d.start(retry=True)) for d in devices[i : i + batch]]
            if i + batch < len(devices):
                await asyncio.sleep(1 / RAMP_BATCHES_PER_S)
        await asyncio.gather(*starts)
        if wait_online:
            await self.wait_online(timeout_s)

    async def wait_online(self, timeout_s: float = 60.0, *, ever: bool = False) -> None:
        """Until every device is online at once, or (``ever``) has connected at least
        once, which is what a run with faults can promise."""
        events = [d.ever_online if ever else d.online for d in self.devices.values()]
        waits = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout_s)
        except TimeoutError:
            missing = sum(1 for event in events if not event.is_set())
            raise TimeoutError(
                f"{missing} of {len(self)} devices not online after {timeout_s} s"
            ) from None

    async def stop(self, reason: str = "shutdown") -> None:
        """Planned shutdown of every device (offline status, clean DISCONNECT)."""
        await asyncio.gather(*(d.stop(reason) for d in self.devices.values()))
        await self._ticker.close()

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------ benchmark and stats
    async def burst(self, messages_per_device: int, qos: int = 0) -> BurstResult:
        """Every connected device publishes ``messages_per_device`` telemetry messages
        as fast as it can (encoded beforehand); returns how many the broker took, for
        ``hub bench`` to compare with what the hub stored."""
        devices = [d for d in self.devices.values() if d.link.connected]
        prepared = []
        for device in devices:
            prepared.append(device.prepare_burst(messages_per_device, qos))
            await asyncio.sleep(0)  # keepalives go on while the encoders work
        started = time.perf_counter()
        counts = await asyncio.gather(
            *(d.publish_burst(batch) for d, batch in zip(devices, prepared, strict=True))
        )
        return BurstResult(
            devices=len(devices),
            attempted=messages_per_device * len(devices),
            published=sum(counts),
            seconds=time.perf_counter() - started,
        )

    def stats(self) -> FleetStats:
        online: Counter[str] = Counter()
        sent: Counter[str] = Counter()
        verdicts: Counter[str] = Counter()
        buffered = malformed = duplicates = reconnects = failures = 0
        for device in self.devices.values():
            if device.online.is_set():
                online[device.kind] += 1
            sent.update(device.sent)
            verdicts.update(device.verdicts)
            buffered += len(device.buffer)
            malformed += device.faults.malformed_sent
            duplicates += device.faults.duplicates_sent
            reconnects += max(0, device.link.connects - 1)
            failures += device.task_failures
        return FleetStats(
            devices=len(self.devices),
            online=sum(online.values()),
            online_by_kind=dict(online),
            sent=sum(sent.values()),
            sent_by_channel=dict(sent),
            commands_by_verdict=dict(verdicts),
            buffered=buffered,
            malformed=malformed,
            duplicates=duplicates,
            reconnects=reconnects,
            task_failures=failures,
        )
