"""Keep the fleet gauges (online/offline by kind and district) in step with presence.

The district comes from each device's registry path (:func:`hub.registry.paths.district_of`),
so the label stays bounded by the city's districts, never one value per device.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from prometheus_client import Gauge

from hub.ingest.directory import DeviceInfo
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.registry.paths import district_of


def _label_sets(gauge: Gauge) -> set[tuple[str, str]]:
    """The (kind, district) label pairs the gauge has a value for."""
    return {
        (sample.labels["kind"], sample.labels["district"])
        for family in gauge.collect()
        for sample in family.samples
    }


def update_fleet_gauges(
    presence: PresenceTracker, metrics: HubMetrics, devices: Iterable[DeviceInfo]
) -> None:
    """Set ``hub_devices_online`` and ``hub_devices_offline`` {kind, district} from the
    presence of the registered ``devices``; label sets no device has any more go to 0."""
    online: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for info in devices:
        if presence.get(info.device_id) is None:
            continue
        key = (info.kind, district_of(info.path))
        total[key] += 1
        if presence.is_online(info.device_id):
            online[key] += 1
    for gauge, values in (
        (metrics.devices_online, online),
        (metrics.devices_offline, Counter({k: total[k] - online[k] for k in total})),
    ):
        for labels in _label_sets(gauge) - set(total):
            gauge.labels(*labels).set(0)
        for labels in total:
            gauge.labels(*labels).set(values[labels])
