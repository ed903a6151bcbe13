"""Time parameters: ISO 8601 or Unix ms, bounded ranges, 422 otherwise."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from hub.api.timeparams import DAY_MS, parse_instant, time_range

MAY_1 = 1_714_550_400_000  # 2024-05-01T08:00:00Z


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T08:00:00Z",
        "2024-05-01T16:00:00+08:00",
        "2024-05-01T08:00:00",  # no zone: UTC
        "2024-05-01 08:00:00.000Z",
        str(MAY_1),
    ],
)
def test_the_same_instant_in_every_accepted_form(text: str) -> None:
    assert parse_instant(text, "since") == MAY_1


@pytest.mark.parametrize(
    "text", ["", "yesterday", "-5", "--5", "9" * 30, "12:00", "2024-13-01", "99999-01-01", "x" * 99]
)
def test_anything_else_is_a_422_naming_the_parameter(text: str) -> None:
    with pytest.raises(HTTPException) as caught:
        parse_instant(text, "since")
    assert caught.value.status_code == 422
    assert caught.value.detail[0]["loc"] == ["query", "since"]


def test_range_defaults_and_bounds() -> None:
    assert time_range(None, None, MAY_1, DAY_MS, 7 * DAY_MS) == (MAY_1 - DAY_MS, MAY_1)
    assert time_range(str(MAY_1 - 5), None, MAY_1, DAY_MS, DAY_MS) == (MAY_1 - 5, MAY_1)
    with pytest.raises(HTTPException, match="before"):
        time_range(str(MAY_1), str(MAY_1), MAY_1, DAY_MS, DAY_MS)
    with pytest.raises(HTTPException) as caught:
        time_range(str(MAY_1 - 2 * DAY_MS), str(MAY_1), MAY_1, DAY_MS, DAY_MS)
    assert "limited to 1 days" in caught.value.detail[0]["msg"]
