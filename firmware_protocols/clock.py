"""The wall clock in Unix milliseconds: what every timestamp on the wire and in the store is.

One definition for the hub, the simulators and the codecs; code that must be testable
takes a ``Callable[[], int]`` and defaults to :func:`wall_ms`.
"""

from __future__ import annotations

import time


def wall_ms() -> int:
    """Now, as integer Unix milliseconds."""
    return time.time_ns() // 1_000_000
