"""Sparkplug B datatypes and how a typed Python value travels in a protobuf ``Metric``.

Python values per datatype:

- ``Int8`` .. ``Int64``, ``UInt8`` .. ``UInt64``: ``int`` (range checked);
- ``Float``, ``Double``: ``float`` (a ``Float`` is carried as IEEE 754 single);
- ``Boolean``: ``bool``; ``String``, ``Text``, ``UUID``: ``str``;
- ``DateTime``: ``int``, milliseconds since the Unix epoch (UTC);
- ``Bytes``, ``File``: ``bytes``; ``<Type>Array``: a tuple of the element type;
- ``DataSet``, ``Template``: :class:`RawValue`, the sub-message's protobuf bytes, passed
  through unparsed (our vending model uses neither);
- a null metric: ``None``.

Signed integers: the published schema has only unsigned fields. We encode a negative
``IntN`` as N-bit two's complement (``Int8`` -1 is ``int_value`` 255, as pysparkplug and
Tahu's Java decoder expect) and decode both that and the 32-bit sign-extended form
(4294967295) that several implementations send.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Literal

from firmware_protocols.base import CodecError


class DataType(enum.IntEnum):
    """The ``DataType`` enum of the published ``sparkplug_b.proto``."""

    Unknown = 0
    Int8 = 1
    Int16 = 2
    Int32 = 3
    Int64 = 4
    UInt8 = 5
    UInt16 = 6
    UInt32 = 7
    UInt64 = 8
    Float = 9
    Double = 10
    Boolean = 11
    String = 12
    DateTime = 13
    Text = 14
    UUID = 15
    DataSet = 16
    Bytes = 17
    File = 18
    Template = 19
    PropertySet = 20
    PropertySetList = 21
    Int8Array = 22
    Int16Array = 23
    Int32Array = 24
    Int64Array = 25
    UInt8Array = 26
    UInt16Array = 27
    UInt32Array = 28
    UInt64Array = 29
    FloatArray = 30
    DoubleArray = 31
    BooleanArray = 32
    StringArray = 33
    DateTimeArray = 34


RawField = Literal["dataset_value", "template_value", "extension_value"]


@dataclass(frozen=True, slots=True)
class RawValue:
    """A ``DataSet``/``Template`` (or extension) value kept as its serialized sub-message."""

    field: RawField
    data: bytes


ArrayValue = tuple[int, ...] | tuple[float, ...] | tuple[bool, ...] | tuple[str, ...]
MetricValue = int | float | bool | str | bytes | ArrayValue | RawValue | None
WireValue = int | float | bool | str | bytes | RawValue

_SIGNED_BITS = {DataType.Int8: 8, DataType.Int16: 16, DataType.Int32: 32, DataType.Int64: 64}
_UNSIGNED_BITS = {
    DataType.UInt8: 8,
    DataType.UInt16: 16,
    DataType.UInt32: 32,
    DataType.UInt64: 64,
    DataType.DateTime: 64,
}
_NUMERIC_ARRAYS = {
    DataType.Int8Array: "b",
    DataType.Int16Array: "h",
    DataType.Int32Array: "i",
    DataType.Int64Array: "q",
    DataType.UInt8Array: "B",
    DataType.UInt16Array: "H",
    DataType.UInt32Array: "I",
    DataType.UInt64Array: "Q",
    DataType.FloatArray: "f",
    DataType.DoubleArray: "d",
    DataType.DateTimeArray: "Q",
}
_STRINGS = (DataType.String, DataType.Text, DataType.UUID)
_BYTES = (DataType.Bytes, DataType.File)
_RAW = {DataType.DataSet: "dataset_value", DataType.Template: "template_value"}
_INT_FIELDS = ("int_value", "long_value")


def _bad(datatype: DataType, detail: str) -> CodecError:
    return CodecError("bad_value", f"{datatype.name}: {detail}")


def parse_datatype(number: int) -> DataType:
    """The DataType for a wire number; CodecError ``unknown_datatype`` if none."""
    try:
        return DataType(number)
    except ValueError:
        raise CodecError("unknown_datatype", str(number)) from None


def _check_int(datatype: DataType, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(datatype, f"expected int, got {type(value).__name__}")
    return value


def _float32(value: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def to_wire(datatype: DataType, value: MetricValue) -> tuple[str, WireValue]:
    """(protobuf oneof field, wire value) for a non-null value; CodecError ``bad_value``."""
    if value is None:
        raise _bad(datatype, "None is sent as is_null")
    if datatype in _SIGNED_BITS:
        bits = _SIGNED_BITS[datatype]
        number = _check_int(datatype, value)
        if not -(1 << (bits - 1)) <= number < 1 << (bits - 1):
            raise _bad(datatype, f"{number} out of range")
        return ("long_value" if bits == 64 else "int_value"), number % (1 << bits)
    if datatype in _UNSIGNED_BITS:
        bits = _UNSIGNED_BITS[datatype]
        number = _check_int(datatype, value)
        if not 0 <= number < 1 << bits:
            raise _bad(datatype, f"{number} out of range")
        return ("long_value" if bits == 64 else "int_value"), number
    if datatype in (DataType.Float, DataType.Double):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(datatype, f"expected float, got {type(value).__name__}")
        if datatype is DataType.Float:
            try:
                return "float_value", _float32(float(value))
            except OverflowError:
                raise _bad(datatype, f"{value} does not fit a 32-bit float") from None
        return "double_value", float(value)
    if datatype is DataType.Boolean:
        if not isinstance(value, bool):
            raise _bad(datatype, f"expected bool, got {type(value).__name__}")
        return "boolean_value", value
    if datatype in _STRINGS:
        if not isinstance(value, str):
            raise _bad(datatype, f"expected str, got {type(value).__name__}")
        return "string_value", value
    if datatype in _BYTES:
        if not isinstance(value, bytes):
            raise _bad(datatype, f"expected bytes, got {type(value).__name__}")
        return "bytes_value", value
    if datatype in _RAW or datatype is DataType.Unknown:
        if not isinstance(value, RawValue):
            raise _bad(datatype, f"expected RawValue, got {type(value).__name__}")
        return value.field, value
    if not isinstance(value, tuple):
        raise _bad(datatype, f"expected tuple, got {type(value).__name__}")
    return "bytes_value", _encode_array(datatype, value)


def _encode_array(datatype: DataType, values: tuple[object, ...]) -> bytes:
    if datatype in _NUMERIC_ARRAYS:
        code = _NUMERIC_ARRAYS[datatype]
        allowed: tuple[type, ...] = (float, int) if code in "fd" else (int,)
        for item in values:
            if isinstance(item, bool) or not isinstance(item, allowed):
                raise _bad(datatype, f"bad element {item!r}")
        try:
            return struct.pack(f"<{len(values)}{code}", *values)
        except (struct.error, OverflowError) as exc:
            raise _bad(datatype, str(exc)) from None
    if datatype is DataType.BooleanArray:
        if not all(isinstance(item, bool) for item in values):
            raise _bad(datatype, "elements must be bool")
        packed = bytearray((len(values) + 7) // 8)
        for index, item in enumerate(values):
            if item:
                packed[index // 8] |= 0x80 >> (index % 8)
        return len(values).to_bytes(4, "little") + bytes(packed)
    if datatype is DataType.StringArray:
        if not all(isinstance(item, str) and "\0" not in item for item in values):
            raise _bad(datatype, "elements must be str without NUL")
        return b"".join(str(item).encode() + b"\0" for item in values)
    raise _bad(datatype, "cannot carry a value")


def from_wire(datatype: DataType, field: str, wire: WireValue) -> MetricValue:
    """The typed value of a ``Metric``'s oneof ``field``; CodecError ``bad_value``."""
    if datatype is DataType.Unknown:
        return wire  # unresolved: the natural Python value of the field
    if datatype in _SIGNED_BITS:
        bits = _SIGNED_BITS[datatype]
        number = _wire_int(datatype, field, wire)
        sign_extended = number >= (1 << 32) - (1 << (bits - 1)) and number < 1 << 32
        if number >= 1 << bits and not (bits < 32 and sign_extended):
            raise _bad(datatype, f"{number} out of range")
        number &= (1 << bits) - 1
        return number - (1 << bits) if number >= 1 << (bits - 1) else number
    if datatype in _UNSIGNED_BITS:
        number = _wire_int(datatype, field, wire)
        if number >= 1 << _UNSIGNED_BITS[datatype]:
            raise _bad(datatype, f"{number} out of range")
        return number
    expected = _expected_field(datatype)
    if field not in expected:
        raise _bad(datatype, f"carried in {field}")
    if datatype in _NUMERIC_ARRAYS or datatype in (DataType.BooleanArray, DataType.StringArray):
        assert isinstance(wire, bytes)
        return _decode_array(datatype, wire)
    return wire


