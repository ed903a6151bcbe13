"""Pure parts of firmware handling: version order, byte ranges, download tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.firmware.ranges import ByteRange, Unsatisfiable, parse_range
from hub.firmware.tokens import DownloadGrant, DownloadTokens, TokenRefused
from hub.firmware.versions import in_range, version_key


def test_versions_compare_part_by_part() -> None:
    assert version_key("2.10.0") > version_key("2.9.3") > version_key("2.9")
    assert version_key("v1.2.0") == version_key("1.2.0")
    assert in_range("1.4.0", "1.0.0", "1.9.9") and not in_range("2.0.0", "1.0.0", "1.9.9")
    assert in_range("0.1", None, None) and not in_range("1.0", "1.0.1", None)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-", ByteRange(0, 100)),
        ("bytes=50-", ByteRange(50, 100)),
        ("bytes=10-19", ByteRange(10, 20)),
        ("bytes=90-500", ByteRange(90, 100)),
        ("bytes=-30", ByteRange(70, 100)),
        ("bytes=5-9, 20-29", ByteRange(5, 10)),
        ("items=0-5", None),
        ("bytes=x-", None),
    ],
)
def test_ranges(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=200-300", "bytes=-0", "bytes=9-3"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, 100)


@given(st.integers(1, 10_000), st.data())
def test_served_ranges_stay_within_the_image(size: int, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, size - 1))
    chosen = parse_range(f"bytes={start}-", size)
    assert chosen is not None and chosen.end == size and chosen.length == size - start
    assert chosen.content_range(size) == f"bytes {start}-{size - 1}/{size}"


def test_tokens_carry_their_grant_until_expiry() -> None:
    tokens = DownloadTokens("secret-key-0123456789")
    grant = DownloadGrant("locker-0001", "ab" * 32, 10_000)
    token = tokens.issue(grant)
    assert tokens.verify(token, 9_999) == grant
    with pytest.raises(TokenRefused, match="expired"):
        tokens.verify(token, 10_000)
    with pytest.raises(TokenRefused, match="signature"):
        DownloadTokens("another-key-0123456789").verify(token, 0)
    head, _, tail = token.partition(".")
    forged = DownloadTokens("secret-key-0123456789").issue(DownloadGrant("x", "cd" * 32, 10**15))
    with pytest.raises(TokenRefused):
        tokens.verify(forged.partition(".")[0] + "." + tail, 0)
    for broken in ("", "abc", "a.b", head):
        with pytest.raises(TokenRefused):
            tokens.verify(broken, 0)
