"""The door state machine, driven by a fake clock (plain numbers: the machine has none)."""

from __future__ import annotations

from hub.domain.door_state import (
    EXIT_WINDOW_MS,
    GRANT_GRACE_MS,
    Closed,
    DoorMachine,
    Opened,
    OpeningKind,
)

T0 = 1_700_000_000_000
LIMIT_MS = 30_000


class FakeClock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now_ms = now_ms

    def advance(self, ms: int) -> int:
        self.now_ms += ms
        return self.now_ms


def closed_door() -> DoorMachine:
    machine = DoorMachine("door-1")
    assert machine.report(T0 - 60_000, False, 1, T0 - 60_000) is None  # first sight: closed
    return machine


def test_opening_within_grant_pulse_and_grace_is_authorised() -> None:
    clock = FakeClock()
    machine = closed_door()
    machine.grant(clock.now_ms, pulse_ms=3000)
    opened = machine.report(clock.advance(3000 + GRANT_GRACE_MS), True, 2, clock.now_ms)
    assert isinstance(opened, Opened) and opened.kind is OpeningKind.AUTHORISED


def test_opening_after_the_grant_window_is_suspect() -> None:
    clock = FakeClock()
    machine = closed_door()
    machine.grant(clock.now_ms, pulse_ms=3000)
    opened = machine.report(clock.advance(3000 + GRANT_GRACE_MS + 1), True, 2, clock.now_ms)
    assert isinstance(opened, Opened) and opened.kind is OpeningKind.SUSPECT


def test_opening_with_no_grant_is_suspect_until_settled() -> None:
    machine = closed_door()
    opened = machine.report(T0, True, 2, T0)
    assert isinstance(opened, Opened) and opened.kind is OpeningKind.SUSPECT
    machine.mark_forced()
    assert machine.opening is not None and machine.opening.kind is OpeningKind.FORCED
    # A forced door raises no held-open on top, however long it stays open.
    assert machine.held_open_due(T0 + 10 * LIMIT_MS, LIMIT_MS) is None
    closed = machine.report(T0 + 5000, False, 3, T0 + 5000)
    assert closed == Closed(T0 + 5000, 5000, was_forced=True, was_held=False)


def test_exit_request_authorises_for_its_window() -> None:
    clock = FakeClock()
    machine = closed_door()
    machine.exit_requested(clock.now_ms)
    inside = machine.report(clock.advance(EXIT_WINDOW_MS), True, 2, clock.now_ms)
    assert isinstance(inside, Opened) and inside.kind is OpeningKind.AUTHORISED
    machine.report(clock.advance(1000), False, 3, clock.now_ms)
    later = machine.report(clock.advance(EXIT_WINDOW_MS), True, 4, clock.now_ms)
    assert isinstance(later, Opened) and later.kind is OpeningKind.SUSPECT


def test_first_sight_open_is_not_an_opening_anyone_can_judge() -> None:
    machine = DoorMachine("door-1")
    opened = machine.report(T0, True, 7, T0)
    assert isinstance(opened, Opened) and opened.kind is OpeningKind.UNKNOWN
    assert machine.held_open_due(T0 + 10 * LIMIT_MS, LIMIT_MS) is None


def test_repeated_open_reports_are_one_opening() -> None:
    machine = closed_door()
    machine.grant(T0, 3000)
    assert isinstance(machine.report(T0 + 100, True, 2, T0), Opened)
    assert machine.report(T0 + 5000, True, 3, T0 + 5000) is None  # a periodic copy
    assert machine.opening is not None and machine.opening.seq == 2


def test_held_open_fires_once_after_the_limit_and_clears_on_close() -> None:
    clock = FakeClock()
    machine = closed_door()
    machine.grant(clock.now_ms, 3000)
    machine.report(clock.advance(500), True, 2, clock.now_ms)
    opened_at = clock.now_ms
    assert machine.held_open_due(clock.advance(LIMIT_MS - 1), LIMIT_MS) is None
    due = machine.held_open_due(clock.advance(1), LIMIT_MS)
    assert due is not None
    assert (due.opened_ms, due.open_seq, due.open_for_ms) == (opened_at, 2, LIMIT_MS)
    assert machine.held_open_due(clock.advance(60_000), LIMIT_MS) is None  # once per opening
    closed = machine.report(clock.advance(1), False, 3, clock.now_ms)
    assert isinstance(closed, Closed) and closed.was_held and not closed.was_forced
    # The next opening can be held open again.
    machine.grant(clock.now_ms, 3000)
    machine.report(clock.advance(100), True, 4, clock.now_ms)
    assert machine.held_open_due(clock.advance(LIMIT_MS), LIMIT_MS) is not None


def test_suspect_opening_authorised_elsewhere_can_be_held_open() -> None:
    machine = closed_door()
    machine.report(T0, True, 2, T0)
    machine.authorise_opening()
    assert machine.held_open_due(T0 + LIMIT_MS, LIMIT_MS) is not None


def test_forget_opening_when_the_close_went_elsewhere() -> None:
    machine = closed_door()
    machine.grant(T0, 3000)
    machine.report(T0 + 10, True, 2, T0)
    machine.forget_opening()
    assert machine.held_open_due(T0 + 10 * LIMIT_MS, LIMIT_MS) is None
    # Known closed now, so the next unexplained opening is suspect, not unknown.
    opened = machine.report(T0 + 20 * LIMIT_MS, True, 3, T0)
    assert isinstance(opened, Opened) and opened.kind is OpeningKind.SUSPECT


def test_close_without_a_known_opening_reports_nothing() -> None:
    machine = closed_door()
    assert machine.report(T0, False, 2, T0) is None
