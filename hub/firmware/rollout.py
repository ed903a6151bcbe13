"""How a campaign rolls out: its canary and waves, how many devices update at once, when a
device has taken too long, and when the campaign stops (a wave's failures, or updated
devices raising more alarms than before during the health soak).

One value, chosen by the operator when creating the campaign and kept as the campaign's
columns; the driver reads it on every step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class RolloutRules:
    canary_share: float
    """Share of the devices in the canary (wave 0), at least one device."""
    wave_size: int
    failure_threshold: float
    """Stop when more of a wave fail than this share."""
    max_doors_per_building: int
    """Door units of one building updating at once (the building keeps a door working)."""
    max_in_flight: int
    device_timeout_s: int
    """Longest a device may take from the order to its new version."""
    health_soak_s: int
    """How long updated devices of a wave are watched before the next wave."""
    health_factor: float
    """Stop when updated devices raise this many times the alarms they raised before..."""
    health_min_events: int
    """...and at least this many."""
    respect_windows: bool
    """Hold back devices of communities outside their maintenance window."""

    def columns(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_columns(cls, row: Mapping[str, Any]) -> RolloutRules:
        return cls(**{name: row[name] for name in RULE_NAMES})


RULE_NAMES: Final = tuple(field.name for field in fields(RolloutRules))
