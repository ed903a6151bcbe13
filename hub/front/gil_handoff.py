"""The front hands the interpreter lock over quickly.

The front serves residents' unlocks on its event loop and runs each database call of an
unlock in a worker thread (the idempotency claim, the audit row, and on PostgreSQL the
token lookup). When the worker thread's call returns, the loop must get the GIL back,
and when the loop hands a call to a thread, the thread must get it: CPython makes a
thread that wants the GIL wait up to the switch interval (5 ms by default) for the
holder to let go. An unlock makes three or four such hand-overs, so in the front they
queued up to about 10 ms of a p99. With 0.5 ms the waits shrink to that bound.

Measured with ``hub bench`` (2 cores). On PostgreSQL (its server on the same machine),
timers inside the front gave the server-side time of an idle unlock as p50 12.4 / p99
26 ms before and 8.0 / 17 ms after. On SQLite, two alternating pairs of runs showed no
clear change for idle unlocks (p50/p99 10.8/34.7 and 7.5/14.0 ms before, 11.5/20.2 and
8.7/18.5 after) and steadier unlocks under load (p50/p99 25.4/466 and 13.5/24.2 before,
11.3/20.4 and 11.6/23.8 after). The cost is more frequent switches between the front's
own threads, which do little else; the ingest workers, whose throughput matters, keep
the default.
"""

from __future__ import annotations

import sys

FRONT_SWITCH_INTERVAL_S = 0.0005


def hand_over_quickly() -> None:
    sys.setswitchinterval(FRONT_SWITCH_INTERVAL_S)
