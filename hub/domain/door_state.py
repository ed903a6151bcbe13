"""One door's state: was an opening authorised, is the door held open too long (pure).

Fed with the door unit's reports and the hub's own grants, in hub time (Unix ms), and
asked by a periodic check whether a held-open alert is due; no I/O and no clock of its
own, so tests drive time by passing it.

- A grant authorises openings until ``pulse + GRANT_GRACE_MS`` after the decision (the
  strike is released for the pulse; the grace covers the command's and the report's
  trip). A request-to-exit authorises openings for ``EXIT_WINDOW_MS``.
- The contact going from closed to open is an *opening*: authorised or *suspect*. The
  caller confirms a suspect opening elsewhere (another replica may have granted it) and
  then calls :meth:`DoorMachine.authorise_opening` or :meth:`DoorMachine.mark_forced`.
- A door first seen open (hub restart, a periodic copy of the inputs) is not an opening:
  nobody knows when it opened, so it raises nothing until it has been seen closed.
- An authorised opening still open ``held_open_limit`` after it began is *held open*,
  once per opening. A forced opening has its own alert and is not also held open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GRANT_GRACE_MS = 5_000
EXIT_WINDOW_MS = 10_000


class DoorPosition(StrEnum):
    UNKNOWN = "unknown"
    CLOSED = "closed"
    OPEN = "open"


class OpeningKind(StrEnum):
    AUTHORISED = "authorised"
    SUSPECT = "suspect"  # no grant or exit request known here: confirm, then maybe forced
    FORCED = "forced"
    UNKNOWN = "unknown"  # first seen open: when and how it opened is not known


@dataclass(frozen=True, slots=True)
class Opened:
    """The contact opened. ``seq`` is the report's seq, ``ts_ms`` the device's time."""

    kind: OpeningKind
    at_ms: int
    seq: int
    ts_ms: int


@dataclass(frozen=True, slots=True)
class Closed:
    """The contact closed after an opening; which alerts that opening had raised."""

    at_ms: int
    open_ms: int
    was_forced: bool
    was_held: bool


@dataclass(frozen=True, slots=True)
class HeldOpen:
    """An authorised opening has lasted longer than the limit."""

    opened_ms: int
    open_seq: int
    open_for_ms: int
    limit_ms: int


class DoorMachine:
    """The state of one door unit, as far as this hub has seen it."""

    def __init__(self, device_id: str) -> None:
        self.device_id = device_id
        self.position = DoorPosition.UNKNOWN
        self.authorised_until_ms = -1
        self.opening: Opened | None = None
        self.held_alerted = False

    def grant(self, now_ms: int, pulse_ms: int) -> None:
        """The hub granted access: openings are authorised for the pulse and a grace."""
        self.authorised_until_ms = max(self.authorised_until_ms, now_ms + pulse_ms + GRANT_GRACE_MS)

    def exit_requested(self, now_ms: int) -> None:
        """The request-to-exit button was pressed."""
        self.authorised_until_ms = max(self.authorised_until_ms, now_ms + EXIT_WINDOW_MS)

    def report(self, now_ms: int, is_open: bool, seq: int, ts_ms: int) -> Opened | Closed | None:
        """The door contact's state from an ``inputs`` report; a change, or None."""
        if is_open:
            if self.position is DoorPosition.OPEN:
                return None
            first_seen = self.position is DoorPosition.UNKNOWN
            self.position = DoorPosition.OPEN
            self.held_alerted = False
            if first_seen:
                kind = OpeningKind.UNKNOWN
            elif now_ms <= self.authorised_until_ms:
                kind = OpeningKind.AUTHORISED
            else:
                kind = OpeningKind.SUSPECT
            self.opening = Opened(kind, now_ms, seq, ts_ms)
            return self.opening
        previous, was_open = self.opening, self.position is DoorPosition.OPEN
        self.position = DoorPosition.CLOSED
        self.opening = None
        if not was_open or previous is None:
            return None
        closed = Closed(
            now_ms,
            now_ms - previous.at_ms,
            previous.kind is OpeningKind.FORCED,
            self.held_alerted,
        )
        self.held_alerted = False
        return closed

    def authorise_opening(self) -> None:
        """A suspect opening turned out to be authorised (a grant or exit seen elsewhere)."""
        self._settle(OpeningKind.AUTHORISED)

    def mark_forced(self) -> None:
        """A suspect opening is confirmed forced."""
        self._settle(OpeningKind.FORCED)

    def _settle(self, kind: OpeningKind) -> None:
        opening = self.opening
        if opening is not None and opening.kind is OpeningKind.SUSPECT:
            self.opening = Opened(kind, opening.at_ms, opening.seq, opening.ts_ms)

    def held_open_due(self, now_ms: int, limit_ms: int) -> HeldOpen | None:
        """A held-open alert if one is due now (at most one per opening)."""
        opening = self.opening
        if (
            opening is None
            or self.held_alerted
            or opening.kind is not OpeningKind.AUTHORISED
            or now_ms - opening.at_ms < limit_ms
        ):
            return None
        self.held_alerted = True
        return HeldOpen(opening.at_ms, opening.seq, now_ms - opening.at_ms, limit_ms)

    def forget_opening(self) -> None:
        """The door is known closed from elsewhere (a report another replica took)."""
        self.position = DoorPosition.CLOSED
        self.opening = None
        self.held_alerted = False
