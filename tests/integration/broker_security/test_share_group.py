"""No device can starve the hub through its shared subscriptions, on a real Mosquitto
running the generated files.

Mosquitto 2.0 grants every SUBSCRIBE under an ``acl_file`` (``$share/...`` included) and
checks read access only when it delivers: a device that joins the hub's share group is
handed its turn of the group's messages, which Mosquitto then refuses to deliver, and
the hub never sees them. The hub's group is therefore a secret derived from its secret
key (``hub.security.share_group``). These tests count every message published while every
device tries to join the groups it could know of, and to read everything else.
"""

from __future__ import annotations

from collections import Counter

import pytest
from paho.mqtt.reasoncodes import ReasonCode

from firmware_protocols.codecs import all_codecs
from hub.config import Settings
from tests.integration.broker_security.conftest import Clients, FleetDevice, Secured
from tests.integration.broker_security.probes import Probe, Received
from tests.support.waiting import wait_until

pytestmark = pytest.mark.broker

SUBSCRIPTIONS = all_codecs().subscriptions()
SHARED = tuple(s.topic_filter for s in SUBSCRIPTIONS if s.shared)
UNSHARED = tuple(s.topic_filter for s in SUBSCRIPTIONS if not s.shared)
PER_TOPIC = 20  # messages each device publishes on each of its uplinks during the attack


def _hub_group() -> str:
    return Settings(secret_key="a deployment's own secret key").share_group


def _replica(clients: Clients, client_id: str, group: str) -> Probe:
    """A hub replica's subscriptions, as the transport makes them."""
    hub = clients.hub(client_id)
    assert not hub.refused, hub.connack
    codes = hub.subscribe([f"$share/{group}/{f}" for f in SHARED] + list(UNSHARED))
    assert not any(code.is_failure for code in codes), codes
    return hub


def _attack_filters(attacker: FleetDevice, secured: Secured) -> list[str]:
    """Every group a device could know or guess, wildcards, $SYS and others' topics."""
    guesses = ("hub", "hubs", "group", "share", "default", "g", attacker.id)
    filters = [f"$share/{group}/{f}" for group in guesses for f in SHARED]
    filters += [f"$share/{group}/#" for group in guesses]
    filters += ["#", "+/#", "$SYS/#", *SHARED, *UNSHARED]
    for other in secured.devices.values():
        if other.id != attacker.id:
            filters += [*other.topics.publish, *other.topics.subscribe]
    return filters


def test_devices_joining_every_group_they_can_name_take_nothing_from_the_hub(
    secured: Secured, clients: Clients
) -> None:
    group = _hub_group()
    replicas = [_replica(clients, f"share-replica-{n}", group) for n in (1, 2)]
    devices = {d.id: clients.device(d) for d in secured.devices.values()}
    for device in secured.devices.values():
        probe = devices[device.id]
        assert not probe.refused
        probe.subscribe(_attack_filters(device, secured))  # Mosquitto grants these

    published: list[Received] = []
    for device in secured.devices.values():
        batch = [
            Received(topic, f"{device.id} {n}".encode())
            for topic in device.uplinks()
            for n in range(PER_TOPIC)
        ]
        codes = _publish_all(devices[device.id], batch)
        assert not any(code.is_failure for code in codes)
        published += batch
    shared = Counter(m for m in published if any(_matches(f, m.topic) for f in SHARED))
    unshared = Counter(m for m in published if any(_matches(f, m.topic) for f in UNSHARED))
    assert sum(shared.values()) > 0 and sum(unshared.values()) > 0
    assert shared + unshared == Counter(published)

    def of(probe: Probe, wanted: Counter[Received]) -> Counter[Received]:
        return Counter(m for m in probe.received() if m in wanted)

    wait_until(
        lambda: sum(of(r, shared).total() for r in replicas) >= shared.total(),
        what="the replicas to receive every shared message",
    )
    # Each shared message reached exactly one replica; every unshared one reached both.
    assert of(replicas[0], shared) + of(replicas[1], shared) == shared
    for replica in replicas:
        wait_until(lambda r=replica: of(r, unshared).total() >= unshared.total())  # type: ignore[misc]
        assert of(replica, unshared) == unshared
        assert Counter(replica.received()) == of(replica, shared) + unshared

    # And no device received anything: a control command, sent after every publish was
    # routed, arrives; anything routed to the attacker before it would have too.
    for device in secured.devices.values():
        control = device.commands()[0]
        assert not replicas[0].publish(control, b"control").is_failure
        devices[device.id].wait_for(control, b"control")
        # (once per overlapping subscription of its own command topic: "#", "+/#", ...)
        assert set(devices[device.id].received()) == {Received(control, b"control")}


def test_a_device_that_knew_the_group_would_take_messages_on_mosquitto(
    secured: Secured, clients: Clients
) -> None:
    """Why the group must stay secret: Mosquitto 2.0 lets a device into a group it can
    name, and every message it is dealt is lost to the hub (refused at delivery)."""
    group = "leaked-group-name-for-this-test"
    replica = _replica(clients, "share-leak-replica", group)
    door, other = secured.of_kind("door")[:2]
    attacker = clients.device(other)
    codes = attacker.subscribe([f"$share/{group}/{f}" for f in SHARED] + other.commands())
    assert not any(code.is_failure for code in codes)  # granted at SUBSCRIBE
    publisher = clients.device(door)
    topic = next(t for t in door.uplinks() if t.endswith("/up"))
    sent = 40
    for n in range(sent):
        assert not publisher.publish(topic, f"{n}".encode()).is_failure
    status = next(t for t in door.uplinks() if t.endswith("/status"))
    assert not publisher.publish(status, b"after the burst").is_failure
    replica.wait_for(status, b"after the burst")  # routed after the burst, same connection
    control = other.commands()[0]
    assert not replica.publish(control, b"control").is_failure
    attacker.wait_for(control, b"control")
    assert attacker.received() == [Received(control, b"control")]  # it reads nothing...
    received = [m for m in replica.received() if m.topic == topic]
    assert 0 < len(received) < sent  # ...but the hub lost the attacker's turns


def _publish_all(probe: Probe, messages: list[Received]) -> list[ReasonCode]:
    """Publish at QoS 1 without waiting in between; the PUBACK of each."""
    mids = [probe.client.publish(m.topic, m.payload, qos=1).mid for m in messages]
    wait_until(lambda: all(mid in probe.pubacks for mid in mids), what="every PUBACK")
    return [probe.pubacks[mid] for mid in mids]


def _matches(topic_filter: str, topic: str) -> bool:
    filter_levels, topic_levels = topic_filter.split("/"), topic.split("/")
    if len(filter_levels) != len(topic_levels):
        return False
    return all(f in ("+", t) for f, t in zip(filter_levels, topic_levels, strict=True))
