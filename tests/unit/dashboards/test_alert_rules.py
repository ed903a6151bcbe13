"""The alert rules: labelled, described, and each exercised by alerts_test.yml both firing
and staying quiet (promtool runs those tests in tests/integration/dashboards)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

PROMETHEUS = Path(__file__).resolve().parents[3] / "dashboards" / "prometheus"


def _load(name: str) -> Any:
    return yaml.safe_load((PROMETHEUS / name).read_text(encoding="utf-8"))


def _alerts() -> list[dict[str, Any]]:
    return [rule for group in _load("alerts.yml")["groups"] for rule in group["rules"]]


ALERT_NAMES = [rule["alert"] for rule in _alerts()]


def test_alert_names_are_unique() -> None:
    assert len(ALERT_NAMES) == len(set(ALERT_NAMES))


def test_the_issue_s_alerts_exist() -> None:
    expressions = {rule["alert"]: rule["expr"] for rule in _alerts()}
    wanted = {
        "HubDevicesOfflineShareHigh": "hub_devices_offline",
        "HubIngestStalled": "hub_store_batch_messages_count",
        "HubDeadLetterRateHigh": "hub_dead_letters_total",
        "HubUnlockLatencyHigh": "hub_unlock_latency_seconds_bucket",
        "HubStoreQueueSaturated": "hub_ingest_queue_capacity",
        "HubBrokerDisconnected": "hub_broker_connected == 0",
        "HubCriticalAlarmsActive": 'hub_alarms_active{severity="critical"}',
    }
    for alert, needle in wanted.items():
        assert needle in expressions[alert], alert
    assert "histogram_quantile(0.99" in expressions["HubUnlockLatencyHigh"]


@pytest.mark.parametrize("rule", _alerts(), ids=lambda rule: rule["alert"])
def test_alert_is_labelled_and_described(rule: dict[str, Any]) -> None:
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"].strip()
    assert len(rule["annotations"]["description"]) > 40


@pytest.mark.parametrize("alert", ALERT_NAMES)
def test_alert_has_a_firing_and_a_quiet_unit_test(alert: str) -> None:
    cases = [
        test
        for case in _load("alerts_test.yml")["tests"]
        for test in case.get("alert_rule_test", [])
        if test["alertname"] == alert
    ]
    assert any(test.get("exp_alerts") for test in cases), f"{alert}: no test sees it fire"
    assert any(not test.get("exp_alerts") for test in cases), f"{alert}: no test sees it quiet"


def test_config_loads_the_rules_and_scrapes_the_hub() -> None:
    config = _load("prometheus.yml")
    assert config["rule_files"] == ["alerts.yml"]
    assert _load("alerts_test.yml")["rule_files"] == ["alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["hub"]["metrics_path"] == "/metrics"
    alert_jobs = {
        rule["expr"].split('job="')[1].split('"')[0]
        for rule in _alerts()
        if 'job="' in rule["expr"]
    }
    assert alert_jobs <= set(jobs), "alerts name only jobs the config scrapes"
