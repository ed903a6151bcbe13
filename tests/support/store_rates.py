"""Measure how fast the store takes telemetry (messages/s), to compare the bulk paths of a
database (executemany; COPY on PostgreSQL). Run against a throwaway database: it writes
real rows.

The messages look like ingest's: a few metrics each, from devices in random order, so
index inserts scatter the way they do in production, written in batches through
:meth:`StoreWriter.write` (screening, one transaction per batch, commit included).
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from hub.store.rows import TelemetryRow, WriteBatch
from hub.store.writer import StoreWriter, TelemetryMethod

METRICS = ("cabinet_temp_c", "door_open", "stock_total")


@dataclass(frozen=True, slots=True)
class Rate:
    dialect: str
    method: TelemetryMethod
    rows: int
    inserted: int
    batch_size: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        return (
            f"{self.dialect} {self.method}: {self.rows_per_s:,.0f} messages/s "
            f"({self.rows} messages in batches of {self.batch_size}, {self.seconds:.2f}s)"
        )


def synthetic_telemetry(
    rows: int,
    devices: int = 500,
    prefix: str = "bench",
    seq_start: int = 0,
    start_ms: int = 1_700_000_000_000,
    seed: int = 7,
) -> list[TelemetryRow]:
    """``rows`` telemetry messages of len(METRICS) metrics each, from random devices."""
    rng = random.Random(seed)
    return [
        TelemetryRow(
            f"{prefix}-{rng.randrange(devices):05d}",
            seq_start + message,
            start_ms + message * 10,
            {metric: rng.uniform(-5, 30) for metric in METRICS},
        )
        for message in range(rows)
    ]


def measure_telemetry_rate(
    engine: Engine,
    rows: int = 120_000,
    batch_size: int = 6_000,
    method: TelemetryMethod | None = None,
    devices: int = 500,
) -> Rate:
    """Write ``rows`` new telemetry messages in batches and time it."""
    writer = StoreWriter(engine, telemetry_method=method)
    # Device ids of this run only, so no row is skipped as a duplicate of an earlier run.
    data = synthetic_telemetry(rows, devices=devices, prefix=f"bench-{secrets.token_hex(4)}")
    batches = [
        WriteBatch(telemetry=data[i : i + batch_size], received_ms=0)
        for i in range(0, len(data), batch_size)
    ]
    inserted = 0
    started = time.perf_counter()
    for batch in batches:
        inserted += writer.write(batch).telemetry_inserted
    seconds = time.perf_counter() - started
    return Rate(engine.dialect.name, writer.telemetry_method, rows, inserted, batch_size, seconds)


def compare_telemetry_methods(
    engine: Engine, rows: int = 120_000, batch_size: int = 6_000, rounds: int = 2
) -> list[Rate]:
    """Every bulk path this database supports, measured in interleaved rounds on the same
    table (so neither gains from a smaller table), totals per path."""
    methods: list[TelemetryMethod] = ["executemany"]
    if engine.dialect.name == "postgresql":
        methods.append("copy")
    per_round = max(1, rows // rounds)
    runs = [
        measure_telemetry_rate(engine, per_round, batch_size, method=method)
        for _ in range(rounds)
        for method in methods
    ]
    return [
        Rate(
            engine.dialect.name,
            method,
            sum(r.rows for r in runs if r.method == method),
            sum(r.inserted for r in runs if r.method == method),
            batch_size,
            sum(r.seconds for r in runs if r.method == method),
        )
        for method in methods
    ]
