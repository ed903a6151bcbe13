"""Topic namespace and the host STATE message."""

from __future__ import annotations

import json

import pysparkplug as psp
import pytest

from firmware_protocols.base import CodecError
from firmware_protocols.sparkplug_b import (
    HostState,
    MessageType,
    Topic,
    build_topic,
    decode_host_state,
    encode_host_state,
    host_state_messages,
    host_state_topic,
    parse_host_state_topic,
    parse_topic,
)


@pytest.mark.parametrize("message_type", list(MessageType))
def test_every_type_round_trips_and_agrees_with_pysparkplug(message_type: MessageType) -> None:
    device = "vmc" if message_type.is_device else None
    topic = build_topic("vending", message_type, "vm-0001", device)
    assert parse_topic(topic) == Topic("vending", message_type, "vm-0001", device)
    theirs = psp.Topic.from_str(topic)
    assert (theirs.group_id, theirs.message_type, theirs.edge_node_id, theirs.device_id) == (
        "vending",
        message_type.value,
        "vm-0001",
        device,
    )


def test_known_shapes() -> None:
    assert (
        build_topic("vending", MessageType.DDATA, "vm-7", "vmc") == "spBv1.0/vending/DDATA/vm-7/vmc"
    )
    assert str(parse_topic("spBv1.0/vending/NDEATH/vm-7")) == "spBv1.0/vending/NDEATH/vm-7"
    assert MessageType.NDEATH.has_seq is False and MessageType.DDEATH.has_seq is True
    assert MessageType.NCMD.is_command and not MessageType.NCMD.is_device


@pytest.mark.parametrize(
    "topic",
    [
        "spBv1.0/vending/NBIRTH",
        "spBv1.0/vending/NBIRTH/vm-1/vmc",  # node type with a device
        "spBv1.0/vending/DDATA/vm-1",  # device type without one
        "spBv1.0/vending/XDATA/vm-1",
        "spAv1.0/vending/NBIRTH/vm-1",
        "spBv1.0//NBIRTH/vm-1",
        "spBv1.0/vending/DDATA/vm-1/vmc/extra",
        "spBv1.0/STATE/hub",
    ],
)
def test_bad_topics_are_codec_errors(topic: str) -> None:
    with pytest.raises(CodecError) as caught:
        parse_topic(topic)
    assert caught.value.reason == "bad_topic"


@pytest.mark.parametrize("bad", ["", "a/b", "a+", "#"])
def test_ids_with_mqtt_specials_are_refused(bad: str) -> None:
    with pytest.raises(CodecError):
        build_topic("vending", MessageType.NBIRTH, bad)
    with pytest.raises(CodecError):
        host_state_topic(bad)


def test_state_topic_and_payload() -> None:
    assert host_state_topic("hub") == "spBv1.0/STATE/hub"
    assert parse_host_state_topic("spBv1.0/STATE/hub") == "hub"
    assert parse_host_state_topic("spBv1.0/vending/NBIRTH/x") is None
    online, will = host_state_messages("hub", 1_700_000_000_000)
    assert (online.topic, online.qos, online.retain) == ("spBv1.0/STATE/hub", 1, True)
    assert (will.topic, will.qos, will.retain) == ("spBv1.0/STATE/hub", 1, True)
    assert json.loads(online.payload) == {"online": True, "timestamp": 1_700_000_000_000}
    assert decode_host_state(will.payload) == HostState(False, 1_700_000_000_000)
    theirs = psp.State.decode(online.payload)
    assert (theirs.online, theirs.timestamp) == (True, 1_700_000_000_000)
    assert decode_host_state(psp.State(timestamp=5, online=False).encode()) == HostState(False, 5)
    assert encode_host_state(HostState(True, 5)) == b'{"online":true,"timestamp":5}'


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "bad_json"),
        (b"\xff", "bad_json"),
        (b"[]", "bad_json"),
        (b'{"online": 1, "timestamp": 5}', "bad_field"),
        (b'{"online": true}', "bad_field"),
        (b'{"online": true, "timestamp": 5.5}', "bad_field"),
        (b'{"online": true, "timestamp": -1}', "bad_field"),
        (b"[" * 2000, "too_large"),
    ],
)
def test_bad_state_payloads(data: bytes, reason: str) -> None:
    with pytest.raises(CodecError) as caught:
        decode_host_state(data)
    assert caught.value.reason == reason
