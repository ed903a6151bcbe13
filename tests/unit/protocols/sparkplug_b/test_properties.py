"""Property tests: decoders raise only CodecError; encode then decode is the identity."""

from __future__ import annotations

import dataclasses
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_protocols.base import CodecError, Uplink
from firmware_protocols.sparkplug_b import (
    AliasTable,
    DataType,
    EdgeNode,
    EdgeNodeSession,
    MessageType,
    Metric,
    Payload,
    decode_host_state,
    decode_payload,
    encode_payload,
    parse_topic,
)
from firmware_protocols.sparkplug_b import sparkplug_b_pb2 as pb
from firmware_protocols.sparkplug_b.definitions import SparkplugDefinition, parse_channel
from firmware_protocols.sparkplug_b.vending_commands import COMMAND_NAMES, parse_command
from firmware_protocols.sparkplug_b.vending_model import (
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
)

U64 = st.integers(0, 2**64 - 1)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = 1_700_000_000_000


def _ints(bits: int, signed: bool) -> st.SearchStrategy[int]:
    return (
        st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        if signed
        else st.integers(0, 2**bits - 1)
    )


FLOAT32 = st.floats(width=32, allow_nan=False)
DOUBLE = st.floats(allow_nan=False)
TEXT = st.text(st.characters(codec="utf-8"), max_size=8)
NO_NUL = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=6)
NAMES = st.sampled_from(["bdSeq", "Cabinet/Temperature", "Slot/12/Stock", "冷柜/温度", "ü", ""])
VALUES: dict[DataType, st.SearchStrategy[object]] = {
    DataType.Int8: _ints(8, True),
    DataType.Int16: _ints(16, True),
    DataType.Int32: _ints(32, True),
    DataType.Int64: _ints(64, True),
    DataType.UInt8: _ints(8, False),
    DataType.UInt16: _ints(16, False),
    DataType.UInt32: _ints(32, False),
    DataType.UInt64: U64,
    DataType.DateTime: U64,
    DataType.Float: FLOAT32,
    DataType.Double: DOUBLE,
    DataType.Boolean: st.booleans(),
    DataType.String: TEXT,
    DataType.Text: TEXT,
    DataType.UUID: st.uuids().map(str),
    DataType.Bytes: st.binary(max_size=20),
    DataType.File: st.binary(max_size=20),
    DataType.Int8Array: st.lists(_ints(8, True), max_size=5).map(tuple),
    DataType.Int16Array: st.lists(_ints(16, True), max_size=5).map(tuple),
    DataType.Int32Array: st.lists(_ints(32, True), max_size=5).map(tuple),
    DataType.Int64Array: st.lists(_ints(64, True), max_size=5).map(tuple),
    DataType.UInt8Array: st.lists(_ints(8, False), max_size=5).map(tuple),
    DataType.UInt16Array: st.lists(_ints(16, False), max_size=5).map(tuple),
    DataType.UInt32Array: st.lists(_ints(32, False), max_size=5).map(tuple),
    DataType.UInt64Array: st.lists(U64, max_size=5).map(tuple),
    DataType.FloatArray: st.lists(FLOAT32, max_size=5).map(tuple),
    DataType.DoubleArray: st.lists(DOUBLE, max_size=5).map(tuple),
    DataType.BooleanArray: st.lists(st.booleans(), max_size=20).map(tuple),
    DataType.StringArray: st.lists(NO_NUL, max_size=4).map(tuple),
    DataType.DateTimeArray: st.lists(U64, max_size=5).map(tuple),
}


# Strategies are built once: building them inside a composite costs validation per draw.
DATATYPES = st.sampled_from(sorted(VALUES))
MAYBE_VALUE = {datatype: st.none() | values for datatype, values in VALUES.items()}
MAYBE_U64 = st.none() | U64
FLAGS = st.sampled_from([(False, False), (True, False), (False, True), (True, True)])


@st.composite
def metrics(draw: st.DrawFn) -> Metric:
    datatype = draw(DATATYPES)
    historical, transient = draw(FLAGS)
    return Metric(
        name=draw(NAMES),
        datatype=datatype,
        value=draw(MAYBE_VALUE[datatype]),
        timestamp=draw(MAYBE_U64),
        is_historical=historical,
        is_transient=transient,
    )


METRIC_LISTS = st.lists(metrics(), max_size=5)
MAYBE_SEQ = st.none() | st.integers(0, 255)
MAYBE_TEXT = st.none() | TEXT
MAYBE_BODY = st.none() | st.binary(max_size=10)


@st.composite
def payloads(draw: st.DrawFn) -> Payload:
    drawn = draw(METRIC_LISTS)
    return Payload(
        timestamp=draw(MAYBE_U64),
        seq=draw(MAYBE_SEQ),
        uuid=draw(MAYBE_TEXT),
        body=draw(MAYBE_BODY),
        metrics=tuple(dataclasses.replace(m, alias=i + 1) for i, m in enumerate(drawn)),
    )


@settings(max_examples=2000, deadline=None)
@given(payloads())
def test_encode_then_decode_is_identity(payload: Payload) -> None:
    assert decode_payload(encode_payload(payload)) == payload


@settings(max_examples=200, deadline=None)
@given(payloads())
def test_alias_only_data_decodes_to_the_birth_names_and_types(birth: Payload) -> None:
    data = dataclasses.replace(
        birth, metrics=tuple(dataclasses.replace(m, name=None) for m in birth.metrics)
    )
    raw = encode_payload(data, include_datatypes=False)
    assert decode_payload(raw, AliasTable(birth.metrics)) == birth


