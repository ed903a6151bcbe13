"""Typed values on the wire: ranges, signed integers, floats, arrays, mismatches."""

from __future__ import annotations

import pytest

from firmware_protocols.base import CodecError
from firmware_protocols.sparkplug_b import DataType, Metric, Payload, RawValue
from firmware_protocols.sparkplug_b import sparkplug_b_pb2 as pb
from firmware_protocols.sparkplug_b.datatypes import from_wire, to_wire
from firmware_protocols.sparkplug_b.payload import decode_payload, encode_payload


@pytest.mark.parametrize(
    ("datatype", "value", "wire"),
    [
        (DataType.Int8, -1, ("int_value", 0xFF)),
        (DataType.Int16, -32768, ("int_value", 0x8000)),
        (DataType.Int32, -1, ("int_value", 0xFFFFFFFF)),
        (DataType.Int64, -1, ("long_value", 2**64 - 1)),
        (DataType.UInt8, 255, ("int_value", 255)),
        (DataType.UInt64, 2**64 - 1, ("long_value", 2**64 - 1)),
        (DataType.DateTime, 1_700_000_000_000, ("long_value", 1_700_000_000_000)),
        (DataType.Float, 0.1, ("float_value", 0.10000000149011612)),
        (DataType.Text, "x", ("string_value", "x")),
        (
            DataType.UUID,
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            ("string_value", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        ),
        (DataType.File, b"\x01", ("bytes_value", b"\x01")),
        (DataType.Int16Array, (-1, 2), ("bytes_value", b"\xff\xff\x02\x00")),
        (DataType.BooleanArray, (True,) * 9, ("bytes_value", b"\x09\x00\x00\x00\xff\x80")),
        (DataType.StringArray, ("ab", "c"), ("bytes_value", b"ab\x00c\x00")),
        (DataType.DateTimeArray, (1, 2), ("bytes_value", bytes([1] + [0] * 7 + [2] + [0] * 7))),
    ],
)
def test_wire_form(datatype: DataType, value: object, wire: tuple[str, object]) -> None:
    assert to_wire(datatype, value) == wire  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("datatype", "wire", "value"),
    [
        (DataType.Int8, 0xFFFFFFFF, -1),  # 32-bit sign-extended, as some encoders send
        (DataType.Int8, 0xFF, -1),  # 8-bit two's complement, as we send
        (DataType.Int16, 0xFFFFFFA9, -87),
        (DataType.Int8, 127, 127),
        (DataType.Int32, 0x80000000, -(2**31)),
    ],
)
def test_signed_decoding_accepts_both_conventions(
    datatype: DataType, wire: int, value: int
) -> None:
    assert from_wire(datatype, "int_value", wire) == value


@pytest.mark.parametrize(
    ("datatype", "field", "wire"),
    [
        (DataType.Int8, "int_value", 0x100),  # neither form of an 8-bit value
        (DataType.Int8, "int_value", 0xFFFF0000),
        (DataType.UInt8, "int_value", 256),
        (DataType.UInt32, "long_value", 2**32),
        (DataType.Boolean, "int_value", 1),
        (DataType.String, "bytes_value", b"x"),
        (DataType.Int32Array, "bytes_value", b"\x00\x00\x00"),
        (DataType.BooleanArray, "bytes_value", b"\x09\x00\x00\x00\xff"),
        (DataType.StringArray, "bytes_value", b"ab"),
        (DataType.StringArray, "bytes_value", b"\xff\x00"),
    ],
)
def test_mismatched_wire_values_are_codec_errors(
    datatype: DataType, field: str, wire: object
) -> None:
    with pytest.raises(CodecError) as caught:
        from_wire(datatype, field, wire)  # type: ignore[arg-type]
    assert caught.value.reason == "bad_value"


@pytest.mark.parametrize(
    ("datatype", "value"),
    [
        (DataType.Int8, 128),
        (DataType.UInt16, -1),
        (DataType.UInt32, True),
        (DataType.Float, "1"),
        (DataType.Float, 1e39),
        (DataType.Boolean, 1),
        (DataType.String, b"x"),
        (DataType.UInt8Array, (256,)),
        (DataType.StringArray, ("a\0b",)),
        (DataType.Template, b"x"),
    ],
)
def test_values_the_datatype_cannot_carry_are_refused(datatype: DataType, value: object) -> None:
    with pytest.raises(CodecError, match="bad_value"):
        to_wire(datatype, value)  # type: ignore[arg-type]


def test_unknown_datatype_number_is_a_codec_error() -> None:
    message = pb.Payload()
    message.metrics.add(name="x", datatype=99, int_value=1)
    with pytest.raises(CodecError) as caught:
        decode_payload(message.SerializeToString())
    assert caught.value.reason == "unknown_datatype"


def test_dataset_passes_through_as_raw_protobuf() -> None:
    dataset = pb.Payload.DataSet(num_of_columns=1, columns=["a"], types=[DataType.Int32])
    raw = RawValue("dataset_value", dataset.SerializeToString())
    payload = Payload(
        timestamp=1, metrics=(Metric(name="t", datatype=DataType.DataSet, value=raw),)
    )
    decoded = decode_payload(encode_payload(payload))
    assert decoded == payload
    assert pb.Payload.DataSet.FromString(raw.data).columns == ["a"]


def test_metric_without_birth_keeps_the_natural_value() -> None:
    message = pb.Payload(timestamp=1, seq=4)
    message.metrics.add(alias=9, long_value=5)
    metric = decode_payload(message.SerializeToString()).metrics[0]
    assert metric == Metric(name=None, alias=9, datatype=DataType.Unknown, value=5)
