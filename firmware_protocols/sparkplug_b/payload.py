"""Sparkplug B payloads as typed values, and their pure protobuf encode/decode.

``decode_payload`` resolves metrics that carry only an alias (and no datatype), as DATA
messages do, through the :class:`AliasTable` of the matching birth. A metric it cannot
resolve keeps ``name=None`` (or ``datatype=Unknown`` and its field's natural Python value),
so the caller decides what that means (the host session asks for a rebirth).
Metric ``metadata`` and ``properties`` are not modelled: decoding drops them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from google.protobuf.message import DecodeError

from firmware_protocols.base import CodecError
from firmware_protocols.sparkplug_b import sparkplug_b_pb2 as pb
from firmware_protocols.sparkplug_b.datatypes import (
    DataType,
    MetricValue,
    RawValue,
    WireValue,
    from_wire,
    parse_datatype,
    to_wire,
)

MAX_PAYLOAD_BYTES = 512 * 1024  # a whole DEX audit file is a few tens of KiB


@dataclass(frozen=True, slots=True, kw_only=True)
class Metric:
    """One metric. ``value`` None means null. In births ``name`` and ``datatype`` are
    required; in data messages ``name`` may be None when ``alias`` identifies it."""

    name: str | None
    datatype: DataType
    value: MetricValue
    alias: int | None = None
    timestamp: int | None = None  # acquisition time, Unix ms
    is_historical: bool = False
    is_transient: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Payload:
    """A Sparkplug B payload. ``timestamp`` is the sending time in Unix ms."""

    timestamp: int | None
    metrics: tuple[Metric, ...] = ()
    seq: int | None = None
    uuid: str | None = None
    body: bytes | None = None

    def find(self, name: str) -> Metric | None:
        """The first metric called ``name``, or None."""
        return next((m for m in self.metrics if m.name == name), None)

    def values(self) -> dict[str, MetricValue]:
        """Named metrics' values by name (a later metric of the same name wins)."""
        return {m.name: m.value for m in self.metrics if m.name is not None}


@dataclass(frozen=True, slots=True)
class AliasEntry:
    name: str
    datatype: DataType
    alias: int | None


class AliasTable:
    """Names and datatypes a birth declared, by alias and by name; immutable."""

    __slots__ = ("_by_alias", "_by_name")

    def __init__(self, metrics: Iterable[Metric] = ()) -> None:
        by_alias: dict[int, AliasEntry] = {}
        by_name: dict[str, AliasEntry] = {}
        for metric in metrics:
            if metric.name is None or metric.datatype is DataType.Unknown:
                raise CodecError("bad_birth", "a birth metric needs a name and a datatype")
            entry = AliasEntry(metric.name, metric.datatype, metric.alias)
            if metric.alias is not None:
                known = by_alias.get(metric.alias)
                if known is not None and known.name != metric.name:
                    detail = f"{metric.alias}: {known.name}, {entry.name}"
                    raise CodecError("duplicate_alias", detail)
                by_alias[metric.alias] = entry
            by_name[metric.name] = entry
        self._by_alias: Mapping[int, AliasEntry] = MappingProxyType(by_alias)
        self._by_name: Mapping[str, AliasEntry] = MappingProxyType(by_name)

    def by_alias(self, alias: int) -> AliasEntry | None:
        return self._by_alias.get(alias)

    def by_name(self, name: str) -> AliasEntry | None:
        return self._by_name.get(name)

    def aliases(self) -> Mapping[int, AliasEntry]:
        return self._by_alias

    def __len__(self) -> int:
        return len(self._by_name)


# ---------------------------------------------------------------- encode
def encode_payload(payload: Payload, *, include_datatypes: bool = True) -> bytes:
    """Protobuf bytes for ``payload``; CodecError ``bad_value`` for a value the datatype
    cannot carry. DATA and CMD messages should pass ``include_datatypes=False``."""
    message = pb.Payload()
    if payload.timestamp is not None:
        message.timestamp = _u64(payload.timestamp, "timestamp")
    if payload.seq is not None:
        message.seq = _u64(payload.seq, "seq")
    if payload.uuid is not None:
        message.uuid = payload.uuid
    if payload.body is not None:
        message.body = payload.body
    for metric in payload.metrics:
        _fill_metric(message.metrics.add(), metric, include_datatypes)
    return message.SerializeToString()


