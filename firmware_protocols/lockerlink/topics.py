"""Topic names: ``lockerlink/<device_id>/<channel>``, and what goes with each."""

from __future__ import annotations

from typing import Literal

from firmware_protocols.base import DeviceTopics, Outbound, Subscription
from firmware_protocols.lockerlink.commands import encode_command
from firmware_protocols.lockerlink.events import encode_event
from firmware_protocols.lockerlink.messages import (
    WILL_REASON,
    DeviceCommand,
    DeviceUplink,
    Generation,
    LastWill,
    Reply,
    StatusOffline,
    StatusOnline,
    TelemetryV1,
    TelemetryV2,
)
from firmware_protocols.lockerlink.replies import encode_reply
from firmware_protocols.lockerlink.status import encode_status
from firmware_protocols.lockerlink.telemetry import encode_telemetry

PREFIX = "lockerlink"
Channel = Literal["status", "telemetry", "event", "reply", "cmd"]
UPLINK_CHANNELS: tuple[Channel, ...] = ("status", "telemetry", "event", "reply")
QOS = 1
_FORBIDDEN = frozenset("/+#\x00")


def valid_device_id(device_id: str) -> bool:
    """1..128 characters, none of them ``/``, ``+``, ``#`` or NUL."""
    return 1 <= len(device_id) <= 128 and _FORBIDDEN.isdisjoint(device_id)


def topic(device_id: str, channel: Channel) -> str:
    if not valid_device_id(device_id):
        raise ValueError(f"device id {device_id!r} cannot be a topic level")
    return f"{PREFIX}/{device_id}/{channel}"


def route(name: str) -> tuple[str, str] | None:
    """(device id, channel) for an uplink topic, None for anything else (``cmd`` too)."""
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != PREFIX or parts[2] not in UPLINK_CHANNELS:
        return None
    if not valid_device_id(parts[1]):
        return None
    return parts[1], parts[2]


def subscriptions() -> tuple[Subscription, ...]:
    """Presence and replies reach every hub replica; telemetry and events are shared."""
    return (
        Subscription(f"{PREFIX}/+/status", shared=False, qos=QOS),
        Subscription(f"{PREFIX}/+/reply", shared=False, qos=QOS),
        Subscription(f"{PREFIX}/+/telemetry", shared=True, qos=QOS),
        Subscription(f"{PREFIX}/+/event", shared=True, qos=QOS),
    )


def device_subscriptions(device_id: str) -> tuple[Subscription, ...]:
    """One device's status, telemetry and events (its replies: :func:`reply_subscriptions`)."""
    return (
        Subscription(topic(device_id, "status"), shared=False, qos=QOS),
        Subscription(topic(device_id, "telemetry"), shared=True, qos=QOS),
        Subscription(topic(device_id, "event"), shared=True, qos=QOS),
    )


def reply_subscriptions() -> tuple[Subscription, ...]:
    return (Subscription(f"{PREFIX}/+/reply", shared=False, qos=QOS),)


def announce_subscriptions() -> tuple[Subscription, ...]:
    return (Subscription(f"{PREFIX}/+/status", shared=False, qos=QOS),)


def device_topics(device_id: str) -> DeviceTopics:
    """What one device may publish and subscribe to (broker ACLs, simulators)."""
    return DeviceTopics(
        publish=tuple(topic(device_id, channel) for channel in UPLINK_CHANNELS),
        subscribe=(topic(device_id, "cmd"),),
        status=topic(device_id, "status"),
    )


def uplink_outbound(device_id: str, message: DeviceUplink) -> Outbound:
    """Device side: the MQTT message for an uplink, with its topic, QoS and retain flag."""
    match message:
        case StatusOnline() | StatusOffline() | LastWill():
            return Outbound(topic(device_id, "status"), encode_status(message), QOS, True)
        case TelemetryV1() | TelemetryV2():
            return Outbound(topic(device_id, "telemetry"), encode_telemetry(message), QOS)
        case Reply():
            return Outbound(topic(device_id, "reply"), encode_reply(message), QOS)
        case _:
            return Outbound(topic(device_id, "event"), encode_event(message), QOS)


def will_outbound(device_id: str, v: Generation, reason: str = WILL_REASON) -> Outbound:
    """Device side: the last will to register at CONNECT (status topic, QoS 1, retained)."""
    return uplink_outbound(device_id, LastWill(v=v, reason=reason))


def command_outbound(device_id: str, message: DeviceCommand) -> Outbound:
    """Hub side: the MQTT message for a command (QoS 1, never retained)."""
    return Outbound(topic(device_id, "cmd"), encode_command(message), QOS, False)
