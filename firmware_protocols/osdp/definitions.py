"""The hub-facing OSDP-over-MQTT definition for door units (firmware generations 1 and 2).

Both generations speak envelope version 1. A unit's session remembers one thing: the
inputs and local status it last reported. A unit repeats both in every report (its
heartbeat every 30 s too), so a repeat is reported state and a reading, not an event:
``inputs`` and ``local_status`` events are kept for the reports that change them (and an
exit request, which is momentary, always), the first one after the session starts
included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from firmware_protocols.base import (
    Command,
    Definition,
    DeviceKind,
    Event,
    Outbound,
    Uplink,
)
from firmware_protocols.osdp import topics
from firmware_protocols.osdp.downlink import COMMAND_NAMES, encode_hub_command
from firmware_protocols.osdp.uplink import decode_uplink
from firmware_protocols.topic_layout import TopicLayout, TopicsFromModule

CHANGE_EVENTS = frozenset({"inputs", "local_status"})


@dataclass(slots=True)
class OsdpSession:
    device_id: str
    last_reported: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def decode(self, channel: str, payload: bytes) -> Sequence[Uplink]:
        records = decode_uplink(channel, payload)
        if channel != topics.UP:
            return records
        return [r for r in records if not self._repeats(r)]

    def _repeats(self, record: Uplink) -> bool:
        """An inputs or local status event that says what the last one said."""
        if not isinstance(record, Event) or record.type not in CHANGE_EVENTS:
            return False
        last = self.last_reported.get(record.type)
        self.last_reported[record.type] = record.data
        return last == record.data and record.data.get("exit_request") is not True

    def encode_command(self, command: Command) -> Sequence[Outbound]:
        return [encode_hub_command(self.device_id, command)]


@dataclass(frozen=True, slots=True)
class OsdpDefinition(TopicsFromModule):
    topic_layout: ClassVar[TopicLayout] = topics
    protocol: str = "osdp"
    firmware_versions: Sequence[str] = ("1", "2")
    kind: DeviceKind = "door"
    commands: Sequence[str] = COMMAND_NAMES

    def session(self, device_id: str) -> OsdpSession:
        return OsdpSession(device_id)


DEFINITIONS: tuple[Definition, ...] = (OsdpDefinition(),)
