"""CommandGuard: the firmware's refusal of expired and replayed commands."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocols.lockerlink import CommandGuard, OpenCompartment, Reboot

ID_A = "a" * 32
ID_B = "b" * 32


@dataclass
class FakeClock:
    """Device time under the test's control (Unix ms)."""

    now: int = 1_736_929_800_000

    def __call__(self) -> int:
        return self.now


def test_first_copy_is_accepted_second_is_replayed() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock)
    assert guard.admit(ID_A, clock.now + 30_000).status == "accepted"
    assert guard.admit(ID_A, clock.now + 30_000).status == "replayed"
    assert guard.admit(ID_B, clock.now + 30_000).status == "accepted"
    assert ID_A in guard and ID_B in guard and len(guard) == 2


def test_expired_at_and_after_the_expiry_instant() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock)
    assert guard.admit(ID_A, clock.now).status == "expired"
    assert guard.admit(ID_A, clock.now - 1).status == "expired"
    assert ID_A not in guard  # refused commands are not remembered
    assert guard.admit(ID_A, clock.now + 1).status == "accepted"


def test_expiry_is_checked_before_replay() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock)
    verdict = guard.admit(ID_A, clock.now + 1_000)
    assert verdict.execute
    clock.now += 1_000
    verdict = guard.admit(ID_A, clock.now)
    assert verdict.status == "expired" and not verdict.execute


def test_ids_are_evicted_after_expiry_plus_grace_and_copies_stay_refused() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock, grace_ms=60_000)
    expiry = clock.now + 10_000
    guard.admit(ID_A, expiry)
    clock.now = expiry + 59_999
    guard.admit(ID_B, clock.now + 10_000)
    assert ID_A in guard
    clock.now = expiry + 60_000
    assert guard.admit(ID_A, expiry).status == "expired"
    assert ID_A not in guard and len(guard) == 1


def test_clock_stepping_back_within_grace_cannot_revive_a_command() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock, grace_ms=300_000)
    expiry = clock.now + 10_000
    assert guard.admit(ID_A, expiry).status == "accepted"
    clock.now = expiry + 200_000
    guard.admit(ID_B, clock.now + 1)  # runs eviction at the late time
    clock.now = expiry - 5_000  # NTP steps the clock back
    assert guard.admit(ID_A, expiry).status == "replayed"


def test_full_memory_rejects_rather_than_forgets() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock, capacity=2, grace_ms=0)
    guard.admit("1" * 32, clock.now + 1_000)
    guard.admit("2" * 32, clock.now + 5_000)
    verdict = guard.admit("3" * 32, clock.now + 5_000)
    assert (verdict.status, verdict.reason) == ("rejected", "busy")
    assert guard.admit("1" * 32, clock.now + 1_000).status == "replayed"
    clock.now += 1_000  # the first id expires and makes room
    assert guard.admit("3" * 32, clock.now + 5_000).status == "accepted"
    assert len(guard) == 2


def test_expiry_too_far_ahead_is_rejected() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock, max_ttl_ms=60_000)
    verdict = guard.admit(ID_A, clock.now + 60_001)
    assert (verdict.status, verdict.reason) == ("rejected", "expiry_too_far")
    assert guard.admit(ID_A, clock.now + 60_000).status == "accepted"


def test_judge_takes_decoded_commands() -> None:
    clock = FakeClock()
    guard = CommandGuard(clock)
    command = OpenCompartment(2, ID_A, clock.now + 5_000, 3, "resident_pickup")
    assert guard.judge(command).status == "accepted"
    assert guard.judge(Reboot(2, ID_A, clock.now + 5_000)).status == "replayed"
    assert guard.judge(Reboot(2, ID_B, clock.now - 1)).status == "expired"


steps = st.lists(
    st.tuples(st.integers(0, 4), st.integers(-2_000, 8_000), st.integers(-3_000, 3_000)),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_no_command_is_ever_executed_twice_or_late(script: list[tuple[int, int, int]]) -> None:
    """Whatever the order of copies and clock jumps (forward, or back within the grace)."""
    clock = FakeClock()
    guard = CommandGuard(clock, capacity=3, max_ttl_ms=7_000, grace_ms=3_000)
    expiry_of: dict[int, int] = {}  # a copy carries the same expiry as the original
    executed: set[int] = set()
    high_water = clock.now
    for which, expires_offset, clock_step in script:
        clock.now = max(clock.now + clock_step, high_water - 3_000)
        high_water = max(high_water, clock.now)
        expires_at = expiry_of.setdefault(which, clock.now + expires_offset)
        verdict = guard.admit(f"{which:032x}", expires_at)
        if verdict.execute:
            assert which not in executed
            assert clock.now < expires_at
            executed.add(which)
        assert len(guard) <= 3
