"""Prometheus counters of image downloads (on the hub's injected registry)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter


@dataclass(frozen=True, slots=True)
class DownloadMetrics:
    requests: Counter
    bytes_served: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> DownloadMetrics:
        return cls(
            requests=Counter(
                "hub_firmware_download_requests",
                "Firmware download requests, by result (full, partial, refused, gone,"
                " unsatisfiable).",
                ["result"],
                registry=registry,
            ),
            bytes_served=Counter(
                "hub_firmware_download_bytes",
                "Bytes of firmware images sent to devices.",
                registry=registry,
            ),
        )
