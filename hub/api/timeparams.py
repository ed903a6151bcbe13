"""Time parameters of the API: ISO 8601 or Unix milliseconds, within bounds.

``2024-05-01T08:00:00Z``, ``2024-05-01T08:00:00+08:00`` and ``1714550400000`` name the
same instant; a time without a zone is taken as UTC. Anything else is a 422 shaped like
FastAPI's own validation errors (``{"detail": [{"loc", "msg", "type"}]}``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import HTTPException, Query, status

MIN_MS: Final = 0
MAX_MS: Final = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
DAY_MS: Final = 86_400_000
MAX_FILTER_SPAN_MS: Final = 3660 * DAY_MS
_INTEGER: Final = re.compile(r"-?[0-9]{1,20}")

Instant = Annotated[
    str | None, Query(max_length=64, description="ISO 8601 (UTC if no zone) or Unix ms")
]


def unprocessable(name: str, message: str, location: str = "query") -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": [location, name], "msg": message, "type": "value_error"}],
    )


def parse_instant(value: str, name: str) -> int:
    """Unix ms of ``value``; a 422 naming the parameter if it is not a time in range."""
    text = value.strip()
    if len(text) > 64:
        raise unprocessable(name, "too long to be a time")
    if _INTEGER.fullmatch(text):
        ms = int(text)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise unprocessable(name, f"{value!r} is neither ISO 8601 nor Unix ms") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            ms = int(moment.timestamp() * 1000)
        except (OverflowError, OSError, ValueError):
            raise unprocessable(name, f"{value!r} is out of range") from None
    if not MIN_MS <= ms <= MAX_MS:
        raise unprocessable(name, f"{value!r} is outside the years 1970 to 9999")
    return ms


def time_range(
    since: str | None, until: str | None, now_ms: int, default_span_ms: int, max_span_ms: int
) -> tuple[int, int]:
    """[since, until) in Unix ms: ``until`` defaults to now, ``since`` to ``until`` minus
    the default span; the span must be positive and at most ``max_span_ms``."""
    end = parse_instant(until, "until") if until is not None else now_ms
    start = parse_instant(since, "since") if since is not None else max(0, end - default_span_ms)
    if start >= end:
        raise unprocessable("since", "since must be before until")
    if end - start > max_span_ms:
        days = max_span_ms / DAY_MS
        raise unprocessable("since", f"the range from since to until is limited to {days:g} days")
    return start, end


def optional_time_range(
    since: str | None, until: str | None, now_ms: int
) -> tuple[int, int] | tuple[None, None]:
    """A time filter that may be left out: (None, None) when neither ``since`` nor
    ``until`` is given, else :func:`time_range` with a span of at most 3660 days (also
    the default of ``since``)."""
    if since is None and until is None:
        return None, None
    return time_range(since, until, now_ms, MAX_FILTER_SPAN_MS, MAX_FILTER_SPAN_MS)
