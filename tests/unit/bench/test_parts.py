"""Pure parts of the bench: percentiles, profile summaries, /metrics sums, CPU model."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.bench.machine import cpu_model
from hub.bench.metrics_text import by_label, sample_sums
from hub.bench.presence_storm import announcement_topics
from hub.bench.profile import summarize
from hub.bench.unlock import percentile
from hub.cli.bench import hub_settings


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7.0], 0.99) == 7
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3  # order of arrival does not matter
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_profile_summary_by_thread_self_and_own_code() -> None:
    collapsed = "\n".join(
        [
            "thread (11): MainThread;main (hub/cli.py);decode (hub/ingest/decoder.py:63) 30",
            "thread (11): MainThread;main (hub/cli.py);decode (hub/ingest/decoder.py:70) 10",
            "thread (12): asyncio_0;write (hub/store/writer.py:5);execute (sqlalchemy/e.py:9) 60",
            "garbage line",
        ]
    )
    summary = summarize(collapsed, top=5)
    assert summary.samples == 100
    assert summary.threads == [("asyncio", 60), ("MainThread", 40)]
    assert summary.self_time[0] == ("execute (sqlalchemy/e.py)", 60)
    assert ("decode (hub/ingest/decoder.py)", 40) in summary.self_time  # lines merged
    inclusive = dict(summary.inclusive)
    assert inclusive["write (hub/store/writer.py)"] == 60
    assert "execute (sqlalchemy/e.py)" not in inclusive  # not the hub's own code
    assert "60.0 %" in summary.text()


METRICS = """\
# HELP hub_devices_online Devices online, by kind.
# TYPE hub_devices_online gauge
hub_devices_online{kind="locker"} 3.0
hub_devices_online{kind="door"} 4.0
# HELP hub_store_batch_messages Messages per store batch.
# TYPE hub_store_batch_messages histogram
hub_store_batch_messages_bucket{le="+Inf"} 2.0
hub_store_batch_messages_count 2.0
hub_store_batch_messages_sum 1500.0
"""


def test_metric_sums_and_labels() -> None:
    sums = sample_sums(
        METRICS, frozenset({"hub_devices_online", "hub_store_batch_messages_sum", "absent"})
    )
    assert sums == {
        "hub_devices_online": 7.0,
        "hub_store_batch_messages_sum": 1500.0,
        "absent": 0.0,
    }
    assert by_label(METRICS, "hub_devices_online", "kind") == {"locker": 3.0, "door": 4.0}


def test_cpu_model_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: X\nmodel name\t: Example CPU 9000\n")
    assert cpu_model(info) == "Example CPU 9000"
    assert cpu_model(tmp_path / "missing")  # falls back to something non-empty


def test_announcement_topics_are_status_and_births() -> None:
    filters = [
        "lockerlink/+/status",
        "lockerlink/+/telemetry",
        "spBv1.0/vending/NBIRTH/+",
        "spBv1.0/vending/DDATA/+/+",
        "osdp/+/status",
    ]
    assert announcement_topics(filters) == [
        "lockerlink/+/status",
        "spBv1.0/vending/NBIRTH/+",
        "osdp/+/status",
    ]


def test_hub_settings_are_hub_name_value_pairs() -> None:
    given = ["HUB_INGEST_BATCH_SIZE=1000", "HUB_INGEST_WORKERS=1"]
    assert hub_settings(given) == {
        "HUB_INGEST_BATCH_SIZE": "1000",
        "HUB_INGEST_WORKERS": "1",
    }
    for wrong in ("INGEST_BATCH_SIZE=1000", "HUB_INGEST_BATCH_SIZE", "HUB_=1"):
        with pytest.raises(ValueError, match="HUB_NAME=VALUE"):
            hub_settings([wrong])
