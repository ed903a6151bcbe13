"""The city's calendar: days and months in its time zone (``HUB_TIMEZONE``), as Unix ms.

"Today" on the page and the days and months of reports are the city's, not UTC's, so an
operator in Wuxi sees the day that ended at their midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class CityClock:
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(self.zone)

    def day_of(self, ms: int) -> date:
        """The city's date at the instant ``ms``."""
        return self.local(ms).date()

    def day_start_ms(self, day: date) -> int:
        return _ms(datetime(day.year, day.month, day.day, tzinfo=self.zone))

    def today(self, now_ms: int) -> tuple[int, int]:
        """[start, end) of the city's day that holds ``now_ms``."""
        day = self.day_of(now_ms)
        return self.day_start_ms(day), self.day_start_ms(day + timedelta(days=1))

    def month(self, month: str) -> tuple[int, int]:
        """[start, end) of a month given as ``YYYY-MM``; ValueError if it is not one."""
        match = _MONTH.fullmatch(month)
        if match is None:
            raise ValueError(f"{month!r} is not a month as YYYY-MM")
        year, number = int(match[1]), int(match[2])
        following = date(year + number // 12, number % 12 + 1, 1)
        return self.day_start_ms(date(year, number, 1)), self.day_start_ms(following)

    def days(self, start_ms: int, end_ms: int) -> list[date]:
        """The city's dates from the one holding ``start_ms`` to the one before ``end_ms``."""
        first, last = self.day_of(start_ms), self.day_of(end_ms - 1)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def previous_month(self, now_ms: int) -> str:
        first = self.day_of(now_ms).replace(day=1) - timedelta(days=1)
        return f"{first.year:04d}-{first.month:02d}"
