"""The store rate measurement writes what it says it timed (no timing assertions)."""

from __future__ import annotations

from sqlalchemy import Engine

from hub.store import telemetry_count
from tests.support.store_rates import compare_telemetry_methods, measure_telemetry_rate


def test_measure_writes_every_row_it_reports(engine: Engine) -> None:
    rate = measure_telemetry_rate(engine, rows=900, batch_size=200)
    assert (rate.rows, rate.inserted, rate.batch_size) == (900, 900, 200)
    assert rate.dialect == engine.dialect.name and rate.seconds > 0
    assert telemetry_count(engine) == 900
    assert "messages/s" in rate.describe()


def test_compare_measures_each_path_of_the_database(engine: Engine) -> None:
    rates = compare_telemetry_methods(engine, rows=600, batch_size=100, rounds=2)
    expected = ["executemany", "copy"] if engine.dialect.name == "postgresql" else ["executemany"]
    assert [r.method for r in rates] == expected
    assert all(r.rows == r.inserted == 600 for r in rates)
    assert telemetry_count(engine) == 600 * len(expected)
