"""A place's figures, rolled up from its devices: devices (total, online) by kind, open
alarms by severity, unlocks by method, parcels waiting, vends and their value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from hub.api.places.activity import DeviceActivity
from hub.api.places.tree import PlacedDevice
from hub.registry.vocabulary import DEVICE_KINDS, DeviceKind


@dataclass(slots=True)
class Figures:
    total: Counter[DeviceKind] = field(default_factory=Counter)
    online: Counter[DeviceKind] = field(default_factory=Counter)
    alarms: Counter[str] = field(default_factory=Counter)
    unlocks: Counter[str] = field(default_factory=Counter)
    parcels_waiting: int = 0
    vends: int = 0
    sales_fen: int = 0

    def add(self, device: PlacedDevice, online: bool, done: DeviceActivity | None) -> None:
        if device.enabled:
            self.total[device.kind] += 1
            self.online[device.kind] += online
        if done is None:
            return
        self.alarms.update(done.alarms)
        self.unlocks.update(done.unlocks)
        self.parcels_waiting += done.parcels_waiting
        self.vends += done.vends
        self.sales_fen += done.sales_fen

    def by_kind(self) -> dict[DeviceKind, tuple[int, int]]:
        return {kind: (self.total[kind], self.online[kind]) for kind in DEVICE_KINDS}

    @property
    def online_share(self) -> float | None:
        """Enabled devices online over enabled devices; None without any."""
        total = sum(self.total.values())
        return None if total == 0 else sum(self.online.values()) / total


def roll_up(
    devices: Iterable[PlacedDevice],
    is_online: Callable[[str], bool],
    activity: Mapping[str, DeviceActivity],
    group_of: Callable[[PlacedDevice], str | None],
) -> dict[str, Figures]:
    """Figures per group (``group_of`` a device; None leaves it out)."""
    groups: dict[str, Figures] = {}
    for device in devices:
        group = group_of(device)
        if group is None:
            continue
        figures = groups.get(group)
        if figures is None:
            figures = groups[group] = Figures()
        figures.add(device, is_online(device.id), activity.get(device.id))
    return groups
