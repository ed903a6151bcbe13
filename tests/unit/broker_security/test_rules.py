"""ACL rules from protocol topics: exact rules per device and for the hub, and the
property that matters: no device's rules reach another device's topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations

import pytest

from firmware_protocols.base import DeviceTopics, Subscription
from firmware_protocols.codecs import all_codecs
from hub.broker_security import AclRule, BrokerConfigError, device_rules, hub_rules
from hub.broker_security.rules import covers, merge, widen

CODECS = all_codecs()
STATE = "spBv1.0/STATE/hub"


def rules_of(protocol: str, firmware: str, device_id: str) -> tuple[AclRule, ...]:
    return device_rules(CODECS.resolve(protocol, firmware).device_topics(device_id))


def test_a_locker_writes_its_uplinks_and_reads_its_commands() -> None:
    assert rules_of("lockerlink", "1.2", "locker-0001") == (
        AclRule("write", "lockerlink/locker-0001/status"),
        AclRule("write", "lockerlink/locker-0001/telemetry"),
        AclRule("write", "lockerlink/locker-0001/event"),
        AclRule("write", "lockerlink/locker-0001/reply"),
        AclRule("read", "lockerlink/locker-0001/cmd"),
    )


def test_a_vending_edge_node_owns_its_node_and_device_topics_and_reads_host_state() -> None:
    assert rules_of("sparkplug_b", "2", "vending-0007") == (
        AclRule("write", "spBv1.0/vending/NBIRTH/vending-0007"),
        AclRule("write", "spBv1.0/vending/NDEATH/vending-0007"),
        AclRule("write", "spBv1.0/vending/NDATA/vending-0007"),
        AclRule("write", "spBv1.0/vending/DBIRTH/vending-0007/+"),
        AclRule("write", "spBv1.0/vending/DDEATH/vending-0007/+"),
        AclRule("write", "spBv1.0/vending/DDATA/vending-0007/+"),
        AclRule("read", "spBv1.0/vending/NCMD/vending-0007"),
        AclRule("read", "spBv1.0/vending/DCMD/vending-0007/+"),
        AclRule("read", "spBv1.0/STATE/+"),
    )


def test_a_door_unit_writes_status_reports_and_replies_and_reads_commands() -> None:
    assert rules_of("osdp", "2.0.1", "door-0042") == (
        AclRule("write", "osdp/door-0042/status"),
        AclRule("write", "osdp/door-0042/up"),
        AclRule("write", "osdp/door-0042/reply"),
        AclRule("read", "osdp/door-0042/cmd"),
    )


def test_the_hub_reads_all_uplinks_writes_all_commands_and_owns_its_state() -> None:
    rules = hub_rules(CODECS.definitions, STATE)
    assert rules == (
        AclRule("read", "lockerlink/+/status"),
        AclRule("read", "lockerlink/+/telemetry"),
        AclRule("read", "lockerlink/+/event"),
        AclRule("read", "lockerlink/+/reply"),
        AclRule("write", "lockerlink/+/cmd"),
        AclRule("read", "spBv1.0/vending/NBIRTH/+"),
        AclRule("read", "spBv1.0/vending/NDEATH/+"),
        AclRule("read", "spBv1.0/vending/NDATA/+"),
        AclRule("read", "spBv1.0/vending/DBIRTH/+/+"),
        AclRule("read", "spBv1.0/vending/DDEATH/+/+"),
        AclRule("read", "spBv1.0/vending/DDATA/+/+"),
        AclRule("write", "spBv1.0/vending/NCMD/+"),
        AclRule("write", "spBv1.0/vending/DCMD/+/+"),
        AclRule("read", "osdp/+/status"),
        AclRule("read", "osdp/+/up"),
        AclRule("read", "osdp/+/reply"),
        AclRule("write", "osdp/+/cmd"),
        AclRule("readwrite", STATE),
    )


def test_every_hub_subscription_is_readable_and_no_uplink_is_writable_by_the_hub() -> None:
    rules = hub_rules(CODECS.definitions, STATE)
    readable = [r.topic for r in rules if r.access != "write"]
    writable = [r.topic for r in rules if r.access != "read"]
    for subscription in CODECS.subscriptions():
        assert any(covers(rule, subscription.topic_filter) for rule in readable), subscription
    for definition in CODECS.definitions:
        for uplink in definition.device_topics("any-device").publish:
            assert not any(covers(rule, uplink) for rule in writable), uplink


DEVICES = [
    ("lockerlink", "1", "locker-0001"),
    ("lockerlink", "2", "locker-0002"),
    ("sparkplug_b", "2", "vending-0001"),
    ("sparkplug_b", "1", "vending-0002"),
    ("osdp", "2", "door-0001"),
    ("osdp", "1", "door-0002"),
]


@pytest.mark.parametrize(("mine", "theirs"), list(permutations(DEVICES, 2)))
def test_no_rule_of_one_device_reaches_another_devices_topics(
    mine: tuple[str, str, str], theirs: tuple[str, str, str]
) -> None:
    rules = rules_of(*mine)
    topics = CODECS.resolve(theirs[0], theirs[1]).device_topics(theirs[2])
    shared = {"spBv1.0/STATE/+"}  # every edge node reads the host's STATE
    for topic in [*topics.publish, *topics.subscribe]:
        if topic in shared:
            continue
        reaching = [r for r in rules if covers(r.topic, topic) or covers(topic, r.topic)]
        assert reaching == [], f"{mine[2]} reaches {topic} of {theirs[2]}"


@pytest.mark.parametrize(
    ("rule", "topic_filter", "expected"),
    [
        ("a/+/c", "a/b/c", True),
        ("a/+/c", "a/+/c", True),
        ("a/+/c", "a/#", False),
        ("a/+/c", "a/b", False),
        ("a/+/c", "a/b/c/d", False),
        ("a/#", "a/b/c", True),
        ("a/#", "a", True),  # MQTT: "a/#" also matches its parent "a"
        ("#", "anything/at/all", True),
        ("a/b", "a/b", True),
        ("a/b", "a/c", False),
        ("a/b/+", "a/b/+/+", False),
    ],
)
def test_covers(rule: str, topic_filter: str, expected: bool) -> None:
    assert covers(rule, topic_filter) is expected


def test_merge_keeps_order_and_joins_read_and_write() -> None:
    merged = merge(
        [AclRule("read", "a"), AclRule("write", "b"), AclRule("write", "a"), AclRule("write", "b")]
    )
    assert merged == (AclRule("readwrite", "a"), AclRule("write", "b"))


def test_widen_replaces_only_a_whole_level() -> None:
    assert widen("p/x-device-id-placeholder-x/cmd") == "p/+/cmd"
    with pytest.raises(ValueError, match="part of the topic level"):
        widen("p/dev-x-device-id-placeholder-x/cmd")


@dataclass(frozen=True)
class OddProtocol:
    """A protocol whose topics break the generator's assumptions, for its error paths."""

    topics: DeviceTopics
    hub_filters: Sequence[str]
    protocol: str = "odd"

    def device_topics(self, device_id: str) -> DeviceTopics:
        def fill(t: str) -> str:
            return t.replace("{id}", device_id)

        return DeviceTopics(
            [fill(t) for t in self.topics.publish], [fill(t) for t in self.topics.subscribe]
        )

    def subscriptions(self) -> Sequence[Subscription]:
        return [Subscription(f, shared=True) for f in self.hub_filters]


def test_a_device_id_inside_a_topic_level_cannot_be_widened() -> None:
    odd = OddProtocol(DeviceTopics(["odd/dev-{id}/up"], ["odd/{id}/cmd"]), ["odd/+/up"])
    with pytest.raises(BrokerConfigError, match="protocol odd: device id is part of"):
        hub_rules([odd], STATE)  # type: ignore[list-item]


def test_a_hub_subscription_no_device_publishes_to_is_an_error() -> None:
    odd = OddProtocol(DeviceTopics(["odd/{id}/up"], ["odd/{id}/cmd"]), ["odd/+/status"])
    with pytest.raises(BrokerConfigError, match="'odd/\\+/status', which no device publishes"):
        hub_rules([odd], STATE)  # type: ignore[list-item]
