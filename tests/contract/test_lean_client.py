"""The lean MQTT 5 PUBLISH decoder (``mqtt_link/lean_client.py``) overrides a private paho
method and reads private paho attributes, for a measured gain written beside it. These tests
hold it to the paho version it was measured and checked with, check the private names it
needs are there, and check it gives exactly what paho's own decoder gives."""

from __future__ import annotations

import struct
from typing import Any

import paho.mqtt
import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from mqtt_link.lean_client import LeanClient

PAHO_VERSION_CHECKED = "2.2.0"  # the version LeanClient's figures were measured with

MESSAGE_EXPIRY = b"\x02\x00\x00\x00\x3c"  # property 2, four-byte integer 60
USER_PROPERTY = b"\x26\x00\x01k\x00\x01v"
# A PUBLISH's parts as both tests below draw them (QoS is each test's own).
TOPICS = st.text(min_size=0, max_size=40).map(str.encode)
PAYLOADS = st.binary(max_size=300)
PACKET_IDS = st.integers(1, 65_535)


def test_paho_is_the_version_the_lean_decoder_was_measured_with() -> None:
    assert paho.mqtt.__version__ == PAHO_VERSION_CHECKED, (
        f"paho-mqtt is {paho.mqtt.__version__}, not {PAHO_VERSION_CHECKED}: "
        "mqtt_link/lean_client.py overrides paho's private _handle_publish and reads "
        "_in_packet, _protocol and _manual_ack. Read the new paho's _handle_publish, make "
        "the other tests here pass, measure again (python -m tests.support.receive_rates "
        '--baselines "" --compare-decoders), then update the figures in lean_client.py, '
        "PAHO_VERSION_CHECKED and paho-mqtt's bounds in pyproject.toml; or drop LeanClient "
        "if the gain is gone."
    )


def test_the_private_names_the_lean_decoder_uses_are_there() -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, manual_ack=True)
    assert {"command", "packet"} <= set(client._in_packet)
    assert client._protocol == mqtt.MQTTv5
    assert client._manual_ack is True
    for method in ("_handle_publish", "_send_puback", "_handle_on_message"):
        assert callable(getattr(client, method, None)), f"paho.mqtt.client.Client.{method}"
    assert LeanClient._handle_publish is not mqtt.Client._handle_publish


def publish_body(
    topic: bytes, payload: bytes, qos: int, mid: int, properties: bytes | None
) -> bytes:
    body = struct.pack("!H", len(topic)) + topic
    if qos:
        body += struct.pack("!H", mid)
    if properties is not None:
        body += bytes([len(properties)]) + properties
    return body + payload


def handle(client_class: type[mqtt.Client], protocol: Any, header: int, body: bytes) -> Any:
    """What a client makes of one PUBLISH: its result and the message it hands on."""
    client = client_class(CallbackAPIVersion.VERSION2, protocol=protocol, manual_ack=True)
    seen: list[mqtt.MQTTMessage] = []
    client.on_message = lambda c, u, m: seen.append(m)
    client._in_packet["command"] = header
    client._in_packet["packet"] = bytearray(body)
    try:
        rc = client._handle_publish()
    except Exception as exc:  # compared: whatever paho raises, the lean one must too
        return ("raised", type(exc))
    return (
        rc,
        [(m._topic, m.payload, m.qos, m.mid, m.retain, m.dup, type(m.payload)) for m in seen],
    )


@settings(max_examples=300, deadline=None)
@given(
    topic=TOPICS,
    payload=PAYLOADS,
    qos=st.integers(0, 2),
    mid=PACKET_IDS,
    retain=st.booleans(),
    dup=st.booleans(),
    properties=st.sampled_from([b"", MESSAGE_EXPIRY, USER_PROPERTY, None]),
    protocol=st.sampled_from([mqtt.MQTTv5, mqtt.MQTTv311]),
)
def test_decodes_like_paho(
    topic: bytes,
    payload: bytes,
    qos: int,
    mid: int,
    retain: bool,
    dup: bool,
    properties: bytes | None,
    protocol: Any,
) -> None:
    if protocol == mqtt.MQTTv311:
        properties = None
    header = 0x30 | (qos << 1) | retain | (dup << 3)
    body = publish_body(topic, payload, qos, mid, properties)
    assert handle(LeanClient, protocol, header, body) == handle(mqtt.Client, protocol, header, body)


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00", b"\x00\x05ab", b"\x00\x02ab", b"\x00\x02ab\x00", b"\x00\x02ab\x00\x01"],
)
@pytest.mark.parametrize("qos", [0, 1])
def test_malformed_packets_fare_as_with_paho(body: bytes, qos: int) -> None:
    header = 0x30 | (qos << 1)
    expected = handle(mqtt.Client, mqtt.MQTTv5, header, body)
    assert handle(LeanClient, mqtt.MQTTv5, header, body) == expected


def test_the_lean_path_is_taken_only_without_properties() -> None:
    def properties_of(client_class: type[mqtt.Client], properties: bytes) -> Any:
        client = client_class(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        seen: list[mqtt.MQTTMessage] = []
        client.on_message = lambda c, u, m: seen.append(m)
        client._in_packet["command"] = 0x30
        client._in_packet["packet"] = bytearray(publish_body(b"t", b"p", 0, 0, properties))
        client._handle_publish()
        return seen[0].properties

    assert properties_of(LeanClient, b"") is None  # no Properties object built
    assert properties_of(mqtt.Client, b"") is not None
    assert properties_of(LeanClient, MESSAGE_EXPIRY).MessageExpiryInterval == 60


@settings(max_examples=200, deadline=None)
@given(
    topic=TOPICS,
    payload=PAYLOADS,
    qos=st.integers(0, 1),
    mid=PACKET_IDS,
    retain=st.booleans(),
)
def test_the_sink_gets_what_paho_would_hand_on(
    topic: bytes, payload: bytes, qos: int, mid: int, retain: bool
) -> None:
    header = 0x30 | (qos << 1) | retain
    body = publish_body(topic, payload, qos, mid, b"")
    _, [(p_topic, p_payload, p_qos, p_mid, p_retain, _dup, _type)] = handle(
        mqtt.Client, mqtt.MQTTv5, header, body
    )
    client = LeanClient(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, manual_ack=True)
    sunk: list[tuple[bytes, bytes, int, bool, int]] = []
    client.on_message = lambda c, u, m: pytest.fail("the sink, not on_message, takes it")
    client.publish_sink = lambda *args: sunk.append(args)
    client._in_packet["command"] = header
    client._in_packet["packet"] = bytearray(body)
    assert client._handle_publish() == mqtt.MQTT_ERR_SUCCESS
    assert sunk == [(p_topic, p_payload, p_qos, p_retain, p_mid)]
    assert all(type(part) is bytes for part in sunk[0][:2])
