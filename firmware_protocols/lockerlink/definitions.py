"""The hub-facing lockerlink definitions: firmware generations 1 and 2.

Both decode either generation (every message names its own ``v``, so a device upgraded
in the field keeps working before its registry entry changes); they differ in the ``v``
they put on commands, which is the generation the device's firmware speaks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from firmware_protocols.base import (
    CodecError,
    Command,
    Definition,
    DeviceKind,
    Outbound,
    Uplink,
)
from firmware_protocols.lockerlink import normalise, topics
from firmware_protocols.lockerlink.commands import from_hub_command
from firmware_protocols.lockerlink.events import decode_event
from firmware_protocols.lockerlink.fields import UNKNOWN_CHANNEL
from firmware_protocols.lockerlink.messages import COMMAND_NAMES, Generation
from firmware_protocols.lockerlink.replies import decode_reply
from firmware_protocols.lockerlink.status import decode_status
from firmware_protocols.lockerlink.telemetry import decode_telemetry
from firmware_protocols.topic_layout import TopicLayout, TopicsFromModule

_DECODERS: Mapping[str, Callable[[bytes], list[Uplink]]] = {
    "status": lambda payload: normalise.status_records(decode_status(payload)),
    "telemetry": lambda payload: normalise.telemetry_records(decode_telemetry(payload)),
    "event": lambda payload: normalise.event_records(decode_event(payload)),
    "reply": lambda payload: normalise.reply_records(decode_reply(payload)),
}


def decode_uplink(channel: str, payload: bytes) -> list[Uplink]:
    """Hub side: base records for one payload on ``channel``; raises CodecError."""
    decoder = _DECODERS.get(channel)
    if decoder is None:
        raise CodecError(UNKNOWN_CHANNEL, f"lockerlink has no uplink channel {channel!r}")
    return decoder(payload)


@dataclass(frozen=True, slots=True)
class LockerlinkSession:
    """Stateless: lockerlink needs no per-device decoding state."""

    device_id: str
    generation: Generation

    def decode(self, channel: str, payload: bytes) -> Sequence[Uplink]:
        return decode_uplink(channel, payload)

    def encode_command(self, command: Command) -> Sequence[Outbound]:
        message = from_hub_command(command, self.generation)
        return [topics.command_outbound(self.device_id, message)]


@dataclass(frozen=True, slots=True)
class LockerlinkDefinition(TopicsFromModule):
    topic_layout: ClassVar[TopicLayout] = topics
    generation: Generation
    firmware_versions: tuple[str, ...]
    protocol: str = "lockerlink"
    kind: DeviceKind = "locker"
    commands: tuple[str, ...] = COMMAND_NAMES

    def session(self, device_id: str) -> LockerlinkSession:
        return LockerlinkSession(device_id, self.generation)


DEFINITIONS: list[Definition] = [
    LockerlinkDefinition(generation=1, firmware_versions=("1",)),
    LockerlinkDefinition(generation=2, firmware_versions=("2",)),
]
