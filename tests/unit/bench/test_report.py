"""The bench report: the product's targets, verdicts, table and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.bench.report import FIGURES, INFORMATIVE, BenchReport, Target, targets_for


def figures(**overrides: float) -> dict[str, float]:
    values = {
        "raw_subscriber_msgs_per_s": 50_000.0,
        "ingest_msgs_per_s": 21_000.0,
        "ingest_ratio": 0.52,
        "hub_cpu_us_per_message": 70.0,
        "ingest_workers": 2.0,
        "unlock_p50_ms": 8.0,
        "unlock_p99_ms": 15.0,
        "unlock_under_load_p50_ms": 12.0,
        "unlock_under_load_p99_ms": 40.0,
        "unlock_under_load_errors": 0.0,
        "presence_storm_s": 4.0,
        "hub_rss_mb": 180.0,
        "lost": 0.0,
        "duplicates": 0.0,
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("op", "bound", "value", "met"),
    [
        ("<", 10, 9.99, True),
        ("<", 10, 10, False),
        ("<=", 10, 10, True),
        (">", 20_000, 20_000, False),
        (">=", 0.4, 0.4, True),
        ("==", 0, 1, False),
    ],
)
def test_target_comparisons(op: str, bound: float, value: float, met: bool) -> None:
    assert Target(op, bound).met(value) is met


def test_ingest_targets_depend_on_the_store() -> None:
    assert targets_for("sqlite")["ingest_msgs_per_s"].met(14_999) is False
    assert targets_for("sqlite")["ingest_msgs_per_s"].met(15_000) is True
    assert "ingest_msgs_per_s" not in targets_for("postgresql")  # the ratio only
    assert targets_for("sqlite")["ingest_ratio"].met(0.49) is False
    assert targets_for("postgresql")["ingest_ratio"].met(0.35) is True
    assert "raw_subscriber_msgs_per_s" not in targets_for("sqlite")


def test_every_figure_but_the_informative_ones_has_a_target() -> None:
    assert set(targets_for("sqlite")) == set(FIGURES) - INFORMATIVE


def test_verdicts_and_table_mark_misses(tmp_path: Path) -> None:
    report = BenchReport(
        figures(unlock_p99_ms=75.0, lost=3.0), {"store": {}}, targets_for("sqlite")
    )
    verdicts = report.verdicts()
    assert verdicts["unlock_p99_ms"]["met"] is False
    assert verdicts["lost"]["met"] is False
    assert verdicts["unlock_p50_ms"]["met"] is True
    table = report.table()
    lines = {line.split()[0]: line for line in table.splitlines()[2:]}
    assert lines["unlock_p99_ms"].endswith("MISS")
    assert lines["unlock_p50_ms"].endswith("pass")
    assert "(ceiling)" in lines["raw_subscriber_msgs_per_s"]
    path = tmp_path / "bench.json"
    report.write_json(path)
    document = json.loads(path.read_text())
    assert document["unlock_p99_ms"] == 75.0
    assert document["targets"]["lost"] == {"target": "== 0", "met": False, "note": ""}
    assert document["store"] == {}
