"""Wait for the hub to finish the work a fleet's arrival starts (allow-list pushes to every
door, desired configuration, twins) before measuring it in steady state."""

from __future__ import annotations

import time
from dataclasses import dataclass

from hub.bench.processes import tree_cpu_seconds


@dataclass(frozen=True, slots=True)
class Settled:
    seconds: float  # until the hub's CPU fell below the threshold (or the timeout)
    cpu_percent: float  # of one core, over the last window
    settled: bool


def cpu_percent(pid: int, window_s: float) -> float:
    """CPU use of a process and its children (the hub's workers) over the next
    ``window_s``, in percent of one core."""
    cpu, wall = tree_cpu_seconds(pid), time.monotonic()
    time.sleep(window_s)
    return 100 * (tree_cpu_seconds(pid) - cpu) / (time.monotonic() - wall)


def wait_settled(
    pid: int, below_percent: float = 50.0, window_s: float = 3.0, timeout_s: float = 120.0
) -> Settled:
    started = time.monotonic()
    while True:
        used = cpu_percent(pid, window_s)
        elapsed = time.monotonic() - started
        if used < below_percent or elapsed >= timeout_s:
            return Settled(elapsed, used, used < below_percent)
