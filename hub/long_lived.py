"""Keep a long-running process's start-up objects out of the garbage collector's way.

A process of the hub (the front, each ingest worker) builds most of what it will ever
hold at start: imported modules, the web application, the device directory. CPython's
full collection (generation 2) walks every tracked object each time it runs, so in a
front holding 150,000 of them a full collection stopped the event loop for 90 to 170 ms,
and an unlock that arrived meanwhile waited that long. After
:func:`freeze_startup_objects` those objects sit in the permanent generation: the
collector no longer walks them, and a full collection walks only what came later.

Frozen objects are never freed, which is what start-up objects of a service are for;
whatever they let go of later is still collected.

What is not frozen is still walked, and a collection can come at a bad moment: in an
ingest worker, full collections took up to 44 ms, and one that fell inside a batch's
transaction held SQLite's write lock that long while a resident's claim waited for it.
:func:`no_collection_within` keeps collections out of such a stretch; the allocations
made meanwhile are collected right after.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def freeze_startup_objects() -> int:
    """Collect once, then freeze every object left; returns how many are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@contextlib.contextmanager
def no_collection_within() -> Iterator[None]:
    """No automatic garbage collection in this process until the block ends (a
    transaction that holds a lock others wait for). If collection was already off (another
    thread's block), it stays as that thread leaves it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