def _u64(value: int, what: str) -> int:
    if isinstance(value, bool) or not 0 <= value < 1 << 64:
        raise CodecError("bad_value", f"{what} {value!r} is not a uint64")
    return value


def _fill_metric(target: pb.Payload.Metric, metric: Metric, include_datatype: bool) -> None:
    if metric.name is not None:
        target.name = metric.name
    if metric.alias is not None:
        target.alias = _u64(metric.alias, "alias")
    if metric.timestamp is not None:
        target.timestamp = _u64(metric.timestamp, "metric timestamp")
    if include_datatype and metric.datatype is not DataType.Unknown:
        target.datatype = metric.datatype
    if metric.is_historical:
        target.is_historical = True
    if metric.is_transient:
        target.is_transient = True
    if metric.value is None:
        target.is_null = True
        return
    field, wire = to_wire(metric.datatype, metric.value)
    if isinstance(wire, RawValue):
        sub = getattr(target, field)
        try:
            sub.ParseFromString(wire.data)
        except DecodeError as exc:
            raise CodecError("bad_value", f"{field}: {exc}") from None
    else:
        setattr(target, field, wire)


# ---------------------------------------------------------------- decode
def decode_payload(data: bytes, table: AliasTable | None = None) -> Payload:
    """The payload in ``data``, aliases resolved through ``table``; only CodecError."""
    if len(data) > MAX_PAYLOAD_BYTES:
        raise CodecError("too_large", f"{len(data)} bytes")
    try:
        message = pb.Payload.FromString(data)
        return Payload(
            timestamp=message.timestamp if message.HasField("timestamp") else None,
            metrics=tuple(_metric(m, table) for m in message.metrics),
            seq=message.seq if message.HasField("seq") else None,
            uuid=_text(message.uuid, "uuid") if message.HasField("uuid") else None,
            body=message.body if message.HasField("body") else None,
        )
    except DecodeError as exc:
        raise CodecError("bad_protobuf", str(exc)) from None


def _text(value: object, what: str) -> str:
    """A proto2 string field; upb hands back ``bytes`` when the wire had invalid UTF-8."""
    if not isinstance(value, str):
        raise CodecError("bad_protobuf", f"{what} is not UTF-8")
    return value


def _metric(message: pb.Payload.Metric, table: AliasTable | None) -> Metric:
    name = _text(message.name, "metric name") if message.HasField("name") else None
    alias = message.alias if message.HasField("alias") else None
    datatype = parse_datatype(message.datatype) if message.HasField("datatype") else None
    if table is not None and (name is None or datatype is None):
        entry = table.by_name(name) if name is not None else None
        if entry is None and alias is not None:
            entry = table.by_alias(alias)
        if entry is not None:
            name = entry.name if name is None else name
            datatype = entry.datatype if datatype is None else datatype
    datatype = DataType.Unknown if datatype is None else datatype
    field = message.WhichOneof("value")
    value: MetricValue = None
    if field is not None and not message.is_null:
        value = from_wire(datatype, field, _wire(message, field))
    return Metric(
        name=name,
        alias=alias,
        datatype=datatype,
        value=value,
        timestamp=message.timestamp if message.HasField("timestamp") else None,
        is_historical=message.is_historical,
        is_transient=message.is_transient,
    )


def _wire(message: pb.Payload.Metric, field: str) -> WireValue:
    if field in ("dataset_value", "template_value", "extension_value"):
        sub = getattr(message, field)
        return RawValue(field, sub.SerializeToString())  # type: ignore[arg-type]
    value: WireValue = getattr(message, field)
    if field == "string_value":
        return _text(value, "string_value")
    return value
