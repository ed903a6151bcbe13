"""One alarm's lifecycle (pure): active > acknowledged > cleared, with occurrences.

- A :class:`~hub.alarms.vocabulary.Fire` with no open alarm raises one (``active``, one
  occurrence). With one open, a new occurrence adds to its count and refreshes its
  details; the state stays as it is (an acknowledged alarm is not raised again). A
  lasting condition (cold chain, offline) fired again while the alarm's condition is
  still active is the same occurrence.
- A :class:`~hub.alarms.vocabulary.Clear` clears an open alarm, unless it *latches*:
  a cold-chain alarm holds the machine's stock as unsellable, so when the temperature is
  back it only records that its condition ended, and waits for an operator.
- :func:`acknowledge` records who saw the alarm and when. On a latching alarm whose
  condition has ended it also clears the alarm and releases the stock: for a cold chain
  alarm, the acknowledgement is the operator's "checked, stock released". Acknowledging
  again, or acknowledging a cleared alarm, changes nothing.

Every function returns the alarm's next version with the action taken, or None when the
input changes nothing; callers store the version and one history row per action.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.alarms.vocabulary import (
    LASTING,
    Action,
    AlarmState,
    AlarmType,
    Clear,
    Fire,
    Severity,
)


@dataclass(frozen=True, slots=True)
class Alarm:
    id: int | None
    device_id: str
    kind: str
    path: str
    type: AlarmType
    severity: Severity
    state: AlarmState
    raised_ms: int
    last_ms: int  # latest occurrence
    occurrences: int
    condition_active: bool
    condition_ended_ms: int | None
    acknowledged_by: str | None
    acknowledged_ms: int | None
    cleared_ms: int | None
    cleared_by: str | None  # None: the condition ended; else the operator who released it
    latching: bool
    stock_unsellable: bool
    details: Mapping[str, Any]
    updated_ms: int

    @property
    def is_open(self) -> bool:
        return self.state is not AlarmState.CLEARED


@dataclass(frozen=True, slots=True)
class Change:
    alarm: Alarm
    action: Action
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class RaiseAs:
    """What the rules say about a new alarm for a device."""

    kind: str
    path: str
    severity: Severity
    latching: bool = False


def raise_alarm(fire: Fire, how: RaiseAs) -> Change:
    alarm = Alarm(
        id=None,
        device_id=fire.device_id,
        kind=how.kind,
        path=how.path,
        type=fire.type,
        severity=how.severity,
        state=AlarmState.ACTIVE,
        raised_ms=fire.at_ms,
        last_ms=fire.at_ms,
        occurrences=1,
        condition_active=True,
        condition_ended_ms=None,
        acknowledged_by=None,
        acknowledged_ms=None,
        cleared_ms=None,
        cleared_by=None,
        latching=how.latching,
        stock_unsellable=how.latching,
        details=dict(fire.details),
        updated_ms=fire.at_ms,
    )
    return Change(alarm, Action.RAISED)


def fire(current: Alarm | None, signal: Fire, how: RaiseAs) -> Change | None:
    """Apply a fired condition to the device's open alarm of that type (or None)."""
    if current is None or not current.is_open:
        return raise_alarm(signal, how)
    same = signal.type in LASTING and current.condition_active
    repeated = signal.occurrence and not same
    if not repeated and current.condition_active:
        return None
    active = dataclasses.replace(
        current,
        condition_active=True,
        condition_ended_ms=None,
        details={**current.details, **signal.details},
        updated_ms=signal.at_ms,
    )
    if not repeated:
        return Change(active, Action.RESUMED)
    return Change(
        dataclasses.replace(
            active,
            occurrences=current.occurrences + 1,
            last_ms=max(current.last_ms, signal.at_ms),
        ),
        Action.REPEATED,
    )


def clear(current: Alarm, signal: Clear) -> Change | None:
    """The condition ended: clear the alarm, or for a latching one, note the end."""
    if not current.is_open or not current.condition_active:
        return None
    ended = dataclasses.replace(
        current,
        condition_active=False,
        condition_ended_ms=signal.at_ms,
        updated_ms=signal.at_ms,
    )
    if current.latching and current.stock_unsellable:
        return Change(ended, Action.CONDITION_ENDED)
    return Change(
        dataclasses.replace(ended, state=AlarmState.CLEARED, cleared_ms=signal.at_ms),
        Action.CLEARED,
    )


def acknowledge(current: Alarm, actor: str, now_ms: int) -> Change | None:
    """An operator acknowledges; a latching alarm whose condition ended is also cleared."""
    if not current.is_open:
        return None
    acked = current
    if current.state is AlarmState.ACTIVE:
        acked = dataclasses.replace(
            current,
            state=AlarmState.ACKNOWLEDGED,
            acknowledged_by=actor,
            acknowledged_ms=now_ms,
            updated_ms=now_ms,
        )
    if current.latching and current.stock_unsellable and not current.condition_active:
        released = dataclasses.replace(
            acked,
            state=AlarmState.CLEARED,
            cleared_ms=now_ms,
            cleared_by=actor,
            stock_unsellable=False,
            updated_ms=now_ms,
        )
        return Change(released, Action.CLEARED, actor)
    if acked is current:
        return None
    return Change(acked, Action.ACKNOWLEDGED, actor)
