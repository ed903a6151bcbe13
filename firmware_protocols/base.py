"""What every protocol definition gives the hub: typed uplink records, commands, topics.

Decoders are pure: bytes in, records out, or :class:`CodecError`. Nothing here does I/O.
A device-side codec (used by the simulators and described in each ``PROTOCOL.md``) lives
in the protocol's own package; this module is only the hub-facing contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, Protocol

DeviceKind = Literal["locker", "vending", "door"]
DEVICE_KINDS: tuple[DeviceKind, ...] = ("locker", "vending", "door")


class CodecError(ValueError):
    """The one error a decoder raises for bad input. ``reason`` is a short stable code
    (used as a metrics label and in the dead-letter table); ``detail`` is for humans."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# ---------------------------------------------------------------- uplink records
@dataclass(frozen=True, slots=True)
class Presence:
    """The device says it is online or offline (status message, last will, birth, death)."""

    online: bool
    reason: str
    ts_ms: int | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)


# The three records of nearly every message are named tuples, not frozen dataclasses: as
# immutable, and several times cheaper to build (a frozen dataclass sets each field through
# object.__setattr__), which the ingest's profile showed at 8 % of a worker's time.
class Telemetry(NamedTuple):
    """Numeric readings. ``seq`` is the per-device message key used for de-duplication."""

    seq: int
    ts_ms: int
    metrics: Mapping[str, float]


class Event(NamedTuple):
    """Something that happened on the device (deposit, card read, vend, tamper...)."""

    seq: int
    ts_ms: int
    type: str
    data: Mapping[str, Any] = MappingProxyType({})


class StateReport(NamedTuple):
    """A (partial) reported state for the twin; keys are merged into the reported state."""

    state: Mapping[str, Any]


CommandStatus = Literal["accepted", "rejected", "expired", "replayed", "confirmed", "failed"]


@dataclass(frozen=True, slots=True)
class CommandReply:
    """The device's answer to a command: accepted/rejected/expired/replayed, later confirmed
    (the thing physically happened) or failed."""

    command_id: str
    status: CommandStatus
    reason: str | None = None
    ts_ms: int | None = None


@dataclass(frozen=True, slots=True)
class SequenceGap:
    """A stateful session noticed missing messages (Sparkplug seq); the hub should ask for a
    rebirth."""

    expected: int
    received: int


Uplink = Presence | Telemetry | Event | StateReport | CommandReply | SequenceGap


# ---------------------------------------------------------------- downlink
@dataclass(frozen=True, slots=True)
class Command:
    """A command for one device. Every command carries an id and an absolute expiry;
    firmware refuses one that is past its expiry or whose id it has seen before."""

    command_id: str
    name: str
    params: Mapping[str, Any]
    expires_at_ms: int


@dataclass(frozen=True, slots=True)
class Outbound:
    """One MQTT message to publish. Commands are never retained."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Subscription:
    """A topic filter the hub subscribes to. ``shared`` filters go through
    ``$share/<group>/`` so replicas split the load; command replies are not shared."""

    topic_filter: str
    shared: bool
    qos: int = 1


@dataclass(frozen=True, slots=True)
class DeviceTopics:
    """The topics one device may use: for broker ACLs and for simulators."""

    publish: Sequence[str]
    subscribe: Sequence[str]
    status: str | None = None  # where presence and the last will go, if the protocol has one


class DeviceSession(Protocol):
    """Per-device decoding and encoding state (Sparkplug aliases and seq; others stateless)."""

    def decode(self, channel: str, payload: bytes) -> Sequence[Uplink]:
        """Decode one message that arrived on this device's ``channel``; raise CodecError."""
        ...

    def encode_command(self, command: Command) -> Sequence[Outbound]:
        """Encode a command for this device; raise CodecError if it does not support it."""
        ...


class Definition(Protocol):
    """A protocol at one firmware version, as the hub sees it."""

    @property
    def protocol(self) -> str: ...

    @property
    def firmware_versions(self) -> Sequence[str]:
        """Firmware versions this definition serves (exact strings, or major like "2")."""
        ...

    @property
    def kind(self) -> DeviceKind: ...

    @property
    def commands(self) -> Sequence[str]:
        """Command names ``encode_command`` supports."""
        ...

    def subscriptions(self) -> Sequence[Subscription]:
        """Hub-wide topic filters for every device of this protocol."""
        ...

    def device_subscriptions(self, device_id: str) -> Sequence[Subscription]:
        """The filters for one device's uplinks, command replies on a topic of their own
        excepted (those are :meth:`reply_subscriptions`)."""
        ...

    def reply_subscriptions(self) -> Sequence[Subscription]:
        """Hub-wide filters for command replies that have a topic of their own (none
        when replies travel inside device data, as in Sparkplug B)."""
        ...

    def announce_subscriptions(self) -> Sequence[Subscription]:
        """Hub-wide filters for what every device sends when it comes online (status,
        birth): how the hub notices a device that is not in its registry."""
        ...

    def route(self, topic: str) -> tuple[str, str] | None:
        """(device id, channel) for a topic of this protocol, or None if not ours."""
        ...

    def device_topics(self, device_id: str) -> DeviceTopics: ...

    def session(self, device_id: str) -> DeviceSession: ...
