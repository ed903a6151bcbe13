"""The words of the alarm engine: alarm types, severities, states, and the two signals
rules emit (a condition fired, a condition ended)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final


class AlarmType(StrEnum):
    COLD_CHAIN = "cold_chain"
    DOOR_HELD_OPEN = "door_held_open"
    DOOR_FORCED_OPEN = "door_forced_open"
    DEVICE_OFFLINE = "device_offline"
    COMPARTMENT_LEFT_OPEN = "compartment_left_open"
    TAMPER = "tamper"
    LOW_STOCK = "low_stock"
    ACCESS_DENIED_REPEATED = "access_denied_repeated"
    PARCEL_UNCOLLECTED = "parcel_uncollected"
    DEX_AUDIT = "dex_audit"


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


class AlarmState(StrEnum):
    ACTIVE = "active"  # raised, nobody has acknowledged it
    ACKNOWLEDGED = "acknowledged"  # an operator has seen it; not over yet
    CLEARED = "cleared"  # over: the condition ended (or, for a latching alarm, released)


OPEN_STATES: Final = (AlarmState.ACTIVE, AlarmState.ACKNOWLEDGED)
# Conditions that last (rather than events): firing again while the open alarm's
# condition is still active is the same occurrence (say, seen again after a restart).
LASTING: Final = frozenset({AlarmType.COLD_CHAIN, AlarmType.DEVICE_OFFLINE})


class Action(StrEnum):
    """What happened to an alarm: one row of its history each."""

    RAISED = "raised"
    REPEATED = "repeated"  # a new occurrence while open
    RESUMED = "resumed"  # a latching alarm's condition came back without a new occurrence
    ACKNOWLEDGED = "acknowledged"
    CONDITION_ENDED = "condition_ended"  # latching alarm: over, but waits for an operator
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Fire:
    """A rule's condition holds for ``device_id``.

    ``occurrence`` is False when the condition was merely *found* present (the rule did
    not know the state before, e.g. after a restart): it raises an alarm if none is open
    but does not add an occurrence to an open one."""

    device_id: str
    type: AlarmType
    at_ms: int
    occurrence: bool = True
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Clear:
    """A rule's condition no longer holds for ``device_id``."""

    device_id: str
    type: AlarmType
    at_ms: int


Signal = Fire | Clear
