"""The batch writer on real SQLite and PostgreSQL: one transaction per batch, duplicates
skipped and reported, new events named, dead letters kept byte for byte, presence stored
once across replicas, twins that only move forward."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.exc import DBAPIError

from hub.db.engine import is_sqlite, make_engine
from hub.store import (
    INVALID_ROW,
    DeadLetterRow,
    EventRow,
    PresenceRow,
    StoreWriter,
    TelemetryMethod,
    TelemetryRow,
    TwinRow,
    WriteBatch,
    count_by_reason,
    dead_letters,
    event_count,
    events,
    last_presence,
    load_twins,
    presence_history,
    telemetry_count,
    telemetry_points,
)
from hub.store.reads import Bind
from hub.store.schema import telemetry


def telemetry_row(device: str, seq: int, ts_ms: int, **metrics: float) -> TelemetryRow:
    return TelemetryRow(device, seq, ts_ms, metrics)


def a_batch() -> WriteBatch:
    return WriteBatch(
        telemetry=[
            telemetry_row("locker-1", 1, 1_000, temp=4.5, door=0.0),
            telemetry_row("locker-1", 2, 2_000, temp=4.75, door=1.0),
            telemetry_row("vend-7", 10, 1_500, temp=6.0),
        ],
        events=[
            EventRow("locker-1", 2, 2_000, "door_opened", {"compartment": 3}),
            EventRow("vend-7", 11, 1_600, "vend", {"slot": 4, "price_cents": 150}),
        ],
        presence=[PresenceRow("locker-1", True, "status", 1_000, "hub-a")],
        dead_letters=[
            DeadLetterRow(1_700, "lockers/x/up", b"\x00\xffnot json", None, "unknown_device", "?")
        ],
        twins=[TwinRow("locker-1", {"temp": 4.75}, 1, {}, 0, 2_000)],
        received_ms=5_000,
    )


def counts(bind: Bind) -> tuple[int, int, int, int, int]:
    return (
        telemetry_count(bind),
        event_count(bind),
        len(presence_history(bind, "locker-1")),
        sum(count_by_reason(bind).values()),
        len(load_twins(bind)),
    )


def test_a_batch_is_stored_and_readable(engine: Engine) -> None:
    result = StoreWriter(engine).write(a_batch())

    assert result.telemetry_inserted == 3 and result.telemetry_duplicates == 0
    assert result.events_inserted == 2 and result.events_duplicates == 0
    assert set(result.new_event_keys) == {("locker-1", 2, "door_opened"), ("vend-7", 11, "vend")}
    assert result.presence_inserted == 1 and result.dead_letters_inserted == 1
    assert result.twins_written == 1 and result.rejected == 0
    assert counts(engine) == (3, 2, 1, 1, 1)
    points = telemetry_points(engine, "locker-1", "temp", 0, 10_000)
    assert [(p.ts_ms, p.value) for p in points] == [(1_000, 4.5), (2_000, 4.75)]
    (vend,) = events(engine, device_id="vend-7")
    assert (vend.seq, vend.ts_ms, vend.type) == (11, 1_600, "vend")
    assert vend.data == {"slot": 4, "price_cents": 150} and vend.received_ms == 5_000


def test_received_ms_defaults_to_the_writer_clock(engine: Engine) -> None:
    writer = StoreWriter(engine, clock_ms=lambda: 123_456)
    writer.write(WriteBatch(events=[EventRow("door-1", 1, 100, "card_read", {"bits": 26})]))
    assert [e.received_ms for e in events(engine)] == [123_456]


@pytest.fixture
def failing_twin_trigger(engine: Engine) -> Iterator[None]:
    """Make the database refuse a twin row for device 'boom' (twins are written last)."""
    with engine.begin() as conn:
        if is_sqlite(engine):
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON twin "
                    "WHEN NEW.device_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN IF NEW.device_id = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON twin "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
                )
            )
    yield
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_boom" + ("" if is_sqlite(engine) else " ON twin")))
        if not is_sqlite(engine):
            conn.execute(text("DROP FUNCTION refuse_boom()"))


@pytest.mark.usefixtures("failing_twin_trigger")
def test_a_failing_row_rolls_back_the_whole_batch(engine: Engine) -> None:
    good = a_batch()
    bad = WriteBatch(
        telemetry=good.telemetry,
        events=good.events,
        presence=good.presence,
        dead_letters=good.dead_letters,
        twins=[*good.twins, TwinRow("boom", {}, 1, {}, 0, 1)],
        received_ms=5_000,
    )
    writer = StoreWriter(engine)

    with pytest.raises(DBAPIError, match="boom"):
        writer.write(bad)
    assert counts(engine) == (0, 0, 0, 0, 0)

    # The same writer (and its pooled connection) then stores the good batch in full.
    result = writer.write(good)
    assert result.telemetry_inserted == 3 and result.events_inserted == 2
    assert counts(engine) == (3, 2, 1, 1, 1)


def test_a_redelivered_batch_adds_no_rows_and_reports_duplicates(engine: Engine) -> None:
    writer = StoreWriter(engine)
    writer.write(a_batch())
    before = counts(engine)

    again = writer.write(a_batch())

    assert again.telemetry_inserted == 0 and again.telemetry_duplicates == 3
    assert again.events_inserted == 0 and again.events_duplicates == 2
    assert again.new_event_keys == ()
    assert again.presence_inserted == 0 and again.presence_duplicates == 1
    # Dead letters are a log of what arrived, not deduplicated; twins are upserted.
    assert counts(engine) == (before[0], before[1], before[2], before[3] + 1, before[4])


def test_only_new_events_are_reported_in_a_mixed_batch(engine: Engine) -> None:
    writer = StoreWriter(engine)
    writer.write(WriteBatch(events=[EventRow("locker-1", 1, 100, "deposit", {"c": 1})]))

    result = writer.write(
        WriteBatch(
            telemetry=[
                telemetry_row("locker-1", 1, 100, temp=5.0),
                telemetry_row("locker-1", 1, 100, temp=5.0),  # twice in one batch
            ],
            events=[
                EventRow("locker-1", 1, 100, "deposit", {"c": 1}),  # seen before
                EventRow("locker-1", 1, 100, "door_closed", {}),  # same seq, other type
                EventRow("locker-1", 2, 200, "pickup", {"c": 1}),
                EventRow("locker-1", 2, 200, "pickup", {"c": 1}),  # twice in one batch
            ],
        )
    )

    assert sorted(result.new_event_keys) == [
        ("locker-1", 1, "door_closed"),
        ("locker-1", 2, "pickup"),
    ]
    assert result.events_inserted == 2 and result.events_duplicates == 2
    assert result.telemetry_inserted == 1 and result.telemetry_duplicates == 1
    assert event_count(engine) == 3 and telemetry_count(engine) == 1


def test_dead_letters_keep_their_payload_bytes(engine: Engine) -> None:
    payload = bytes(range(256)) * 3
    StoreWriter(engine).write(
        WriteBatch(
            dead_letters=[
                DeadLetterRow(10, "doors/d-1/osdp", payload, "d-1", "bad_crc", "crc 0x1234"),
                DeadLetterRow(11, "vend/x", b"", None, "unknown_device", ""),
                DeadLetterRow(12, "doors/d-1/osdp", b"\x53", "d-1", "bad_crc", "short"),
            ]
        )
    )

    crc = dead_letters(engine, reason="bad_crc")
    assert [d.payload for d in crc] == [b"\x53", payload]  # newest first
    assert crc[1].topic == "doors/d-1/osdp" and crc[1].detail == "crc 0x1234"
    assert crc[1].device_id == "d-1" and crc[1].received_ms == 10
    assert dead_letters(engine, reason="unknown_device")[0].device_id is None
    assert count_by_reason(engine) == {"bad_crc": 2, "unknown_device": 1}


def test_rows_the_database_would_refuse_become_dead_letters(engine: Engine) -> None:
    nan = float("nan")
    result = StoreWriter(engine).write(
        WriteBatch(
            telemetry=[
                TelemetryRow("vend-1", 1, 1_000, {"temp": 5.5}),
                TelemetryRow("vend-1", 2, 2_000, {"temp": nan}),
                TelemetryRow("vend-1", 3, 2_000, {"x" * 500: 1.0}),
                TelemetryRow("vend-1", 4, 2_000, {"nul\x00": 1.0}),
                TelemetryRow("vend-1", 2**70, 3_000, {"temp": 1.0}),
            ],
            events=[
                EventRow("vend-1", 3, 3_000, "fault", {"reading": float("inf")}),
                EventRow("vend-1", 4, 4_000, "fault", {"code": "E5"}),
            ],
            presence=[PresenceRow("vend-1", False, "r\x00" + "y" * 300, 5_000, "hub-a")],
            dead_letters=[DeadLetterRow(1, "t\x00", b"p", "\ud800", "r" * 200, "d\x00")],
            received_ms=9_000,
        )
    )

    assert result.rejected == 5
    assert result.telemetry_inserted == 1 and result.events_inserted == 1
    assert [p.value for p in telemetry_points(engine, "vend-1", "temp", 0, 10_000)] == [5.5]
    assert [e.data for e in events(engine)] == [{"code": "E5"}]
    refused = dead_letters(engine, reason=INVALID_ROW)
    assert len(refused) == 5 and {d.device_id for d in refused} == {"vend-1"}
    assert all(d.received_ms == 9_000 for d in refused)
    assert any(b"nan" in d.payload for d in refused)
    (presence,) = presence_history(engine, "vend-1")
    assert presence.reason.startswith("r\\x00yyy") and len(presence.reason) == 64
    (cleaned,) = [d for d in dead_letters(engine) if d.reason != INVALID_ROW]
    assert (cleaned.topic, cleaned.device_id, cleaned.detail) == ("t\\x00", "\\ud800", "d\\x00")
    assert cleaned.reason == "r" * 64 and cleaned.payload == b"p"


def test_presence_is_recorded_once_across_replicas(store_url: str, engine: Engine) -> None:
    replica_a, replica_b = make_engine(store_url), make_engine(store_url)
    try:
        first = StoreWriter(replica_a).write(
            WriteBatch(presence=[PresenceRow("door-5", False, "will", 60_000, "hub-a")])
        )
        second = StoreWriter(replica_b).write(
            WriteBatch(presence=[PresenceRow("door-5", False, "will", 60_000, "hub-b")])
        )
        assert (first.presence_inserted, first.presence_duplicates) == (1, 0)
        assert (second.presence_inserted, second.presence_duplicates) == (0, 1)

        # Both replicas see the next transition at the same moment, in parallel.
        row = "door-5", True, "status", 120_000
        barrier = threading.Barrier(2)
        results = []

        def record(replica: Engine, instance: str) -> None:
            barrier.wait()
            results.append(
                StoreWriter(replica).write(WriteBatch(presence=[PresenceRow(*row, instance)]))
            )

        threads = [
            threading.Thread(target=record, args=(replica_a, "hub-a")),
            threading.Thread(target=record, args=(replica_b, "hub-b")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.presence_inserted for r in results) == [0, 1]
    finally:
        replica_a.dispose()
        replica_b.dispose()

    history = presence_history(engine, "door-5")
    assert [(h.online, h.ts_ms) for h in history] == [(True, 120_000), (False, 60_000)]
    assert history[1].recorded_by == "hub-a"
    latest = last_presence(engine)["door-5"]
    assert (latest.online, latest.reason, latest.ts_ms) == (True, "status", 120_000)


def test_twin_upserts_move_versions_forward_only(engine: Engine) -> None:
    writer = StoreWriter(engine)
    writer.write(WriteBatch(twins=[TwinRow("vend-1", {"temp": 4.0}, 1, {}, 0, 100)]))
    writer.write(
        WriteBatch(twins=[TwinRow("vend-1", {"temp": 4.5, "door": "closed"}, 2, {}, 0, 200)])
    )
    assert load_twins(engine)["vend-1"] == TwinRow(
        "vend-1", {"temp": 4.5, "door": "closed"}, 2, {}, 0, 200
    )

    # A late row from before (an older reported state) does not undo the newer one, but
    # its newer desired configuration is kept.
    writer.write(WriteBatch(twins=[TwinRow("vend-1", {"temp": 4.0}, 1, {"setpoint_c": 5}, 1, 150)]))
    assert load_twins(engine)["vend-1"] == TwinRow(
        "vend-1", {"temp": 4.5, "door": "closed"}, 2, {"setpoint_c": 5}, 1, 200
    )

    # Two rows for one device in one batch: the newest of each side wins.
    result = writer.write(
        WriteBatch(
            twins=[
                TwinRow("vend-1", {"temp": 6.0}, 4, {"setpoint_c": 5}, 1, 400),
                TwinRow("vend-1", {"temp": 5.0}, 3, {"setpoint_c": 6}, 2, 300),
                TwinRow("locker-2", {"compartments": {"1": "empty"}}, 1, {}, 0, 300),
            ]
        )
    )
    assert result.twins_written == 2
    twins = load_twins(engine)
    assert twins["vend-1"] == TwinRow("vend-1", {"temp": 6.0}, 4, {"setpoint_c": 6}, 2, 400)
    assert twins["locker-2"].reported == {"compartments": {"1": "empty"}}


def test_every_telemetry_path_skips_duplicates(engine: Engine) -> None:
    methods: list[TelemetryMethod] = ["executemany"]
    if engine.dialect.name == "postgresql":
        methods.append("copy")
    # Every (device, seq) here is distinct; the two repeated rows are the duplicates.
    rows = [TelemetryRow(f"d-{i % 3}", i // 2, i, {"temp": i / 4}) for i in range(40)]
    for method in methods:
        with engine.begin() as conn:
            conn.execute(delete(telemetry))
        writer = StoreWriter(engine, telemetry_method=method)
        first = writer.write(WriteBatch(telemetry=[*rows, rows[0], rows[7]]))
        assert (first.telemetry_inserted, first.telemetry_duplicates) == (40, 2), method
        second = writer.write(WriteBatch(telemetry=rows[:10]))
        assert (second.telemetry_inserted, second.telemetry_duplicates) == (0, 10), method
        points = telemetry_points(engine, "d-1", "temp", 0, 100)
        assert [(p.ts_ms, p.value) for p in points] == [(i, i / 4) for i in range(1, 40, 3)]


def test_copy_needs_postgres(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with pytest.raises(ValueError, match="PostgreSQL"):
        StoreWriter(engine, telemetry_method="copy")
    engine.dispose()
