"""Read a device's desired configuration from its twin, with defaults and bounds.

Desired keys the domain reads: doors ``unlock_pulse_ms`` (default 3000) and
``held_open_limit_s`` (default 30); vending ``setpoint_c``. A missing or out-of-range
value reads as the default, so a bad setting cannot break access decisions.
"""

from __future__ import annotations

from hub.twin import TwinStore

UNLOCK_PULSE_MS = "unlock_pulse_ms"
HELD_OPEN_LIMIT_S = "held_open_limit_s"
SETPOINT_C = "setpoint_c"
ALLOWLIST_VERSION = "allowlist_version"

DEFAULT_PULSE_MS = 3000
MAX_PULSE_MS = 60_000
DEFAULT_HELD_OPEN_LIMIT_S = 30
MAX_HELD_OPEN_LIMIT_S = 24 * 3600


def desired_int(twins: TwinStore, device_id: str, key: str, default: int, high: int) -> int:
    """An integer 1..``high`` from the twin's desired state, else ``default``."""
    twin = twins.get(device_id)
    value = None if twin is None else twin.desired.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    number = int(value)
    return number if 1 <= number <= high else default


def unlock_pulse_ms(twins: TwinStore, device_id: str) -> int:
    return desired_int(twins, device_id, UNLOCK_PULSE_MS, DEFAULT_PULSE_MS, MAX_PULSE_MS)


def held_open_limit_ms(twins: TwinStore, device_id: str) -> int:
    limit_s = desired_int(
        twins, device_id, HELD_OPEN_LIMIT_S, DEFAULT_HELD_OPEN_LIMIT_S, MAX_HELD_OPEN_LIMIT_S
    )
    return limit_s * 1000
