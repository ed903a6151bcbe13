"""Prometheus metrics of firmware campaigns (on the hub's injected registry): devices by
campaign and state for the campaigns this replica drives, and updates by result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge

from hub.firmware.tables import DEVICE_STATES


@dataclass(slots=True)
class CampaignMetrics:
    devices: Gauge
    updates: Counter
    aborts: Counter
    _shown: set[str] = field(default_factory=set)

    @classmethod
    def create(cls, registry: CollectorRegistry) -> CampaignMetrics:
        return cls(
            devices=Gauge(
                "hub_firmware_campaign_devices",
                "Devices of the campaigns this replica drives, by campaign and state.",
                ["campaign", "state"],
                registry=registry,
            ),
            updates=Counter(
                "hub_firmware_updates",
                "Device firmware updates that ended, by kind and result (updated, failed).",
                ["kind", "result"],
                registry=registry,
            ),
            aborts=Counter(
                "hub_firmware_campaign_aborts",
                "Campaigns stopped automatically, by cause (failures, health).",
                ["cause"],
                registry=registry,
            ),
        )

    def show(self, campaign_id: int, counts: Mapping[str, int]) -> None:
        label = str(campaign_id)
        self._shown.add(label)
        for state in DEVICE_STATES:
            self.devices.labels(label, state).set(counts.get(state, 0))

    def forget(self, campaign_id: int) -> None:
        label = str(campaign_id)
        if label in self._shown:
            self._shown.discard(label)
            for state in DEVICE_STATES:
                self.devices.remove(label, state)
