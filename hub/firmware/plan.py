"""Which devices a campaign updates, and in which wave (pure).

The canary (wave 0) is ``canary_share`` of the devices, at least one, spread over as many
communities as possible; the rest follow in waves of ``wave_size``, each wave also spread
over places. The order within a place is a stable hash of the campaign and device id, so
planning the same campaign twice gives the same waves, and no place is always first.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from hub.firmware.versions import in_range


@dataclass(frozen=True, slots=True)
class Candidate:
    device_id: str
    kind: str
    vendor: str
    model: str
    firmware_version: str
    path: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Target:
    kind: str
    models: tuple[str, ...]
    version_min: str | None = None
    version_max: str | None = None
    places: tuple[str, ...] = ()  # paths; empty: the whole scope
    vendor: str | None = None

    def matches(self, device: Candidate, target_version: str) -> bool:
        return (
            device.enabled
            and device.kind == self.kind
            and (not self.models or device.model in self.models)
            and (self.vendor is None or device.vendor == self.vendor)
            and device.firmware_version != target_version
            and in_range(device.firmware_version, self.version_min, self.version_max)
            and (
                not self.places
                or any(device.path == p or device.path.startswith(p + "/") for p in self.places)
            )
        )


@dataclass(frozen=True, slots=True)
class Planned:
    device: Candidate
    wave: int


def community_path(path: str) -> str:
    """The community part of a device path (city/district/subdistrict/community[/...])."""
    return "/".join(path.split("/")[:4])


def building_path(path: str) -> str | None:
    """The building of a door's path (five levels), or None above building level."""
    parts = path.split("/")
    return "/".join(parts[:5]) if len(parts) >= 5 else None


def _spread(devices: Sequence[Candidate], seed: str) -> list[Candidate]:
    """Round-robin over communities, each community's devices in a stable hashed order."""
    by_place: dict[str, list[Candidate]] = defaultdict(list)
    for device in devices:
        by_place[community_path(device.path)].append(device)

    def key(device: Candidate) -> str:
        return hashlib.sha256(f"{seed}:{device.device_id}".encode()).hexdigest()

    queues = [sorted(group, key=key) for _, group in sorted(by_place.items())]
    queues.sort(key=lambda q: key(q[0]))
    order: list[Candidate] = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


def plan_waves(
    devices: Sequence[Candidate], canary_share: float, wave_size: int, seed: str
) -> list[Planned]:
    """Every device with its wave: 0 is the canary."""
    if not devices:
        return []
    order = _spread(devices, seed)
    canary = max(1, math.ceil(len(order) * canary_share))
    planned = [Planned(d, 0) for d in order[:canary]]
    for index, device in enumerate(order[canary:]):
        planned.append(Planned(device, 1 + index // max(1, wave_size)))
    return planned


def wave_count(planned: Sequence[Planned]) -> int:
    return 1 + max((p.wave for p in planned), default=0)
