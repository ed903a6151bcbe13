"""Days and months in the city's time zone."""

from __future__ import annotations

from datetime import date

import pytest

from hub.city_clock import CityClock

WUXI = CityClock("Asia/Shanghai")
HOUR = 3_600_000


def test_a_month_starts_at_the_citys_midnight() -> None:
    start, end = WUXI.month("2026-11")
    assert start == 1_793_462_400_000  # 2026-11-01T00:00+08:00
    assert end - start == 30 * 24 * HOUR
    assert WUXI.month("2026-12")[1] == WUXI.day_start_ms(date(2027, 1, 1))


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "2026-11-01", ""])
def test_a_month_must_be_yyyy_mm(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        WUXI.month(text)


def test_today_and_days_follow_the_city() -> None:
    late_utc = WUXI.day_start_ms(date(2026, 12, 7)) - HOUR  # 23:00 on the 6th in Wuxi
    assert WUXI.day_of(late_utc) == date(2026, 12, 6)
    start, end = WUXI.today(late_utc)
    assert end - start == 24 * HOUR and start <= late_utc < end
    assert WUXI.days(*WUXI.month("2026-02")) == [date(2026, 2, d) for d in range(1, 29)]
    assert WUXI.previous_month(WUXI.day_start_ms(date(2026, 1, 15))) == "2025-12"