def _expected_field(datatype: DataType) -> tuple[str, ...]:
    if datatype in (DataType.Float, DataType.Double):
        return ("float_value", "double_value")
    if datatype is DataType.Boolean:
        return ("boolean_value",)
    if datatype in _STRINGS:
        return ("string_value",)
    if datatype in _RAW:
        return (_RAW[datatype], "extension_value")
    if datatype in (DataType.PropertySet, DataType.PropertySetList):
        return ("extension_value",)
    return ("bytes_value",)


def _wire_int(datatype: DataType, field: str, wire: WireValue) -> int:
    if field not in _INT_FIELDS or not isinstance(wire, int):
        raise _bad(datatype, f"carried in {field}")
    return wire


def _decode_array(datatype: DataType, data: bytes) -> MetricValue:
    if datatype in _NUMERIC_ARRAYS:
        code = _NUMERIC_ARRAYS[datatype]
        size = struct.calcsize(code)
        if len(data) % size:
            raise _bad(datatype, f"{len(data)} bytes is not a multiple of {size}")
        return tuple(struct.unpack(f"<{len(data) // size}{code}", data))
    if datatype is DataType.BooleanArray:
        if len(data) < 4:
            raise _bad(datatype, "shorter than its 4-byte count")
        count = int.from_bytes(data[:4], "little")
        if len(data) - 4 != (count + 7) // 8:
            raise _bad(datatype, f"{len(data) - 4} bytes for {count} booleans")
        return tuple(bool(data[4 + i // 8] & (0x80 >> (i % 8))) for i in range(count))
    if data and not data.endswith(b"\0"):
        raise _bad(datatype, "last string not NUL-terminated")
    try:
        return tuple(part.decode() for part in data.split(b"\0")[:-1])
    except UnicodeDecodeError:
        raise _bad(datatype, "not UTF-8") from None
