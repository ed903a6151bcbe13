"""Read queries against real data: buckets match Python's arithmetic on random points,
filters and pagination select what they say.

The tests only read, so each database is filled once for the module.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from sqlalchemy import Engine

from hub.store import (
    BUCKET_MS,
    BucketSize,
    EventRow,
    PresenceRow,
    StoreWriter,
    TelemetryRow,
    WriteBatch,
    events,
    last_presence,
    list_metrics,
    presence_history,
    telemetry_buckets,
    telemetry_points,
)

T0 = 1_700_000_000_000 - 1_700_000_000_000 % 86_400_000  # midnight UTC


def random_points(
    rng: random.Random, device: str, metric: str, n: int, first_seq: int = 0
) -> list[TelemetryRow]:
    return [
        TelemetryRow(
            device,
            first_seq + i,
            T0 + rng.randrange(2 * 86_400_000),
            {metric: rng.uniform(-20, 40)},
        )
        for i in range(n)
    ]


def value(point: TelemetryRow) -> float:
    (reading,) = point.metrics.values()
    return reading


def fill(engine: Engine) -> list[TelemetryRow]:
    """Write the module's data; return the points of vend-1's cabinet_temp_c."""
    rng = random.Random(20240611)
    ours = random_points(rng, "vend-1", "cabinet_temp_c", 3000)
    noise = random_points(rng, "vend-1", "stock", 500, first_seq=3000) + random_points(
        rng, "vend-2", "cabinet_temp_c", 500
    )
    writer = StoreWriter(engine)
    writer.write(WriteBatch(telemetry=ours + noise))
    for seq in range(12):  # one batch each, so ids follow seq
        device = "locker-1" if seq % 2 == 0 else "locker-2"
        kind = "deposit" if seq % 3 == 0 else "pickup"
        writer.write(WriteBatch(events=[EventRow(device, seq, 1000 * seq, kind, {"n": seq})]))
    writer.write(
        WriteBatch(
            presence=[
                PresenceRow("door-1", True, "status", 1_000, "hub-a"),
                PresenceRow("door-1", False, "will", 5_000, "hub-a"),
                PresenceRow("door-1", True, "status", 9_000, "hub-b"),
                PresenceRow("door-2", True, "status", 2_000, "hub-a"),
                PresenceRow("door-2", False, "heartbeat", 3_000, "hub-a"),
            ]
        )
    )
    return ours


@pytest.fixture(scope="module")
def filled(module_engine: Engine) -> list[TelemetryRow]:
    return fill(module_engine)


@pytest.fixture
def engine(module_engine: Engine, filled: list[TelemetryRow]) -> Engine:
    """The filled store, left as it is: these tests only read."""
    return module_engine


@pytest.fixture
def points(filled: list[TelemetryRow]) -> list[TelemetryRow]:
    return filled


@pytest.mark.parametrize("size", ["minute", "hour", "day"])
def test_buckets_match_python(engine: Engine, points: list[TelemetryRow], size: BucketSize) -> None:
    since, until = T0 + 3_600_000 + 17, T0 + 47 * 3_600_000 - 5  # cuts through buckets
    width = BUCKET_MS[size]
    expected: dict[int, list[float]] = defaultdict(list)
    for p in points:
        if since <= p.ts_ms < until:
            expected[p.ts_ms // width * width].append(value(p))

    buckets = telemetry_buckets(engine, "vend-1", "cabinet_temp_c", since, until, size)

    assert [b.start_ms for b in buckets] == sorted(expected)
    for bucket in buckets:
        values = expected[bucket.start_ms]
        assert bucket.count == len(values)
        assert bucket.min == min(values) and bucket.max == max(values)
        assert bucket.mean == pytest.approx(sum(values) / len(values), rel=1e-9)
    assert sum(b.count for b in buckets) == sum(len(v) for v in expected.values())


def test_points_are_filtered_ordered_and_limited(
    engine: Engine, points: list[TelemetryRow]
) -> None:
    since, until = T0 + 1000, T0 + 6 * 3_600_000
    wanted = sorted((p.ts_ms, value(p)) for p in points if since <= p.ts_ms < until)

    got = telemetry_points(engine, "vend-1", "cabinet_temp_c", since, until, limit=100_000)
    assert [(p.ts_ms, p.value) for p in got] == wanted
    newest = telemetry_points(engine, "vend-1", "cabinet_temp_c", since, until, 5, True)
    assert [(p.ts_ms, p.value) for p in newest] == wanted[::-1][:5]
    with pytest.raises(ValueError):
        telemetry_points(engine, "vend-1", "cabinet_temp_c", since, until, limit=0)


def test_list_metrics(engine: Engine, points: list[TelemetryRow]) -> None:
    assert list_metrics(engine, "vend-1") == ["cabinet_temp_c", "stock"]
    assert list_metrics(engine, "vend-2") == ["cabinet_temp_c"]
    assert list_metrics(engine, "nobody") == []


def test_events_filter_and_page_by_id(engine: Engine) -> None:
    everything = events(engine, limit=100)
    assert [e.seq for e in everything] == list(range(11, -1, -1))  # newest first

    page1 = events(engine, device_id="locker-1", limit=4)
    page2 = events(engine, device_id="locker-1", limit=4, before_id=page1[-1].id)
    assert [e.seq for e in page1] == [10, 8, 6, 4] and [e.seq for e in page2] == [2, 0]

    deposits = events(engine, types=["deposit"], since_ms=1000, until_ms=9000)
    assert [(e.seq, e.type) for e in deposits] == [(6, "deposit"), (3, "deposit")]
    assert events(engine, types=[]) == []
    assert events(engine, device_id="locker-2", types=["pickup"], limit=1)[0].data == {"n": 11}


def test_presence_history_and_last_presence(engine: Engine) -> None:
    history = presence_history(engine, "door-1", limit=2)
    assert [(h.online, h.ts_ms, h.recorded_by) for h in history] == [
        (True, 9_000, "hub-b"),
        (False, 5_000, "hub-a"),
    ]
    latest = last_presence(engine)
    assert {d: (p.online, p.reason) for d, p in latest.items()} == {
        "door-1": (True, "status"),
        "door-2": (False, "heartbeat"),
    }
    assert set(last_presence(engine, ["door-2", "door-9"])) == {"door-2"}
