"""The fleet gauges by kind and district, and the district of a path."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from hub.fleet_gauges import update_fleet_gauges
from hub.ingest.directory import DeviceInfo
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.registry.paths import child_on_way, community_of, district_of

NORTH = "city/city-north/city-north-st/c0001"
SOUTH = "city/city-south/city-south-st/c0002"


def info(device_id: str, kind: str, path: str) -> DeviceInfo:
    return DeviceInfo(device_id, kind, "p", "1.0.0", True, path)  # type: ignore[arg-type]


def test_district_and_community_of_a_path() -> None:
    assert district_of(NORTH + "/c0001-b01") == "city-north"
    assert district_of("city") == "none"
    assert community_of(SOUTH) == "c0002"
    assert community_of("city/city-south") is None
    assert child_on_way("city", NORTH) == "city-north"
    assert child_on_way("city/city-north", NORTH) == "city-north-st"
    assert child_on_way(NORTH, NORTH) is None
    assert child_on_way("city/city-no", NORTH) is None


def test_gauges_count_by_kind_and_district_and_zero_what_is_gone() -> None:
    metrics = HubMetrics.create(CollectorRegistry())
    presence = PresenceTracker(10_000)
    devices = [
        info("l1", "locker", NORTH),
        info("l2", "locker", SOUTH),
        info("d1", "door", NORTH + "/c0001-b01"),
        info("d2", "door", NORTH + "/c0001-b02"),
    ]
    for device in devices:
        presence.register(device.device_id, device.kind)
    presence.observe("l1", True, "status", 1)
    presence.observe("d2", True, "status", 1)
    update_fleet_gauges(presence, metrics, devices)

    def value(name: str, kind: str, district: str) -> float | None:
        labels = {"kind": kind, "district": district}
        return metrics.registry.get_sample_value(name, labels)

    assert value("hub_devices_online", "locker", "city-north") == 1
    assert value("hub_devices_offline", "locker", "city-south") == 1
    assert value("hub_devices_online", "door", "city-north") == 1
    assert value("hub_devices_offline", "door", "city-north") == 1
    assert value("hub_devices_online", "door", "city-south") is None
    # The south locker leaves the registry: its label set goes to 0, not stale.
    update_fleet_gauges(presence, metrics, devices[:1] + devices[2:])
    assert value("hub_devices_offline", "locker", "city-south") == 0
    assert value("hub_devices_online", "locker", "city-north") == 1
