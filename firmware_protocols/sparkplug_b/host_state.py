"""The host application's STATE message (Sparkplug 3.0).

The hub, as the primary host application, publishes ``{"online": true, "timestamp": ms}``
retained at QoS 1 on ``spBv1.0/STATE/<host id>`` once connected, and registers
``{"online": false, "timestamp": ms}`` (the same timestamp as in its CONNECT) as its MQTT
last will, also retained at QoS 1. Edge nodes ignore a STATE whose timestamp is older
than the last one they saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from firmware_protocols.base import CodecError, Outbound
from firmware_protocols.sparkplug_b.topics import host_state_topic

MAX_STATE_BYTES = 1024


@dataclass(frozen=True, slots=True)
class HostState:
    online: bool
    timestamp: int  # Unix ms


def encode_host_state(state: HostState) -> bytes:
    return json.dumps(
        {"online": state.online, "timestamp": state.timestamp}, separators=(",", ":")
    ).encode()


def decode_host_state(data: bytes) -> HostState:
    """The STATE payload in ``data``; CodecError ``bad_json`` or ``bad_field``."""
    if len(data) > MAX_STATE_BYTES:
        raise CodecError("too_large", f"{len(data)} bytes")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CodecError("bad_json", str(exc)) from None
    if not isinstance(document, dict):
        raise CodecError("bad_json", "not an object")
    online = document.get("online")
    timestamp = document.get("timestamp")
    if not isinstance(online, bool):
        raise CodecError("bad_field", "online must be a boolean")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise CodecError("bad_field", "timestamp must be a non-negative integer (ms)")
    return HostState(online, timestamp)


def host_state_messages(host_id: str, connect_ms: int) -> tuple[Outbound, Outbound]:
    """(birth, will) for a host connecting at ``connect_ms``: publish the first right after
    CONNECT, register the second as the connection's will. Both retained, QoS 1."""
    topic = host_state_topic(host_id)
    online = Outbound(topic, encode_host_state(HostState(True, connect_ms)), qos=1, retain=True)
    offline = Outbound(topic, encode_host_state(HostState(False, connect_ms)), qos=1, retain=True)
    return online, offline
