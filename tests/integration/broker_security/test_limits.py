"""The devices' listener limits on a real Mosquitto running the generated files: no
payload above the largest any protocol allows, no QoS 2 (whose in-flight state the broker
would hold per message)."""

from __future__ import annotations

import pytest

from hub.broker_security.limits import MESSAGE_SIZE_LIMIT, PROTOCOL_MAX_PAYLOAD
from tests.integration.broker_security.conftest import Clients, Secured
from tests.integration.broker_security.probes import Received
from tests.support.waiting import wait_until

pytestmark = pytest.mark.broker

HUB_FILTERS = ("lockerlink/+/telemetry", "lockerlink/+/status")


def test_a_payload_over_the_protocols_largest_never_reaches_the_hub(
    secured: Secured, clients: Clients
) -> None:
    assert MESSAGE_SIZE_LIMIT == max(PROTOCOL_MAX_PAYLOAD.values()) == 512 * 1024
    assert f"message_size_limit {MESSAGE_SIZE_LIMIT}" in secured.config.mosquitto_conf
    hub = clients.hub("hub-size-limit")
    hub.subscribe(list(HUB_FILTERS))
    locker = secured.of_kind("locker")[0]
    device = clients.device(locker)
    topic = f"lockerlink/{locker.id}/telemetry"
    largest = b"x" * MESSAGE_SIZE_LIMIT
    assert not device.publish(topic, largest).is_failure
    # One byte more: Mosquitto 2.0 drops it and answers PUBACK "packet too large" (0x95,
    # which MQTT 5 does not list for PUBACK, so paho hangs up on it as a protocol error).
    info = device.client.publish(topic, largest + b"x", qos=1)
    wait_until(lambda: info.mid in device.pubacks or device.disconnects, what="an answer")
    again = clients.device(locker)  # a device that hung up reconnects
    status = f"lockerlink/{locker.id}/status"
    assert not again.publish(status, b"after").is_failure
    hub.wait_for(status, b"after")
    assert [len(m.payload) for m in hub.received() if m.topic == topic] == [MESSAGE_SIZE_LIMIT]


def test_devices_get_qos_1_at_most(secured: Secured, clients: Clients) -> None:
    assert "max_qos 1" in secured.config.mosquitto_conf
    door = secured.of_kind("door")[0]
    device = clients.device(door)
    codes = device.subscribe([f"osdp/{door.id}/cmd"])
    assert [code.value for code in codes] == [1]  # asked for 1, granted 1
    info = device.client.publish(f"osdp/{door.id}/status", b"qos 2", qos=2)
    wait_until(lambda: device.disconnects, what="the QoS 2 publisher to be disconnected")
    assert info.rc == 0 and device.disconnects[0].is_failure
    assert Received(f"osdp/{door.id}/status", b"qos 2") not in device.received()
