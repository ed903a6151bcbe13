"""A device's campaign state from its ``firmware`` events (pure).

Events of another version are not this campaign's and are skipped. States only move
forward (a late ``downloading`` after ``verifying`` changes nothing); ``done`` ends in
``updated`` and ``failed`` in ``failed`` with the device's reason, except ``busy``, which
means the device is already at an update (ours, sent before a restart).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STEPS: Mapping[str, int] = {
    "pending": -1,
    "sending": 0,
    "downloading": 1,
    "verifying": 2,
    "installing": 3,
    "rebooting": 4,
}


@dataclass(frozen=True, slots=True)
class Progress:
    state: str
    progress_pct: int | None
    reason: str | None = None


def fold_progress(
    state: str, progress_pct: int | None, to_version: str, events: Iterable[Mapping[str, Any]]
) -> Progress:
    current = Progress(state, progress_pct)
    for data in events:
        if data.get("version") != to_version:
            continue
        step = data.get("state")
        if step == "done":
            return Progress("updated", 100)
        if step == "failed":
            reason = data.get("reason")
            if reason == "busy":
                continue
            return Progress("failed", current.progress_pct, str(reason or "failed")[:128])
        if isinstance(step, str) and step in STEPS and STEPS[step] >= STEPS[current.state]:
            pct = data.get("progress_pct")
            keep = pct if isinstance(pct, int) and not isinstance(pct, bool) else None
            current = Progress(step, keep if keep is not None else current.progress_pct)
    return current
