"""Prometheus's own checker on the config, the alert rules and their unit tests, and on
every dashboard query (as recording rules), exactly as ``make lint`` runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.unit.dashboards.promql_names import dashboard_expressions

REPO = Path(__file__).resolve().parents[3]
PROMETHEUS = REPO / "dashboards" / "prometheus"
DASHBOARDS = sorted((REPO / "dashboards" / "grafana" / "dashboards").glob("*.json"))


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        reason = "promtool not installed (Debian package prometheus): rules not checked"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI installs it, so this must run")
        pytest.skip(reason)
    return path


def _run(promtool: str, *args: str, cwd: Path = REPO) -> str:
    done = subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"promtool {' '.join(args)} failed:\n{output}"
    return output


def test_check_config(promtool: str) -> None:
    output = _run(promtool, "check", "config", "dashboards/prometheus/prometheus.yml")
    assert "1 rule files found" in output


def test_check_rules(promtool: str) -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    count = sum(len(group["rules"]) for group in rules["groups"])
    output = _run(promtool, "check", "rules", "dashboards/prometheus/alerts.yml")
    assert f"{count} rules found" in output


def test_rule_unit_tests_pass(promtool: str) -> None:
    output = _run(promtool, "test", "rules", "dashboards/prometheus/alerts_test.yml")
    assert "SUCCESS" in output


def test_rule_unit_tests_catch_a_broken_rule(promtool: str, tmp_path: Path) -> None:
    """The unit tests are not vacuous: loosen two alerts and they fail."""
    rules = (PROMETHEUS / "alerts.yml").read_text()
    broken = rules.replace("hub_broker_connected == 0", "hub_broker_connected == 2").replace(
        "rate(hub_dead_letters_total[10m])) > 0.5", "rate(hub_dead_letters_total[10m])) > 5"
    )
    assert broken.count("== 2") == 1 and "> 5\n" in broken
    (tmp_path / "alerts.yml").write_text(broken)
    shutil.copy(PROMETHEUS / "alerts_test.yml", tmp_path / "alerts_test.yml")
    done = subprocess.run(
        [promtool, "test", "rules", "alerts_test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "HubBrokerDisconnected" in output and "HubDeadLetterRateHigh" in output


def test_every_dashboard_query_is_valid_promql(promtool: str, tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:{path.stem.replace('-', '_')}:query_{index}", "expr": expr}
        for path in DASHBOARDS
        for index, expr in enumerate(dashboard_expressions(json.loads(path.read_text())))
    ]
    (tmp_path / "dashboards.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]})
    )
    output = _run(promtool, "check", "rules", str(tmp_path / "dashboards.yml"))
    assert f"{len(rules)} rules found" in output
