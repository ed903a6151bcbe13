"""Mosquitto ACL rules derived from each protocol's own topics.

A device's rules are its :class:`DeviceTopics`: ``write`` for what it publishes, ``read``
for what it subscribes to, so the ACL can never drift from the codecs. The hub's rules
are the same topics for every device at once: each protocol's topics are built for a
placeholder device id whose topic level is then replaced by ``+``. The hub reads what
devices publish and writes what devices read (commands); topics a device reads that do
not name it (the Sparkplug hosts' ``STATE/+``) are not the hub's to write wholesale, so
the hub gets only its own STATE topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from firmware_protocols.base import Definition, DeviceTopics
from hub.broker_security.errors import BrokerConfigError

Access = Literal["read", "write", "readwrite"]
PLACEHOLDER: Final = "x-device-id-placeholder-x"


@dataclass(frozen=True, slots=True)
class AclRule:
    """One ``topic <access> <topic>`` line of a Mosquitto ACL file."""

    access: Access
    topic: str

    def line(self) -> str:
        return f"topic {self.access} {self.topic}"


def device_rules(topics: DeviceTopics) -> tuple[AclRule, ...]:
    """A device may publish its uplink topics and read its command (and broadcast) topics."""
    return merge(
        [AclRule("write", topic) for topic in topics.publish]
        + [AclRule("read", topic) for topic in topics.subscribe]
    )


def hub_rules(definitions: Iterable[Definition], host_state_topic: str) -> tuple[AclRule, ...]:
    """Read every device's uplinks, write every device's commands, own the host STATE.

    Raises BrokerConfigError if a protocol's device id is not a whole topic level (it
    could not be widened to ``+``) or if one of the hub's own subscriptions would not be
    readable under the rules (the ACL would silently starve the hub).
    """
    rules: list[AclRule] = []
    problems: list[str] = []
    for definition in definitions:
        topics = definition.device_topics(PLACEHOLDER)
        try:
            reads = [AclRule("read", widen(t)) for t in topics.publish]
            writes = [AclRule("write", widen(t)) for t in topics.subscribe if _names_device(t)]
        except ValueError as exc:
            problems.append(f"protocol {definition.protocol}: {exc}")
            continue
        for subscription in definition.subscriptions():
            if not any(covers(rule.topic, subscription.topic_filter) for rule in reads):
                problems.append(
                    f"protocol {definition.protocol}: the hub subscribes to "
                    f"{subscription.topic_filter!r}, which no device publishes to"
                )
        rules += reads + writes
    if problems:
        raise BrokerConfigError(problems)
    return merge([*rules, AclRule("readwrite", host_state_topic)])


def widen(topic: str) -> str:
    """``topic`` with the placeholder device id's level replaced by ``+``."""
    levels = topic.split("/")
    for level in levels:
        if PLACEHOLDER in level and level != PLACEHOLDER:
            raise ValueError(f"device id is part of the topic level {level!r}, not all of it")
    return "/".join("+" if level == PLACEHOLDER else level for level in levels)


def _names_device(topic: str) -> bool:
    return PLACEHOLDER in topic.split("/")


def covers(rule: str, topic_filter: str) -> bool:
    """True if every topic matching ``topic_filter`` also matches the ACL topic ``rule``."""
    rule_levels = rule.split("/")
    filter_levels = topic_filter.split("/")
    for index, level in enumerate(rule_levels):
        if level == "#":
            return True
        if index >= len(filter_levels):
            return False
        wanted = filter_levels[index]
        if level == "+":
            if wanted == "#":
                return False
            continue
        if level != wanted:
            return False
    return len(rule_levels) == len(filter_levels)


def merge(rules: Iterable[AclRule]) -> tuple[AclRule, ...]:
    """Rules in first-seen order, one per topic; read plus write becomes readwrite."""
    access: dict[str, Access] = {}
    for rule in rules:
        seen = access.get(rule.topic)
        access[rule.topic] = rule.access if seen in (None, rule.access) else "readwrite"
    return tuple(AclRule(kind, topic) for topic, kind in access.items())
