"""Host-side state of one edge node: births, aliases, ``seq`` and ``bdSeq``. Pure.

Rules applied (Sparkplug 3.0):

- NBIRTH starts a session: it must carry ``seq`` and a ``bdSeq`` metric; its metrics'
  aliases replace every earlier one, and devices must be born again (DBIRTH).
- every later message of the node (NDATA, DBIRTH, DDATA, DDEATH) carries
  ``seq`` = previous + 1, 255 wrapping to 0. Anything else is a :class:`Gap`, as is a
  message before NBIRTH, device data before its DBIRTH or an alias no birth declared: the
  host answers each with a ``Node Control/Rebirth`` request. The session then takes the
  received ``seq`` as current, so one lost message is one gap, not a gap per message.
  The same ``seq`` twice in a row is a duplicate (QoS 1 redelivery), not a gap.
- NDEATH carries the ``bdSeq`` of the connection whose will it is. One that does not match
  the current NBIRTH's ``bdSeq`` is from an older connection and is ignored (``stale``);
  with no birth seen yet it is accepted, since nothing contradicts it.
- NCMD and DCMD are the host's own messages; the session does not take them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from firmware_protocols.base import CodecError
from firmware_protocols.sparkplug_b.payload import AliasTable, Payload, decode_payload
from firmware_protocols.sparkplug_b.topics import MessageType

BD_SEQ = "bdSeq"
SEQ_MODULUS = 256

GapReason = Literal["seq", "no_birth", "no_device_birth", "unknown_alias"]


@dataclass(frozen=True, slots=True)
class Gap:
    """This message shows the host is out of step with the node: request a rebirth.
    ``expected`` is None when there is no birth to count from."""

    expected: int | None
    received: int | None
    reason: GapReason


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the session understood it (aliases resolved where it could)."""

    message_type: MessageType
    device_id: str | None
    payload: Payload
    gap: Gap | None = None
    bd_seq: int | None = None  # NBIRTH and NDEATH
    stale: bool = False  # an NDEATH from an older connection: ignore it
    duplicate: bool = False  # the same seq as the message before


def bd_seq_of(payload: Payload) -> int:
    """The ``bdSeq`` metric's value; CodecError ``missing_bdseq`` if absent or not an int."""
    metric = payload.find(BD_SEQ)
    value = metric.value if metric is not None else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError("missing_bdseq", "NBIRTH and NDEATH must carry an integer bdSeq")
    return value


def _seq_of(payload: Payload, message_type: MessageType) -> int:
    if payload.seq is None:
        raise CodecError("missing_seq", f"{message_type} without seq")
    if payload.seq >= SEQ_MODULUS:
        raise CodecError("bad_seq", f"seq {payload.seq} is not 0..255")
    return payload.seq


class EdgeNodeSession:
    """What the host knows of one edge node since its last NBIRTH."""

    def __init__(self) -> None:
        self._bd_seq: int | None = None  # of the last NBIRTH seen
        self._born = False
        self._seq: int | None = None  # last seq received
        self._node_table = AliasTable()
        self._devices: dict[str, AliasTable] = {}

    @property
    def born(self) -> bool:
        return self._born

    @property
    def bd_seq(self) -> int | None:
        return self._bd_seq

    @property
    def devices(self) -> frozenset[str]:
        """Devices born (DBIRTH) and not dead since the node's last birth."""
        return frozenset(self._devices)

    def receive(self, message_type: MessageType, device_id: str | None, data: bytes) -> Received:
        """Take one message of this node; only CodecError for a malformed one (the session
        is unchanged then)."""
        if message_type is MessageType.NBIRTH:
            return self._nbirth(data)
        if message_type is MessageType.NDEATH:
            return self._ndeath(data)
        if message_type.is_command:
            raise CodecError("unexpected_message", f"{message_type} is sent by hosts")
        is_device = message_type.is_device
        if is_device and device_id is None:
            raise CodecError("bad_topic", f"{message_type} without a device id")
        device_table = self._devices.get(device_id) if device_id is not None else None
        table = device_table if is_device else self._node_table
        if message_type is MessageType.DBIRTH:
            payload = decode_payload(data)
            new_table = AliasTable(payload.metrics)
        else:
            payload = decode_payload(data, table)
        seq = _seq_of(payload, message_type)
        gap, duplicate = self._advance(seq)
        if message_type is MessageType.DBIRTH:
            assert device_id is not None
            if self._born:
                self._devices[device_id] = new_table
        elif gap is None and is_device and device_table is None:
            gap = Gap(None, seq, "no_device_birth")
        elif gap is None and any(m.name is None for m in payload.metrics):
            gap = Gap(None, seq, "unknown_alias")
        if message_type is MessageType.DDEATH and device_id is not None:
            self._devices.pop(device_id, None)
        return Received(message_type, device_id, payload, gap, duplicate=duplicate)

    def _advance(self, seq: int) -> tuple[Gap | None, bool]:
        if not self._born or self._seq is None:
            return Gap(None, seq, "no_birth"), False
        if seq == self._seq:
            return None, True
        expected = (self._seq + 1) % SEQ_MODULUS
        self._seq = seq
        return (None if seq == expected else Gap(expected, seq, "seq")), False

    def _nbirth(self, data: bytes) -> Received:
        payload = decode_payload(data)
        seq = _seq_of(payload, MessageType.NBIRTH)
        bd_seq = bd_seq_of(payload)
        table = AliasTable(payload.metrics)
        self._bd_seq = bd_seq
        self._born = True
        self._seq = seq
        self._node_table = table
        self._devices.clear()
        return Received(MessageType.NBIRTH, None, payload, bd_seq=bd_seq)

    def _ndeath(self, data: bytes) -> Received:
        payload = decode_payload(data, self._node_table)
        bd_seq = bd_seq_of(payload)
        if self._bd_seq is not None and bd_seq != self._bd_seq:
            return Received(MessageType.NDEATH, None, payload, bd_seq=bd_seq, stale=True)
        self._born = False
        self._seq = None
        self._node_table = AliasTable()
        self._devices.clear()
        return Received(MessageType.NDEATH, None, payload, bd_seq=bd_seq)
