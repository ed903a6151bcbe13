"""The Grafana dashboards and their provisioning hang together: ids, layout, data source,
variables, and the provider path docker-compose mounts them at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
GRAFANA = REPO / "dashboards" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
GRID_WIDTH = 24


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def _datasource() -> dict[str, Any]:
    document = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    (source,) = document["datasources"]
    assert source["type"] == "prometheus"
    return dict(source)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_well_formed(path: Path) -> None:
    board = _load(path)
    assert board["uid"] == path.stem, "uid matches the file name, so links stay stable"
    assert board["title"].startswith("Hub: ")
    assert "community-device-hub" in board["tags"]
    panels = _panels(board)
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= GRID_WIDTH, panel["title"]
        assert panel["title"], "every panel has a title"
        if panel["type"] != "row":
            assert panel.get("description"), f"{panel['title']}: say what it shows"
            assert panel["targets"], f"{panel['title']}: no query"


def _cells(panels: list[dict[str, Any]]) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps another panel"
                cells.add((x, y))
    return cells


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_panels_do_not_overlap(path: Path) -> None:
    assert _cells(_panels(_load(path)))


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_query_uses_the_provisioned_prometheus(path: Path) -> None:
    uid = _datasource()["uid"]
    board = _load(path)
    for panel in _panels(board):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == uid, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid, panel["title"]
    for variable in board["templating"]["list"]:
        assert variable["datasource"]["uid"] == uid


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_queries_honour_the_replica_and_district_variables(path: Path) -> None:
    """Hub metrics are filtered by the $instance variable, so one replica can be inspected,
    and on the dashboards of places by the $district variable."""
    board = _load(path)
    names = {variable["name"] for variable in board["templating"]["list"]}
    assert names in ({"instance"}, {"instance", "district"})
    for panel in _panels(board):
        for target in panel.get("targets", []):
            if "hub_" in target["expr"]:
                assert 'instance=~"$instance"' in target["expr"], target["expr"]
                if "district" in names:
                    assert 'district=~"$district"' in target["expr"], target["expr"]


@pytest.mark.parametrize("uid", ["hub-city", "hub-district"])
def test_the_place_dashboards_show_districts(uid: str) -> None:
    """Online share and alarms per district (the district label of the fleet gauges)."""
    board = _load(GRAFANA / f"dashboards/{uid}.json")
    (district,) = [v for v in board["templating"]["list"] if v["name"] == "district"]
    assert district["query"]["query"] == "label_values(hub_devices_online, district)"
    assert district["multi"] is (uid == "hub-city")
    text = " ".join(t["expr"] for p in _panels(board) for t in p.get("targets", []))
    for needle in ("hub_devices_online", "hub_devices_offline", "hub_alarms_active"):
        assert needle in text, needle
    if uid == "hub-city":
        assert "sum by (instance, district)" in text


def test_dashboard_uids_are_unique() -> None:
    uids = [_load(path)["uid"] for path in DASHBOARDS]
    assert len(uids) == len(set(uids))


def test_the_fleet_dashboard_covers_the_spec() -> None:
    """SPEC section 9 and the issue list what the fleet overview must show."""
    text = " ".join(
        f"{panel['title']} {' '.join(t['expr'] for t in panel.get('targets', []))}"
        for panel in _panels(_load(GRAFANA / "dashboards/hub-fleet.json"))
    )
    for needle in (
        "hub_devices_online",
        "hub_messages_received_total",
        "hub_messages_rejected_total",
        "hub_ingest_lag_seconds_bucket",
        "hub_store_batch_seconds_bucket",
        "hub_ingest_queue_depth",
        "hub_dead_letters_total",
        "histogram_quantile(0.99, sum by (kind, le) (rate(hub_unlock_latency_seconds_bucket",
        "histogram_quantile(0.5, sum by (kind, le) (rate(hub_unlock_latency_seconds_bucket",
        "hub_commands_total",
        "hub_alarms_active",
        "hub_broker_connected",
        "hub_broker_reconnects_total",
    ):
        assert needle in text, needle


def test_provisioning_points_at_the_dashboards() -> None:
    provider_doc = yaml.safe_load((GRAFANA / "provisioning/dashboards/hub.yml").read_text())
    (provider,) = provider_doc["providers"]
    assert provider["type"] == "file"
    assert provider["allowUiUpdates"] is False, "the repository's JSON is the source of truth"
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = dict(
        volume.split(":")[:2]
        for volume in compose["services"]["grafana"]["volumes"]
        if volume.startswith("./")
    )
    assert mounts["./dashboards/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./dashboards/grafana/provisioning"] == "/etc/grafana/provisioning"
    home = compose["services"]["grafana"]["environment"][
        "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"
    ]
    assert home == f"{provider['options']['path']}/hub-fleet.json"


def test_datasource_points_at_the_compose_prometheus() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    source = _datasource()
    assert source["url"] == "http://prometheus:9090"
    assert "prometheus" in compose["services"]
    prometheus = yaml.safe_load((REPO / "dashboards/prometheus/prometheus.yml").read_text())
    assert source["jsonData"]["timeInterval"] == prometheus["global"]["scrape_interval"]
