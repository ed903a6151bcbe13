"""The hub-facing Sparkplug B definition for vending machines.

Topics are ``spBv1.0/vending/<type>/<device id>[/vmc]``: the hub's device id is the edge
node id. Subscriptions are **not shared** between hub replicas: a node's ``seq`` and its
metric aliases only make sense to a consumer that sees every message of that node (a
replica given every other DDATA would see a gap in each and could not resolve aliases
from a DBIRTH another replica took). Each replica therefore keeps its own session per
node; the store's unique keys make the duplicated rows harmless.

Channels are the message type for node messages (``NBIRTH``) and ``<type>/<device>``
for device messages (``DDATA/vmc``). NCMD/DCMD are the host's own messages: ``route``
returns None for them, as for the STATE topic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from firmware_protocols.base import (
    CodecError,
    Command,
    Definition,
    DeviceKind,
    DeviceTopics,
    Outbound,
    Subscription,
    Uplink,
)
from firmware_protocols.clock import wall_ms
from firmware_protocols.sparkplug_b.host_session import EdgeNodeSession
from firmware_protocols.sparkplug_b.topics import (
    DEVICE_TYPES,
    NAMESPACE,
    NODE_TYPES,
    MessageType,
    check_id,
    parse_topic,
)
from firmware_protocols.sparkplug_b.vending_commands import COMMAND_NAMES, encode_command
from firmware_protocols.sparkplug_b.vending_model import GROUP_ID
from firmware_protocols.sparkplug_b.vending_uplink import uplinks

Clock = Callable[[], int]  # Unix ms


def parse_channel(channel: str) -> tuple[MessageType, str | None]:
    """(message type, device id) of a channel; CodecError ``unknown_channel``."""
    kind, _, device_id = channel.partition("/")
    try:
        message_type = MessageType(kind)
    except ValueError:
        raise CodecError("unknown_channel", channel) from None
    if message_type.is_device != bool(device_id) or "/" in device_id:
        raise CodecError("unknown_channel", channel)
    return message_type, device_id or None


class VendingSession:
    """One vending machine (edge node) as the hub sees it: Sparkplug state plus mapping."""

    def __init__(self, edge_node_id: str, *, group_id: str = GROUP_ID, clock: Clock) -> None:
        self.edge_node_id = edge_node_id
        self.group_id = group_id
        self._clock = clock
        self._channels: dict[str, tuple[MessageType, str | None]] = {}
        self.node = EdgeNodeSession()

    def decode(self, channel: str, payload: bytes) -> Sequence[Uplink]:
        parsed = self._channels.get(channel)
        if parsed is None:
            parsed = parse_channel(channel)
            if len(self._channels) < 16:  # a node has a handful of channels
                self._channels[channel] = parsed
        return uplinks(self.node.receive(parsed[0], parsed[1], payload))

    def encode_command(self, command: Command) -> Sequence[Outbound]:
        return [encode_command(self.group_id, self.edge_node_id, command, self._clock())]


@dataclass(frozen=True, slots=True)
class SparkplugDefinition:
    """Sparkplug B vending machines, firmware generations 1 and 2 (same wire model)."""

    protocol: str = "sparkplug_b"
    firmware_versions: tuple[str, ...] = ("1", "2")
    kind: DeviceKind = "vending"
    commands: tuple[str, ...] = COMMAND_NAMES
    group_id: str = GROUP_ID
    clock: Clock = field(default=wall_ms)

    def subscriptions(self) -> Sequence[Subscription]:
        node = [f"{NAMESPACE}/{self.group_id}/{t}/+" for t in NODE_TYPES if not t.is_command]
        device = [f"{NAMESPACE}/{self.group_id}/{t}/+/+" for t in DEVICE_TYPES if not t.is_command]
        return [Subscription(f, shared=False, qos=1) for f in (*node, *device)]

    def device_subscriptions(self, device_id: str) -> Sequence[Subscription]:
        """The node's own message types (never its commands: the hub sends those)."""
        base = f"{NAMESPACE}/{self.group_id}"
        node = check_id(device_id, "edge node id")
        node_filters = [f"{base}/{t}/{node}" for t in NODE_TYPES if not t.is_command]
        device_filters = [f"{base}/{t}/{node}/+" for t in DEVICE_TYPES if not t.is_command]
        return [Subscription(f, shared=False, qos=1) for f in (*node_filters, *device_filters)]

    def reply_subscriptions(self) -> Sequence[Subscription]:
        return ()  # replies are metrics of the node's and devices' data messages

    def announce_subscriptions(self) -> Sequence[Subscription]:
        return [Subscription(f"{NAMESPACE}/{self.group_id}/NBIRTH/+", shared=False, qos=1)]

    def route(self, topic: str) -> tuple[str, str] | None:
        if not topic.startswith(f"{NAMESPACE}/{self.group_id}/"):
            return None
        try:
            parsed = parse_topic(topic)
        except CodecError:
            return None
        if parsed.message_type.is_command:
            return None
        if parsed.device_id is None:
            return parsed.edge_node_id, parsed.message_type.value
        return parsed.edge_node_id, f"{parsed.message_type.value}/{parsed.device_id}"

    def device_topics(self, device_id: str) -> DeviceTopics:
        base = f"{NAMESPACE}/{self.group_id}"
        node = check_id(device_id, "edge node id")
        return DeviceTopics(
            publish=[
                *(f"{base}/{t}/{node}" for t in NODE_TYPES if not t.is_command),
                *(f"{base}/{t}/{node}/+" for t in DEVICE_TYPES if not t.is_command),
            ],
            subscribe=[f"{base}/NCMD/{node}", f"{base}/DCMD/{node}/+", f"{NAMESPACE}/STATE/+"],
            status=f"{base}/NDEATH/{node}",
        )

    def session(self, device_id: str) -> VendingSession:
        return VendingSession(device_id, group_id=self.group_id, clock=self.clock)


DEFINITIONS: tuple[Definition, ...] = (SparkplugDefinition(),)
