"""The JSON ``status`` topic: online announcements, planned offline, and the last will.

Online: ``{"online": true, "firmware": "2.1.0", "model": "DU-200", "ts": <Unix ms>,
"allowlist_version": 7}``. Offline: ``{"online": false, "reason": "shutdown", "ts": ...}``.
Last will (registered at CONNECT, retained, QoS 1): ``{"online": false, "reason": "lwt"}``.
Unknown keys are ignored; an offline reason outside :data:`OFFLINE_REASONS` reads as
``offline`` so device text never becomes a metrics label.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from pydantic import Field, Strict, TypeAdapter, ValidationError

from firmware_protocols.base import Presence, StateReport, Uplink
from firmware_protocols.osdp.errors import OsdpError

LAST_WILL = b'{"online": false, "reason": "lwt"}'
OFFLINE_REASONS = frozenset({"lwt", "shutdown", "reboot", "firmware_update"})

_Text = Annotated[str, Strict(), Field(min_length=1, max_length=64)]
_Ms = Annotated[int, Strict(), Field(ge=0, le=2**63 - 1)]


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """One status message as sent by the door unit."""

    online: Annotated[bool, Strict()]
    reason: _Text | None = None
    firmware: _Text | None = None
    model: _Text | None = None
    ts: _Ms | None = None
    allowlist_version: Annotated[int, Strict(), Field(ge=0, le=0xFFFFFFFF)] | None = None


_ADAPTER = TypeAdapter(DeviceStatus)


def decode_status(payload: bytes) -> DeviceStatus:
    """Parse a status payload; OsdpError on invalid JSON or fields."""
    try:
        return _ADAPTER.validate_json(payload)
    except ValidationError as exc:
        raise OsdpError("bad_status", str(exc.errors(include_url=False)[:3])) from exc


def encode_status(status: DeviceStatus) -> bytes:
    """Device side: the JSON payload (keys with None values are left out)."""
    try:
        _ADAPTER.validate_python(asdict(status))
    except ValidationError as exc:
        raise OsdpError("bad_value", str(exc.errors(include_url=False)[:3])) from exc
    body: dict[str, Any] = {
        key: getattr(status, key)
        for key in ("online", "reason", "firmware", "model", "ts", "allowlist_version")
        if getattr(status, key) is not None
    }
    return json.dumps(body, separators=(", ", ": ")).encode()


def status_records(status: DeviceStatus) -> list[Uplink]:
    """Hub side: Presence, plus a StateReport (firmware, model, allow-list) when online."""
    if not status.online:
        reason = status.reason if status.reason in OFFLINE_REASONS else "offline"
        return [Presence(False, reason or "offline", status.ts)]
    state = {
        key: getattr(status, key)
        for key in ("firmware", "model", "allowlist_version")
        if getattr(status, key) is not None
    }
    presence = Presence(True, "online", status.ts, dict(state))
    return [presence, StateReport(state)] if state else [presence]
