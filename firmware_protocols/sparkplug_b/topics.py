"""The Sparkplug B topic namespace: ``spBv1.0/<group>/<type>/<edge node>[/<device>]`` and
the host application's ``spBv1.0/STATE/<host id>``.

Ids are non-empty UTF-8 and must not contain ``/``, ``+`` or ``#`` (Sparkplug 3.0).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from firmware_protocols.base import CodecError

NAMESPACE = "spBv1.0"
STATE = "STATE"


class MessageType(enum.StrEnum):
    NBIRTH = "NBIRTH"
    NDEATH = "NDEATH"
    NDATA = "NDATA"
    NCMD = "NCMD"
    DBIRTH = "DBIRTH"
    DDEATH = "DDEATH"
    DDATA = "DDATA"
    DCMD = "DCMD"

    @property
    def is_device(self) -> bool:
        """Device messages have a device id in their topic; node messages do not."""
        return self._value_[0] == "D"  # _value_ skips the enum descriptor: this is hot

    @property
    def is_command(self) -> bool:
        return self._value_[-3:] == "CMD"

    @property
    def has_seq(self) -> bool:
        """Messages an edge node numbers with ``seq`` (all it sends except NDEATH)."""
        return not self.is_command and self is not MessageType.NDEATH


NODE_TYPES = tuple(t for t in MessageType if not t.is_device)
DEVICE_TYPES = tuple(t for t in MessageType if t.is_device)


def check_id(value: str, what: str) -> str:
    """``value`` if it is a valid Sparkplug id; CodecError ``bad_topic`` otherwise."""
    if not value or any(c in value for c in "/+#"):
        raise CodecError("bad_topic", f"invalid {what} {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed edge node or device topic."""

    group_id: str
    message_type: MessageType
    edge_node_id: str
    device_id: str | None = None

    def __post_init__(self) -> None:
        check_id(self.group_id, "group id")
        check_id(self.edge_node_id, "edge node id")
        if self.message_type.is_device:
            if self.device_id is None:
                raise CodecError("bad_topic", f"{self.message_type} needs a device id")
            check_id(self.device_id, "device id")
        elif self.device_id is not None:
            raise CodecError("bad_topic", f"{self.message_type} has no device id")

    def __str__(self) -> str:
        parts = [NAMESPACE, self.group_id, self.message_type.value, self.edge_node_id]
        if self.device_id is not None:
            parts.append(self.device_id)
        return "/".join(parts)


def build_topic(
    group_id: str, message_type: MessageType, edge_node_id: str, device_id: str | None = None
) -> str:
    """The topic string; CodecError ``bad_topic`` for invalid ids or a missing device id."""
    return str(Topic(group_id, message_type, edge_node_id, device_id))


def parse_topic(topic: str) -> Topic:
    """The edge node or device topic in ``topic``; CodecError ``bad_topic`` otherwise
    (including the STATE topic, see :func:`parse_host_state_topic`)."""
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != NAMESPACE:
        raise CodecError("bad_topic", topic)
    try:
        message_type = MessageType(parts[2])
    except ValueError:
        raise CodecError("bad_topic", f"unknown message type in {topic!r}") from None
    device_id = parts[4] if len(parts) == 5 else None
    return Topic(parts[1], message_type, parts[3], device_id)


def host_state_topic(host_id: str) -> str:
    """``spBv1.0/STATE/<host_id>`` (Sparkplug 3.0)."""
    return f"{NAMESPACE}/{STATE}/{check_id(host_id, 'host id')}"


def parse_host_state_topic(topic: str) -> str | None:
    """The host id of a STATE topic, or None if ``topic`` is not one."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != NAMESPACE or parts[1] != STATE:
        return None
    try:
        return check_id(parts[2], "host id")
    except CodecError:
        return None
