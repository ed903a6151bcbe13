"""The front's switch interval: short, so the loop and its database threads hand the GIL
over within half a millisecond instead of CPython's default 5 ms."""

from __future__ import annotations

import sys

from hub.front.gil_handoff import FRONT_SWITCH_INTERVAL_S, hand_over_quickly


def test_the_front_hands_the_gil_over_ten_times_sooner_than_the_default() -> None:
    default = sys.getswitchinterval()
    try:
        hand_over_quickly()
        assert sys.getswitchinterval() == FRONT_SWITCH_INTERVAL_S
        assert default >= FRONT_SWITCH_INTERVAL_S * 10
    finally:
        sys.setswitchinterval(default)
