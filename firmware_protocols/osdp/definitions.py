"""The hub-facing OSDP-over-MQTT definition for door units (firmware generations 1 and 2).

Both generations speak envelope version 1; the definition is stateless per device.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from firmware_protocols.base import (
    Command,
    Definition,
    DeviceKind,
    DeviceTopics,
    Outbound,
    Subscription,
    Uplink,
)
from firmware_protocols.osdp import topics
from firmware_protocols.osdp.downlink import COMMAND_NAMES, encode_hub_command
from firmware_protocols.osdp.uplink import decode_uplink


@dataclass(frozen=True, slots=True)
class OsdpSession:
    """Stateless: every door-unit message carries all it needs."""

    device_id: str

    def decode(self, channel: str, payload: bytes) -> Sequence[Uplink]:
        return decode_uplink(channel, payload)

    def encode_command(self, command: Command) -> Sequence[Outbound]:
        return [encode_hub_command(self.device_id, command)]


@dataclass(frozen=True, slots=True)
class OsdpDefinition:
    protocol: str = "osdp"
    firmware_versions: Sequence[str] = ("1", "2")
    kind: DeviceKind = "door"
    commands: Sequence[str] = COMMAND_NAMES

    def subscriptions(self) -> Sequence[Subscription]:
        return topics.subscriptions()

    def device_subscriptions(self, device_id: str) -> Sequence[Subscription]:
        return topics.device_subscriptions(device_id)

    def reply_subscriptions(self) -> Sequence[Subscription]:
        return topics.reply_subscriptions()

    def announce_subscriptions(self) -> Sequence[Subscription]:
        return topics.announce_subscriptions()

    def route(self, topic: str) -> tuple[str, str] | None:
        return topics.route(topic)

    def device_topics(self, device_id: str) -> DeviceTopics:
        return topics.device_topics(device_id)

    def session(self, device_id: str) -> OsdpSession:
        return OsdpSession(device_id)


DEFINITIONS: tuple[Definition, ...] = (OsdpDefinition(),)