# ---------------------------------------------------------------- nothing but CodecError
@st.composite
def protobuf_payloads(draw: st.DrawFn) -> bytes:
    """Well-formed protobuf with arbitrary (often inconsistent) Sparkplug contents."""
    message = pb.Payload()
    if draw(st.booleans()):
        message.timestamp = draw(U64)
    if draw(st.booleans()):
        message.seq = draw(st.sampled_from([0, 1, 2, 3, 255, 256]) | U64)
    for _ in range(draw(st.integers(0, 4))):
        metric = message.metrics.add()
        if draw(st.booleans()):
            metric.name = draw(
                st.sampled_from(
                    [
                        "bdSeq",
                        "Vend/Slot",
                        "Fault/Code",
                        "Command/Reply/Id",
                        "Command/Reply/Status",
                        "Slot/3/Stock",
                        "Cabinet/Door",
                        "Cabinet/Setpoint",
                        "Command/Id",
                        "Node Control/Rebirth",
                    ]
                )
                | TEXT
            )
        if draw(st.booleans()):
            metric.alias = draw(st.integers(0, 40))
        if draw(st.booleans()):
            metric.datatype = draw(st.integers(0, 40))
        metric.is_null = draw(st.booleans())
        field = draw(
            st.sampled_from(
                [
                    "int_value",
                    "long_value",
                    "float_value",
                    "double_value",
                    "boolean_value",
                    "string_value",
                    "bytes_value",
                    None,
                ]
            )
        )
        values = {
            "int_value": st.integers(0, 2**32 - 1),
            "long_value": U64,
            "float_value": st.floats(width=32),
            "double_value": st.floats(),
            "boolean_value": st.booleans(),
            "string_value": TEXT,
            "bytes_value": st.binary(max_size=12),
        }
        if field is not None:
            setattr(metric, field, draw(values[field]))
    return message.SerializeToString()


ANY_BYTES = st.binary(max_size=200) | protobuf_payloads()


def _only_codec_errors(call, *args):  # type: ignore[no-untyped-def]
    """``call(*args)``, or None if it raised CodecError; anything else fails the test."""
    try:
        return call(*args)
    except CodecError as exc:
        assert exc.reason and " " not in exc.reason  # a stable code usable as a label
        return None


@functools.cache
def _births() -> tuple[bytes, bytes]:
    node = EdgeNode("vending", "vm-1")
    node.connect(T0)
    nbirth = node.nbirth(node_birth_metrics("1", "M"), T0).payload
    metrics = device_birth_metrics(
        temperature_c=1.0,
        setpoint_c=4.0,
        door_open=False,
        compressor_on=False,
        slots={3: SlotState(1, 2, 3)},
    )
    return nbirth, node.dbirth("vmc", metrics, T0).payload


def _born_hub() -> EdgeNodeSession:
    nbirth, dbirth = _births()
    session = EdgeNodeSession()
    session.receive(MessageType.NBIRTH, None, nbirth)
    session.receive(MessageType.DBIRTH, "vmc", dbirth)
    return session


def _born_node() -> EdgeNode:
    node = EdgeNode("vending", "vm-1")
    node.connect(T0)
    node.nbirth(node_birth_metrics("1", "M"), T0)
    node.dbirth(
        "vmc",
        device_birth_metrics(
            temperature_c=1.0,
            setpoint_c=4.0,
            door_open=False,
            compressor_on=False,
            slots={},
        ),
        T0,
    )
    return node


@FUZZ
@given(ANY_BYTES)
def test_payload_and_state_decoders(data: bytes) -> None:
    _only_codec_errors(decode_payload, data)
    _only_codec_errors(decode_payload, data, AliasTable(node_birth_metrics("1", "M")))
    _only_codec_errors(decode_host_state, data)


@FUZZ
@given(st.sampled_from(list(MessageType)), ANY_BYTES, ANY_BYTES)
def test_host_session_after_birth(message_type: MessageType, first: bytes, second: bytes) -> None:
    session = _born_hub()
    device = "vmc" if message_type.is_device else None
    _only_codec_errors(session.receive, message_type, device, first)
    _only_codec_errors(session.receive, message_type, device, second)


@FUZZ
@given(
    st.sampled_from(
        [
            "NBIRTH",
            "NDEATH",
            "NDATA",
            "DBIRTH/vmc",
            "DDATA/vmc",
            "DDEATH/vmc",
            "DDATA/other",
            "NCMD",
            "DCMD/vmc",
        ]
    )
    | st.text(max_size=12),
    st.lists(ANY_BYTES, min_size=1, max_size=3),
)
def test_vending_session_decode(channel: str, messages: list[bytes]) -> None:
    session = SparkplugDefinition(clock=lambda: T0).session("vm-1")
    session.node = _born_hub()
    for data in messages:
        records = _only_codec_errors(session.decode, channel, data)
        assert records is None or all(isinstance(r, Uplink) for r in records)
    _only_codec_errors(parse_channel, channel)


@FUZZ
@given(st.sampled_from(["spBv1.0/vending/NCMD/vm-1", "spBv1.0/vending/DCMD/vm-1/vmc"]), ANY_BYTES)
def test_firmware_command_decoding(topic: str, data: bytes) -> None:
    command = _only_codec_errors(_born_node().decode_command, topic, data)
    if command is not None:
        parsed = _only_codec_errors(parse_command, command)
        assert parsed is None or parsed.name in COMMAND_NAMES


@FUZZ
@given(
    st.text(max_size=60)
    | st.lists(
        st.sampled_from(["spBv1.0", "vending", "NBIRTH", "DDATA", "STATE", "", "+", "x"]),
        max_size=6,
    ).map("/".join)
)
def test_topic_parsing(topic: str) -> None:
    _only_codec_errors(parse_topic, topic)
    assert SparkplugDefinition().route(topic) is None or topic.startswith("spBv1.0/vending/")
