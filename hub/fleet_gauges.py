"""Keep the fleet gauges (online/offline by kind) in step with the presence tracker."""

from __future__ import annotations

from hub.metrics import HubMetrics
from hub.presence import PresenceTracker


def update_fleet_gauges(presence: PresenceTracker, metrics: HubMetrics) -> None:
    for kind, (online, total) in presence.counts().items():
        metrics.devices_online.labels(kind).set(online)
        metrics.devices_offline.labels(kind).set(total - online)
