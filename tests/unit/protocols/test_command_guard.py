"""CommandGuard: the firmware's refusal of expired and replayed commands, the same for
every protocol (ids as hex text, as lockerlink and Sparkplug carry them, or raw bytes, as
OSDP does)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocols.command_guard import CommandGuard, CommandId

NOW = 1_736_929_800_000
ID_A = "a" * 32
ID_B = "b" * 32

ids = pytest.mark.parametrize("first,second", [(ID_A, ID_B), (b"a" * 16, b"b" * 16)])


@ids
def test_first_copy_is_accepted_second_is_replayed(first: CommandId, second: CommandId) -> None:
    guard = CommandGuard()
    assert guard.admit(first, NOW + 30_000, NOW).status == "accepted"
    assert guard.admit(first, NOW + 30_000, NOW + 1).status == "replayed"
    assert guard.admit(second, NOW + 30_000, NOW + 1).status == "accepted"
    assert first in guard and second in guard and len(guard) == 2


@ids
def test_expired_at_and_after_the_expiry_instant(first: CommandId, second: CommandId) -> None:
    guard = CommandGuard()
    assert guard.admit(first, NOW, NOW).status == "expired"
    assert guard.admit(first, NOW - 1, NOW).status == "expired"
    assert first not in guard  # refused commands are not remembered
    assert guard.admit(first, NOW + 1, NOW).status == "accepted"


def test_expiry_is_checked_before_replay() -> None:
    """A late copy is ``expired`` whether or not its id is still held."""
    guard = CommandGuard(grace_ms=60_000)
    assert guard.admit(ID_A, NOW + 1_000, NOW).execute
    verdict = guard.admit(ID_A, NOW + 1_000, NOW + 1_000)
    assert verdict.status == "expired" and not verdict.execute
    assert ID_A in guard


def test_ids_are_forgotten_after_expiry_plus_grace_and_copies_stay_refused() -> None:
    guard = CommandGuard(grace_ms=60_000)
    expiry = NOW + 10_000
    guard.admit(ID_A, expiry, NOW)
    guard.admit(ID_B, expiry + 69_999, expiry + 59_999)
    assert ID_A in guard
    assert guard.admit(ID_A, expiry, expiry + 60_000).status == "expired"
    assert ID_A not in guard and len(guard) == 1


def test_clock_stepping_back_within_grace_cannot_revive_a_command() -> None:
    guard = CommandGuard(grace_ms=300_000)
    expiry = NOW + 10_000
    assert guard.admit(ID_A, expiry, NOW).status == "accepted"
    guard.admit(ID_B, expiry + 200_001, expiry + 200_000)  # runs forgetting at the late time
    # NTP steps the clock back to before the expiry: the id is still held
    assert guard.admit(ID_A, expiry, expiry - 5_000).status == "replayed"


def test_full_memory_rejects_rather_than_forgets() -> None:
    guard = CommandGuard(capacity=2, grace_ms=0)
    guard.admit("1" * 32, NOW + 1_000, NOW)
    guard.admit("2" * 32, NOW + 5_000, NOW)
    verdict = guard.admit("3" * 32, NOW + 5_000, NOW)
    assert (verdict.status, verdict.reason) == ("rejected", "busy")
    assert guard.admit("1" * 32, NOW + 1_000, NOW).status == "replayed"
    # the first id expires and makes room
    assert guard.admit("3" * 32, NOW + 6_000, NOW + 1_000).status == "accepted"
    assert len(guard) == 2


def test_replay_is_answered_before_a_full_memory() -> None:
    guard = CommandGuard(capacity=1)
    guard.admit(ID_A, NOW + 1_000, NOW)
    assert guard.admit(ID_A, NOW + 1_000, NOW).status == "replayed"
    assert guard.admit(ID_B, NOW + 1_000, NOW).reason == "busy"


def test_expiry_too_far_ahead_is_rejected() -> None:
    guard = CommandGuard(max_ttl_ms=60_000)
    verdict = guard.admit(ID_A, NOW + 60_001, NOW)
    assert (verdict.status, verdict.reason) == ("rejected", "expiry_too_far")
    assert guard.admit(ID_A, NOW + 60_000, NOW).status == "accepted"


def test_limits_must_make_sense() -> None:
    with pytest.raises(ValueError):
        CommandGuard(capacity=0)
    with pytest.raises(ValueError):
        CommandGuard(grace_ms=-1)


steps = st.lists(
    st.tuples(st.integers(0, 4), st.integers(-2_000, 8_000), st.integers(-3_000, 3_000)),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_no_command_is_ever_executed_twice_or_late(script: list[tuple[int, int, int]]) -> None:
    """Whatever the order of copies and clock jumps (forward, or back within the grace)."""
    guard = CommandGuard(capacity=3, max_ttl_ms=7_000, grace_ms=3_000)
    expiry_of: dict[int, int] = {}  # a copy carries the same expiry as the original
    executed: set[int] = set()
    now = high_water = NOW
    for which, expires_offset, clock_step in script:
        now = max(now + clock_step, high_water - 3_000)
        high_water = max(high_water, now)
        expires_at = expiry_of.setdefault(which, now + expires_offset)
        verdict = guard.admit(f"{which:032x}", expires_at, now)
        if verdict.execute:
            assert which not in executed
            assert now < expires_at
            executed.add(which)
        assert len(guard) <= 3
