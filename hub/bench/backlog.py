"""A backlog for the hub to drain while residents unlock doors (the unlock-under-load phase).

The fleet is running then (the doors must answer the unlocks), so the backlog cannot come
from ``device-sims bench``, whose devices would take over the running devices' client ids
and announce themselves offline when done. Instead a few plain paho clients publish, at
QoS 1 and with no status or will, the stateless uplinks of the registry's lockers and
door units as their firmware would: lockerlink telemetry (generation 1 bitmaps or
generation 2 compartment lists) and OSDP reports (inputs and local status), each device's
messages on one connection and in order, with sequence numbers far above the running
fleet's. (Sparkplug messages are left out: a second publisher's ``seq`` would break the
running machines' sessions.) The broker holds the backlog while the hub is paused.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, text

from firmware_protocols.lockerlink.messages import Compartment, TelemetryV1, TelemetryV2
from firmware_protocols.lockerlink.telemetry import encode_telemetry
from firmware_protocols.osdp.device import encode_report
from firmware_protocols.osdp.door import inputs_reply, local_status_reply
from hub.bench.children import BenchError
from mqtt_link.address import BrokerAddress

CONNECTIONS = 8
SEQ_BASE = 1 << 40  # lockerlink: above any sequence a running locker uses
OSDP_SEQ_BASE = 0xF000_0000  # OSDP's seq is 32 bits: far from the running doors' counters
PUBACK_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class BacklogDevice:
    device_id: str
    kind: str
    firmware: str
    compartments: int


def backlog_devices(engine: Engine) -> list[BacklogDevice]:
    query = text(
        "SELECT d.id, d.kind, d.firmware_version, "
        "(SELECT count(*) FROM compartment c WHERE c.device_id = d.id) "
        "FROM device d WHERE d.enabled AND d.kind IN ('locker', 'door') ORDER BY d.id"
    )
    with engine.connect() as conn:
        return [
            BacklogDevice(str(a), str(b), str(c), int(n or 24))
            for a, b, c, n in conn.execute(query)
        ]


def _payloads(
    device: BacklogDevice, count: int, ts_ms: int, rng: random.Random
) -> Iterator[tuple[str, bytes]]:
    for n in range(count):
        seq, ts = SEQ_BASE + n, ts_ms + n
        if device.kind != "locker":
            seq = OSDP_SEQ_BASE + n
        if device.kind == "locker":
            compartments = max(1, device.compartments)
            occupied = frozenset(rng.sample(range(1, compartments + 1), k=compartments // 3))
            if device.firmware.startswith("1"):
                message: TelemetryV1 | TelemetryV2 = TelemetryV1(
                    seq, ts, compartments, frozenset(), occupied, "mains", 100, 21.0
                )
            else:
                message = TelemetryV2(
                    seq,
                    ts,
                    tuple(
                        Compartment(c, "M", "occupied" if c in occupied else "empty")
                        for c in range(1, compartments + 1)
                    ),
                    "mains",
                    100,
                    21.0,
                )
            yield f"lockerlink/{device.device_id}/telemetry", encode_telemetry(message)
        else:
            report = encode_report(
                seq, ts, [inputs_reply(False, False), local_status_reply(False, True)]
            )
            yield f"osdp/{device.device_id}/up", report


def publish_backlog(url: str, devices: list[BacklogDevice], total: int, ts_ms: int) -> int:
    """Publish about ``total`` messages over the devices; the count the broker acknowledged."""
    if not devices:
        raise BenchError("no lockers or door units for the backlog")
    per_device = max(1, total // len(devices))
    address = BrokerAddress.parse(url)
    groups = [devices[i::CONNECTIONS] for i in range(CONNECTIONS)]
    acknowledged = [0] * len(groups)
    errors: list[str] = []

    def publish(index: int, group: list[BacklogDevice]) -> None:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"bench-backlog-{index}", protocol=mqtt.MQTTv311
        )
        if address.username:
            client.username_pw_set(address.username, address.password)
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        done = threading.Event()
        sent = 0

        def on_publish(*_: object) -> None:
            acknowledged[index] += 1
            if acknowledged[index] == sent and finished.is_set():
                done.set()

        finished = threading.Event()
        client.on_publish = on_publish
        try:
            client.connect(address.host, address.port, keepalive=600)
        except OSError as exc:
            errors.append(str(exc))
            return
        client.loop_start()
        rng = random.Random(index)
        for device in group:
            for topic, payload in _payloads(device, per_device, ts_ms, rng):
                client.publish(topic, payload, qos=1)
                sent += 1
        finished.set()
        if acknowledged[index] == sent:
            done.set()
        if not done.wait(PUBACK_TIMEOUT_S):
            errors.append(f"backlog client {index}: {acknowledged[index]}/{sent} acknowledged")
        client.disconnect()
        client.loop_stop()

    threads = [
        threading.Thread(target=publish, args=(i, g), name=f"backlog-{i}", daemon=True)
        for i, g in enumerate(groups)
        if g
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise BenchError("; ".join(errors))
    return sum(acknowledged)
