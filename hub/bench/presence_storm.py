"""The running fleet and the presence storm.

The fleet is ``device-sims run`` (every device its own MQTT client, daily behaviour at
real speed, no faults) against the bench's broker and registry. Online counts come from
the hub's ``/api/v1/fleet/summary`` (its live presence tracker; the /metrics gauge is only
refreshed once a second).

Storm: the simulator process is stopped (every device says offline and disconnects), the
bench waits until the hub counts none online (at most the plan's ``offline_wait_s``: a
device that publishes after its goodbye looks alive to the hub until its silence timeout;
how many the hub still counted is reported), then starts it again with a connect ramp
high enough that the devices come back at once. A watcher of its own (a paho client of
the bench on the devices' status and birth topics) notes when the first device announces
itself to the broker; ``presence_storm_s`` runs from there to the hub counting every
device online (polled every 50 ms). The simulator's start-up before its first connect is
not part of the storm; it is reported beside it, with when the broker had heard from all.
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.bench.children import BenchError, HubChild, SimsCommand, stop_process
from mqtt_link.address import BrokerAddress

POLL_S = 0.05


@dataclass
class FleetProcess:
    """``device-sims run`` for the whole registry, watched through the hub's API."""

    hub: HubChild
    sims: SimsCommand
    operator_token: str
    expected: int
    process: subprocess.Popen[bytes] | None = None

    def start(self, ramp_per_s: int | None = None) -> None:
        extra = ["--speed", "1", "--faults", "none", "--stats-every", "30"]
        if ramp_per_s is not None:
            extra += ["--ramp", str(ramp_per_s)]
        self.process = self.sims.run(extra)

    def online(self) -> int:
        if self.process is not None and self.process.poll() is not None:
            raise BenchError(f"device-sims run exited with {self.process.returncode}")
        response = self.hub.get(
            "/api/v1/fleet/summary", {"Authorization": f"Bearer {self.operator_token}"}
        )
        return sum(int(kind["online"]) for kind in response.json()["devices"].values())

    def wait_online(self, timeout_s: float) -> float:
        """Seconds until every device is online in the hub."""
        started = time.monotonic()
        while self.online() < self.expected:
            if time.monotonic() - started > timeout_s:
                raise BenchError(
                    f"{self.online()}/{self.expected} devices online after {timeout_s:.0f} s"
                )
            time.sleep(0.2)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


class AnnouncementWatcher:
    """Counts devices announcing themselves (status or birth messages, not retained
    replays) and notes when the first came and when ``expected`` had."""

    def __init__(self, url: str, topics: Sequence[str], expected: int) -> None:
        address = BrokerAddress.parse(url)
        self._expected = expected
        self._lock = threading.Lock()
        self.count = 0
        self.first = 0.0
        self.all = 0.0
        subscribed = threading.Event()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"bench-watch-{uuid.uuid4().hex[:8]}"
        )
        if address.username:
            client.username_pw_set(address.username, address.password)
        client.on_message = self._on_message
        client.on_connect = lambda c, *_: c.subscribe([(t, 1) for t in topics])
        client.on_subscribe = lambda *_: subscribed.set()
        client.connect(address.host, address.port)
        client.loop_start()
        self._client = client
        if not subscribed.wait(30):
            self.close()
            raise BenchError("the storm watcher could not subscribe")

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        if message.retain:
            return
        now = time.monotonic()
        with self._lock:
            self.count += 1
            if self.count == 1:
                self.first = now
            if self.count == self._expected:
                self.all = now

    def reset(self) -> None:
        with self._lock:
            self.count, self.first, self.all = 0, 0.0, 0.0

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def announcement_topics(filters: Sequence[str]) -> list[str]:
    """The filters a device announces itself on: status topics and Sparkplug NBIRTH."""
    return [f for f in filters if f.endswith("/status") or "/NBIRTH/" in f]


@dataclass(frozen=True, slots=True)
class StormResult:
    devices: int
    stale_online: int  # counted online by the hub when the fleet started again
    offline_seconds: float  # stop to none online in the hub (or to giving up waiting)
    startup_seconds: float  # simulator start to its first device announcing itself
    broker_all_seconds: float  # first announcement to the broker having all of them
    storm_seconds: float  # first announcement to the hub counting all online
    ramp_per_s: int

    def details(self) -> dict[str, object]:
        return {
            "devices": self.devices,
            "offline_in_hub_after_stop_s": round(self.offline_seconds, 3),
            "still_online_in_hub_at_restart": self.stale_online,
            "simulator_start_to_first_announcement_s": round(self.startup_seconds, 3),
            "first_to_last_announcement_at_broker_s": round(self.broker_all_seconds, 3),
            "first_announcement_to_all_online_in_hub_s": round(self.storm_seconds, 3),
            "connect_ramp_per_s": self.ramp_per_s,
            "poll_interval_s": POLL_S,
        }


def run_storm(
    fleet: FleetProcess,
    watcher: AnnouncementWatcher,
    ramp_per_s: int,
    timeout_s: float,
    offline_wait_s: float,
) -> StormResult:
    """Stop the fleet, wait (up to ``offline_wait_s``) for the hub to count it offline,
    bring it back at once. Devices the hub still counts online then are reported."""
    stopped = time.monotonic()
    fleet.stop()
    while (stale := fleet.online()) > 0 and time.monotonic() - stopped < offline_wait_s:
        time.sleep(0.1)
    offline_s = time.monotonic() - stopped
    watcher.reset()
    started = time.monotonic()
    fleet.start(ramp_per_s)
    while (online := fleet.online()) < fleet.expected:
        if time.monotonic() - started > timeout_s:
            raise BenchError(f"storm: {online}/{fleet.expected} online after {timeout_s:.0f} s")
        time.sleep(POLL_S)
    done = time.monotonic()
    first = watcher.first or done
    broker_all = (watcher.all or done) - first
    return StormResult(
        fleet.expected, stale, offline_s, first - started, broker_all, done - first, ramp_per_s
    )
