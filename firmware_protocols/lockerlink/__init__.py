"""lockerlink: the parcel lockers' JSON-over-MQTT protocol, generations 1 and 2.

``PROTOCOL.md`` beside this file is the vendor's specification. The same codecs serve
both sides:

- hub: :func:`decode_status`, :func:`decode_telemetry`, :func:`decode_event`,
  :func:`decode_reply`, :func:`encode_command` (or, through :mod:`firmware_protocols.codecs`,
  :data:`~firmware_protocols.lockerlink.definitions.DEFINITIONS` and its sessions);
- device and simulators: :func:`encode_status`, :func:`encode_will`,
  :func:`encode_telemetry`, :func:`encode_event`, :func:`encode_reply`,
  :func:`decode_command`, :func:`command_id_of`, :func:`uplink_outbound`,
  :func:`will_outbound` and :class:`~firmware_protocols.command_guard.CommandGuard`
  (the command checks every protocol shares).

Decoders raise only :class:`~firmware_protocols.base.CodecError`, whose ``reason`` is one
of ``too_large``, ``bad_json``, ``missing_field``, ``bad_field``,
``unsupported_version``, ``unknown_event``, ``unknown_command``, ``unknown_channel``.
Encoders raise it too (``bad_field``) for a message the wire cannot carry.
"""

from firmware_protocols.command_guard import CommandGuard, Verdict
from firmware_protocols.lockerlink.commands import (
    command_id_of,
    decode_command,
    encode_command,
    from_hub_command,
)
from firmware_protocols.lockerlink.events import decode_event, encode_event
from firmware_protocols.lockerlink.messages import (
    Compartment,
    Deposit,
    DeviceCommand,
    DeviceUplink,
    DoorClosed,
    DoorLeftOpen,
    DoorOpened,
    Fault,
    FirmwareProgress,
    FirmwareUpdate,
    LastWill,
    LockerEvent,
    LockerTelemetry,
    OpenCompartment,
    Pickup,
    Reboot,
    Reply,
    Status,
    StatusOffline,
    StatusOnline,
    Tamper,
    TelemetryV1,
    TelemetryV2,
)
from firmware_protocols.lockerlink.normalise import compartments_map
from firmware_protocols.lockerlink.replies import decode_reply, encode_reply
from firmware_protocols.lockerlink.status import decode_status, encode_status, encode_will
from firmware_protocols.lockerlink.telemetry import decode_telemetry, encode_telemetry
from firmware_protocols.lockerlink.topics import (
    command_outbound,
    device_topics,
    topic,
    uplink_outbound,
    will_outbound,
)

__all__ = [
    "CommandGuard",
    "Compartment",
    "Deposit",
    "DeviceCommand",
    "DeviceUplink",
    "DoorClosed",
    "DoorLeftOpen",
    "DoorOpened",
    "Fault",
    "FirmwareProgress",
    "FirmwareUpdate",
    "LastWill",
    "LockerEvent",
    "LockerTelemetry",
    "OpenCompartment",
    "Pickup",
    "Reboot",
    "Reply",
    "Status",
    "StatusOffline",
    "StatusOnline",
    "Tamper",
    "TelemetryV1",
    "TelemetryV2",
    "Verdict",
    "command_id_of",
    "command_outbound",
    "compartments_map",
    "decode_command",
    "decode_event",
    "decode_reply",
    "decode_status",
    "decode_telemetry",
    "device_topics",
    "encode_command",
    "encode_event",
    "encode_reply",
    "encode_status",
    "encode_telemetry",
    "encode_will",
    "from_hub_command",
    "topic",
    "uplink_outbound",
    "will_outbound",
]
