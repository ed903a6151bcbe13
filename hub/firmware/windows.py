"""Maintenance windows: when a community's devices may be updated (pure).

A window is a start and an end minute of the local day (``HUB_TIMEZONE``); an end before
the start crosses midnight (22:00-05:00). A community without a window may be updated at
any time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def parse_hhmm(text: str) -> int:
    """Minutes since midnight of ``HH:MM``; ValueError otherwise."""
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time HH:MM (00:00 to 23:59)")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not (0 <= self.start_minute < 1440 and 0 <= self.end_minute < 1440):
            raise ValueError("window minutes must be 0..1439")
        if self.start_minute == self.end_minute:
            raise ValueError("a window needs a start and a different end")

    def contains(self, minute: int) -> bool:
        """Whether the minute of the day falls inside (start included, end excluded)."""
        if self.start_minute < self.end_minute:
            return self.start_minute <= minute < self.end_minute
        return minute >= self.start_minute or minute < self.end_minute

    def open_at(self, now_ms: int, zone: ZoneInfo) -> bool:
        local = datetime.fromtimestamp(now_ms / 1000, zone)
        return self.contains(local.hour * 60 + local.minute)

    def describe(self) -> str:
        return f"{format_hhmm(self.start_minute)}-{format_hhmm(self.end_minute)}"
