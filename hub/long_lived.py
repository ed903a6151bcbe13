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
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect once, then freeze every object left; returns how many are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
