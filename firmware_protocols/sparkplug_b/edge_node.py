"""Device side of Sparkplug B for one edge node (used by the simulators). Pure: the caller
passes the time and publishes the :class:`~firmware_protocols.base.Outbound` messages.

One MQTT connection's life::

    will = node.connect(now)          # register `will` (NDEATH, bdSeq b) at CONNECT
    node.nbirth(node_metrics, now)    # seq 0, bdSeq b, every node metric with its alias
    node.dbirth("vmc", metrics, now)  # seq 1, every device metric with its alias
    node.ddata("vmc", {"Cabinet/Temperature": 4.5}, now)   # seq 2, alias only
    ...                               # seq 255 is followed by 0
    node.ndeath()                     # publish before a clean DISCONNECT

``bdSeq`` is 0 on the first connection and one more (255 wraps to 0) on each new one; a
rebirth within a connection (``nbirth`` again) keeps it and restarts ``seq`` at 0.
Aliases are unique across the node and its devices and stay the same across rebirths.
Topics and QoS follow Sparkplug 3.0: NDEATH (the will) QoS 1, everything else QoS 0,
nothing retained.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from firmware_protocols.base import CodecError, Outbound
from firmware_protocols.sparkplug_b.datatypes import DataType, MetricValue
from firmware_protocols.sparkplug_b.host_session import BD_SEQ, SEQ_MODULUS
from firmware_protocols.sparkplug_b.payload import (
    AliasTable,
    Metric,
    Payload,
    decode_payload,
    encode_payload,
)
from firmware_protocols.sparkplug_b.topics import MessageType, Topic, build_topic, parse_topic

BD_SEQ_MODULUS = 256


@dataclass(frozen=True, slots=True)
class EdgeCommand:
    """An NCMD or DCMD addressed to this node, its metrics resolved by its births."""

    topic: Topic
    payload: Payload


class EdgeNode:
    """Builds one edge node's births, data and deaths; decodes commands sent to it."""

    def __init__(self, group_id: str, edge_node_id: str, *, next_bd_seq: int = 0) -> None:
        build_topic(group_id, MessageType.NBIRTH, edge_node_id)  # validates the ids
        if not 0 <= next_bd_seq < BD_SEQ_MODULUS:
            raise ValueError("next_bd_seq must be 0..255")
        self.group_id = group_id
        self.edge_node_id = edge_node_id
        self._next_bd_seq = next_bd_seq
        self._bd_seq: int | None = None
        self._will: Outbound | None = None
        self._seq: int | None = None  # last seq sent since NBIRTH
        self._aliases: dict[tuple[str | None, str], int] = {}
        self._node_table: AliasTable | None = None
        self._devices: dict[str, AliasTable] = {}

    @property
    def bd_seq(self) -> int | None:
        """bdSeq of the current connection (None before :meth:`connect`)."""
        return self._bd_seq

    @property
    def next_bd_seq(self) -> int:
        """bdSeq the next connection will use: keep it across reboots if you can."""
        return self._next_bd_seq

    @property
    def seq(self) -> int | None:
        """seq of the last message sent since NBIRTH."""
        return self._seq

    @property
    def born(self) -> bool:
        return self._node_table is not None

    def topic(self, message_type: MessageType, device_id: str | None = None) -> str:
        return build_topic(self.group_id, message_type, self.edge_node_id, device_id)

    def alias_of(self, name: str, device_id: str | None = None) -> int | None:
        return self._aliases.get((device_id, name))

    # ------------------------------------------------------------ connection and death
    def connect(self, now_ms: int) -> Outbound:
        """Start a new MQTT connection: the NDEATH to register as its will."""
        self._bd_seq = self._next_bd_seq
        self._next_bd_seq = (self._next_bd_seq + 1) % BD_SEQ_MODULUS
        self._seq = None
        self._node_table = None
        self._devices.clear()
        bd = Metric(name=BD_SEQ, datatype=DataType.UInt64, value=self._bd_seq, timestamp=now_ms)
        payload = encode_payload(Payload(timestamp=now_ms, metrics=(bd,)))
        self._will = Outbound(self.topic(MessageType.NDEATH), payload, qos=1, retain=False)
        return self._will

    def ndeath(self) -> Outbound:
        """The current connection's NDEATH, to publish before a clean disconnect."""
        if self._will is None:
            raise CodecError("not_connected", "connect() first")
        self._seq = None
        self._node_table = None
        self._devices.clear()
        return self._will

    # ------------------------------------------------------------ births
    def nbirth(self, metrics: Iterable[Metric], now_ms: int) -> Outbound:
        """NBIRTH with seq 0, the connection's bdSeq and every node metric (named, typed,
        aliased); devices must be born again afterwards."""
        if self._bd_seq is None:
            raise CodecError("not_connected", "connect() first")
        bd = Metric(name=BD_SEQ, datatype=DataType.UInt64, value=self._bd_seq, timestamp=now_ms)
        born = self._birth_metrics(None, metrics, now_ms)
        self._node_table = AliasTable(born)
        self._devices.clear()
        self._seq = None
        return self._publish(MessageType.NBIRTH, None, (bd, *born), now_ms, datatypes=True)

    def dbirth(self, device_id: str, metrics: Iterable[Metric], now_ms: int) -> Outbound:
        """DBIRTH of ``device_id`` with every device metric (named, typed, aliased)."""
        self._require_born()
        born = self._birth_metrics(device_id, metrics, now_ms)
        self._devices[device_id] = AliasTable(born)
        return self._publish(MessageType.DBIRTH, device_id, born, now_ms, datatypes=True)

    def _birth_metrics(
        self, device_id: str | None, metrics: Iterable[Metric], now_ms: int
    ) -> tuple[Metric, ...]:
        born = []
        for metric in metrics:
            if metric.name is None or metric.name == BD_SEQ:
                raise CodecError("bad_birth", f"birth metric name {metric.name!r}")
            key = (device_id, metric.name)
            alias = self._aliases.setdefault(key, len(self._aliases) + 1)
            timestamp = now_ms if metric.timestamp is None else metric.timestamp
            born.append(
                Metric(
                    name=metric.name,
                    alias=alias,
                    datatype=metric.datatype,
                    value=metric.value,
                    timestamp=timestamp,
                    is_historical=metric.is_historical,
                    is_transient=metric.is_transient,
                )
            )
        return tuple(born)

    # ------------------------------------------------------------ data and device death
    def ndata(self, values: Mapping[str, MetricValue], now_ms: int) -> Outbound:
        """NDATA of node metrics by name, sent as alias only."""
        table = self._require_born()
        return self._publish(MessageType.NDATA, None, self._data(table, values, now_ms), now_ms)

    def ddata(self, device_id: str, values: Mapping[str, MetricValue], now_ms: int) -> Outbound:
        """DDATA of ``device_id``'s metrics by name, sent as alias only."""
        self._require_born()
        table = self._devices.get(device_id)
        if table is None:
            raise CodecError("not_born", f"device {device_id!r} has no DBIRTH")
        metrics = self._data(table, values, now_ms)
        return self._publish(MessageType.DDATA, device_id, metrics, now_ms)

    def ddeath(self, device_id: str, now_ms: int) -> Outbound:
        self._require_born()
        if self._devices.pop(device_id, None) is None:
            raise CodecError("not_born", f"device {device_id!r} has no DBIRTH")
        return self._publish(MessageType.DDEATH, device_id, (), now_ms)

    def _data(
        self, table: AliasTable, values: Mapping[str, MetricValue], now_ms: int
    ) -> tuple[Metric, ...]:
        metrics = []
        for name, value in values.items():
            entry = table.by_name(name)
            if entry is None or entry.alias is None:
                raise CodecError("unknown_metric", f"{name!r} was not in the birth")
            metrics.append(
                Metric(
                    name=None,
                    alias=entry.alias,
                    datatype=entry.datatype,
                    value=value,
                    timestamp=now_ms,
                )
            )
        return tuple(metrics)

    def _require_born(self) -> AliasTable:
        if self._node_table is None:
            raise CodecError("not_born", "nbirth() first")
        return self._node_table

    def _publish(
        self,
        message_type: MessageType,
        device_id: str | None,
        metrics: tuple[Metric, ...],
        now_ms: int,
        *,
        datatypes: bool = False,
    ) -> Outbound:
        seq = 0 if self._seq is None else (self._seq + 1) % SEQ_MODULUS
        payload = Payload(timestamp=now_ms, metrics=metrics, seq=seq)
        data = encode_payload(payload, include_datatypes=datatypes)
        self._seq = seq
        return Outbound(self.topic(message_type, device_id), data, qos=0, retain=False)

    # ------------------------------------------------------------ commands
    def decode_command(self, topic: str, data: bytes) -> EdgeCommand:
        """An NCMD/DCMD for this node; CodecError ``bad_topic`` if it is not one, or the
        payload's error. Metrics resolve through this node's births where they can."""
        parsed = parse_topic(topic)
        if (
            not parsed.message_type.is_command
            or parsed.group_id != self.group_id
            or parsed.edge_node_id != self.edge_node_id
        ):
            raise CodecError("bad_topic", f"{topic!r} is not a command for this node")
        if parsed.device_id is None:
            table = self._node_table
        else:
            table = self._devices.get(parsed.device_id)
        return EdgeCommand(parsed, decode_payload(data, table))
