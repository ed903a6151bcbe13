"""The front hands the interpreter lock over quickly.

The front serves residents' unlocks on its event loop and runs each database call of an
unlock in a worker thread (the idempotency claim, the audit row, and on PostgreSQL the
token lookup). When the worker thread's call returns, the loop must get the GIL back,
and when the loop hands a call to a thread, the thread must get it: CPython makes a
thread that wants the GIL wait up to the switch interval (5 ms by default) for the
holder to let go. An unlock makes three or four such hand-overs, so in the front they
queued up to about 10 ms of a p99. With 0.5 ms the waits shrink to that bound.

Measured with ``hub bench`` (2 cores): on PostgreSQL (its server on the same machine) the
server-side time of an idle unlock went from p50 12.4 / p99 26 ms to 8.0 / 17 ms, and
the bench's unlock figures from 16.6-20.4 / 34-43 ms to 12.8-13.7 / 20.7-25.5 ms; on SQLite
from 9.7-11.5 / 19.7-24.2 ms to 7.8 / 15.4 ms. The cost is more frequent switches between
the front's own threads, which do little else; the ingest workers, whose throughput
matters, keep the default.
"""

from __future__ import annotations

import sys

FRONT_SWITCH_INTERVAL_S = 0.0005


def hand_over_quickly() -> None:
    sys.setswitchinterval(FRONT_SWITCH_INTERVAL_S)
