"""Every metric the dashboards, alert rules and rule tests use is one the hub exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.metrics import HubMetrics
from tests.unit.dashboards.promql_names import (
    PROMETHEUS_SERIES,
    SUFFIXES,
    dashboard_expressions,
    exported_sample_names,
    metric_names,
    rule_expressions,
    rule_test_series,
)

REPO = Path(__file__).resolve().parents[3]
DASHBOARDS = sorted((REPO / "dashboards" / "grafana" / "dashboards").glob("*.json"))
RULES = REPO / "dashboards" / "prometheus" / "alerts.yml"
RULE_TESTS = REPO / "dashboards" / "prometheus" / "alerts_test.yml"


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _expressions(path: Path) -> list[str]:
    if path.suffix == ".json":
        return dashboard_expressions(json.loads(path.read_text(encoding="utf-8")))
    if path == RULE_TESTS:
        return rule_test_series(_load_yaml(path))
    return rule_expressions(_load_yaml(path))


@pytest.fixture(scope="module")
def known_names() -> frozenset[str]:
    return exported_sample_names(HubMetrics.create().registry) | PROMETHEUS_SERIES


def test_the_dashboards_are_there() -> None:
    assert [p.name for p in DASHBOARDS] == [
        "hub-city.json",
        "hub-district.json",
        "hub-doors.json",
        "hub-fleet.json",
        "hub-lockers.json",
        "hub-vending.json",
    ]


@pytest.mark.parametrize("path", [*DASHBOARDS, RULES, RULE_TESTS], ids=lambda p: p.name)
def test_only_exported_metrics_are_used(path: Path, known_names: frozenset[str]) -> None:
    expressions = _expressions(path)
    assert len(expressions) >= 10, f"{path.name}: suspiciously few expressions found"
    unknown: dict[str, list[str]] = {}
    for expr in expressions:
        for name in sorted(metric_names(expr) - known_names):
            unknown.setdefault(name, []).append(expr)
    assert not unknown, f"{path.name} uses metrics hub/metrics.py does not export: {unknown}"


def test_an_invented_metric_is_caught(known_names: frozenset[str]) -> None:
    """The check above can fail: a counter without ``_total`` and a made-up district label
    metric are both unknown."""
    board = {"panels": [{"targets": [{"expr": "sum(rate(hub_messages_received[5m]))"}]}]}
    board["panels"].append({"targets": [{"expr": 'hub_devices_online_by_district{d="x"}'}]})
    used = set().union(*(metric_names(e) for e in dashboard_expressions(board)))
    assert used - known_names == {"hub_messages_received", "hub_devices_online_by_district"}


def test_every_hub_family_appears_somewhere() -> None:
    """Each family of hub/metrics.py is shown on a dashboard or watched by an alert."""
    registry = HubMetrics.create().registry
    used = set().union(
        *(metric_names(e) for path in [*DASHBOARDS, RULES] for e in _expressions(path))
    )
    unused = [
        family.name
        for family in registry.collect()
        if not used & {family.name + suffix for suffix in SUFFIXES[family.type]}
    ]
    assert not unused, f"metrics on no dashboard and in no alert: {unused}"
