"""Sparkplug B 3.0 for the vending machines: protobuf payloads, topics, sessions, model.

``PROTOCOL.md`` beside this file is the vendor's specification. Layers, each pure:

- wire: :mod:`.datatypes` (typed values), :mod:`.payload` (:class:`Payload`,
  :class:`Metric`, :func:`encode_payload`, :func:`decode_payload`, :class:`AliasTable`),
  :mod:`.topics` (:func:`parse_topic`, :func:`build_topic`, STATE topic),
  :mod:`.host_state` (the host's STATE JSON);
- sessions: :class:`EdgeNodeSession` (hub side: aliases, ``seq`` gaps, ``bdSeq``) and
  :class:`EdgeNode` (device side: births, alias-only data, deaths, commands);
- the vending model: :mod:`.vending_model`, :mod:`.vending_uplink` (messages to hub
  records), :mod:`.vending_commands` (NCMD/DCMD both ways), with
  :class:`~firmware_protocols.command_guard.CommandGuard` (shared by every protocol);
- the hub's :data:`~firmware_protocols.sparkplug_b.definitions.DEFINITIONS`.

Decoders raise only :class:`~firmware_protocols.base.CodecError`.

``sparkplug_b_pb2.py`` and ``.pyi`` are generated from ``sparkplug_b.proto``; regenerate
them from the repository root with the ``codegen`` extra installed::

    python -m grpc_tools.protoc -I. --python_out=. --pyi_out=. \\
        firmware_protocols/sparkplug_b/sparkplug_b.proto

then raise pyproject's ``protobuf>=`` bound to the "Protobuf Python Version" in its header.
"""

from firmware_protocols.command_guard import CommandGuard, Verdict
from firmware_protocols.sparkplug_b.datatypes import DataType, MetricValue, RawValue
from firmware_protocols.sparkplug_b.edge_node import EdgeCommand, EdgeNode
from firmware_protocols.sparkplug_b.host_session import EdgeNodeSession, Gap, Received
from firmware_protocols.sparkplug_b.host_state import (
    HostState,
    decode_host_state,
    encode_host_state,
    host_state_messages,
)
from firmware_protocols.sparkplug_b.payload import (
    AliasTable,
    Metric,
    Payload,
    decode_payload,
    encode_payload,
)
from firmware_protocols.sparkplug_b.topics import (
    MessageType,
    Topic,
    build_topic,
    host_state_topic,
    parse_host_state_topic,
    parse_topic,
)

__all__ = [
    "AliasTable",
    "CommandGuard",
    "DataType",
    "EdgeCommand",
    "EdgeNode",
    "EdgeNodeSession",
    "Gap",
    "HostState",
    "MessageType",
    "Metric",
    "MetricValue",
    "Payload",
    "RawValue",
    "Received",
    "Topic",
    "Verdict",
    "build_topic",
    "decode_host_state",
    "decode_payload",
    "encode_host_state",
    "encode_payload",
    "host_state_messages",
    "host_state_topic",
    "parse_host_state_topic",
    "parse_topic",
]
