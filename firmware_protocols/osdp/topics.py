"""MQTT topics of door units: ``osdp/<device_id>/<channel>``.

Device -> hub: ``status`` (JSON, retained, QoS 1, last will), ``up`` (reports, QoS 1),
``reply`` (command replies, QoS 1). Hub -> device: ``cmd`` (QoS 1, never retained).
The hub shares ``up`` among its replicas but not ``reply`` (the replica that issued a
command must see its reply) nor ``status``.
"""

from __future__ import annotations

from firmware_protocols.base import DeviceTopics, Subscription
from firmware_protocols.osdp.errors import OsdpError

PREFIX = "osdp"
STATUS = "status"
UP = "up"
REPLY = "reply"
CMD = "cmd"
UPLINK_CHANNELS = frozenset({STATUS, UP, REPLY})


def topic(device_id: str, channel: str) -> str:
    if not device_id or any(ch in device_id for ch in "/+#\0"):
        raise OsdpError("bad_device_id", f"{device_id!r} cannot be a topic level")
    return f"{PREFIX}/{device_id}/{channel}"


def route(name: str) -> tuple[str, str] | None:
    """(device id, channel) for an uplink topic of this protocol, else None."""
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or parts[2] not in UPLINK_CHANNELS:
        return None
    return parts[1], parts[2]


def subscriptions() -> tuple[Subscription, ...]:
    return (
        Subscription(f"{PREFIX}/+/{STATUS}", shared=False),
        Subscription(f"{PREFIX}/+/{UP}", shared=True),
        Subscription(f"{PREFIX}/+/{REPLY}", shared=False),
    )


def device_subscriptions(device_id: str) -> tuple[Subscription, ...]:
    """One unit's status and reports (its replies: :func:`reply_subscriptions`)."""
    return (
        Subscription(topic(device_id, STATUS), shared=False),
        Subscription(topic(device_id, UP), shared=True),
    )


def reply_subscriptions() -> tuple[Subscription, ...]:
    return (Subscription(f"{PREFIX}/+/{REPLY}", shared=False),)


def announce_subscriptions() -> tuple[Subscription, ...]:
    return (Subscription(f"{PREFIX}/+/{STATUS}", shared=False),)


def device_topics(device_id: str) -> DeviceTopics:
    return DeviceTopics(
        publish=(topic(device_id, STATUS), topic(device_id, UP), topic(device_id, REPLY)),
        subscribe=(topic(device_id, CMD),),
        status=topic(device_id, STATUS),
    )
