from __future__ import annotations

from hub.domain.twin_settings import held_open_limit_ms, unlock_pulse_ms
from hub.twin import TwinStore


def test_desired_values_with_defaults_and_bounds() -> None:
    twins = TwinStore()
    assert unlock_pulse_ms(twins, "door-1") == 3000  # no twin yet
    assert held_open_limit_ms(twins, "door-1") == 30_000
    twins.desire("door-1", {"unlock_pulse_ms": 5000, "held_open_limit_s": 90}, 0)
    assert unlock_pulse_ms(twins, "door-1") == 5000
    assert held_open_limit_ms(twins, "door-1") == 90_000
    for bad in (0, -5, 10**9, True, "5000", None):
        twins.desire("door-1", {"unlock_pulse_ms": bad}, 0)
        assert unlock_pulse_ms(twins, "door-1") == 3000, bad
