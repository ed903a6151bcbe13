"""Pure parts of firmware handling: version order, byte ranges, download tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.firmware.health import HealthInput, WaveResult, health_problem, wave_failure
from hub.firmware.plan import Candidate, Target, building_path, plan_waves, wave_count
from hub.firmware.progress import fold_progress
from hub.firmware.ranges import ByteRange, Unsatisfiable, parse_range
from hub.firmware.tokens import DownloadGrant, DownloadTokens, TokenRefused
from hub.firmware.versions import in_range, version_key
from hub.firmware.windows import MaintenanceWindow, parse_hhmm


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


# ------------------------------------------------------------------ campaigns (pure)


def _lockers(n: int, communities: int = 5) -> list[Candidate]:
    return [
        Candidate(f"lk-{i:03d}", "locker", "K", "KL", "1.0.0", f"c/d/s/c{i % communities}")
        for i in range(n)
    ]


def test_waves_start_with_a_spread_canary() -> None:
    planned = plan_waves(_lockers(100), 0.05, 30, seed="7")
    canary = [p for p in planned if p.wave == 0]
    assert len(canary) == 5 and len({p.device.path for p in canary}) == 5
    assert [sum(1 for p in planned if p.wave == w) for w in range(wave_count(planned))] == [
        5,
        30,
        30,
        30,
        5,
    ]
    assert planned == plan_waves(_lockers(100), 0.05, 30, seed="7")
    assert plan_waves(_lockers(3), 0.001, 10, seed="x")[0].wave == 0  # at least one canary
    assert plan_waves([], 0.1, 10, seed="x") == []


def test_targets_select_by_model_version_and_place() -> None:
    target = Target("locker", ("KL",), "1.0.0", "1.9", ("c/d/s/c1",))
    device = Candidate("a", "locker", "K", "KL", "1.2.0", "c/d/s/c1")
    assert target.matches(device, "2.0.0")
    assert not target.matches(device, "1.2.0")  # already there
    assert not target.matches(Candidate("a", "locker", "K", "KL", "2.1", "c/d/s/c1"), "3")
    assert not target.matches(Candidate("a", "locker", "K", "KL", "1.2", "c/d/s/c10"), "3")
    assert not target.matches(Candidate("a", "locker", "K", "XX", "1.2", "c/d/s/c1"), "3")
    assert building_path("c/d/s/c1/b2") == "c/d/s/c1/b2" and building_path("c/d/s/c1") is None


def test_wave_failures_and_health() -> None:
    assert wave_failure(WaveResult(1, 7, 3), 0.2) is not None
    assert wave_failure(WaveResult(1, 8, 2), 0.2) is None
    hour = 3_600_000
    calm = HealthInput({"u1": 0, "u2": 0}, ["r1", "r2"], {"r1": [hour // 2]}, hour)
    assert health_problem(calm, 2.0, 3) is None
    noisy = HealthInput({"u1": 0, "u2": 0}, ["r1", "r2"], {"u1": [1, 2, 3, 4]}, hour)
    assert "4 alarms or drops" in (health_problem(noisy, 2.0, 3) or "")
    before = HealthInput({"u1": hour}, ["r1"], {"u1": [1, 2, 3]}, 2 * hour)  # before its update
    assert health_problem(before, 2.0, 3) is None
    assert health_problem(HealthInput({"u1": 0}, [], {"u1": [1, 2, 3]}, hour), 2.0, 1) is None


def test_progress_moves_forward_for_its_version_only() -> None:
    events = [
        {"state": "downloading", "version": "2", "progress_pct": 50},
        {"state": "verifying", "version": "2"},
        {"state": "downloading", "version": "2", "progress_pct": 75},
        {"state": "failed", "version": "3", "reason": "x"},
    ]
    assert fold_progress("sending", None, "2", events).state == "verifying"
    assert fold_progress(
        "sending", None, "2", [*events, {"state": "done", "version": "2"}]
    ).state == ("updated")
    failed = fold_progress(
        "rebooting", 100, "2", [{"state": "failed", "version": "2", "reason": "boot_failed"}]
    )
    assert (failed.state, failed.reason) == ("failed", "boot_failed")
    busy = [{"state": "failed", "version": "2", "reason": "busy"}]
    assert fold_progress("sending", None, "2", busy).state == "sending"


def test_maintenance_windows_cross_midnight() -> None:
    night = MaintenanceWindow(parse_hhmm("22:00"), parse_hhmm("05:00"))
    assert night.contains(23 * 60) and night.contains(60) and not night.contains(12 * 60)
    assert not night.contains(5 * 60) and night.contains(22 * 60)
    assert MaintenanceWindow(60, 120).describe() == "01:00-02:00"
    with pytest.raises(ValueError):
        parse_hhmm("24:00")
    with pytest.raises(ValueError):
        MaintenanceWindow(10, 10)
