"""Device offline for longer than ``for_s`` (default 5 minutes), from presence changes."""

from __future__ import annotations

from collections.abc import Callable

from hub.alarms.config import DeviceOfflineRule
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal


class Offline:
    def __init__(self) -> None:
        self._since: dict[str, int] = {}
        self._fired: set[str] = set()

    def went_offline(self, device_id: str, since_ms: int) -> None:
        """The device is offline since ``since_ms`` (kept if already offline)."""
        self._since.setdefault(device_id, since_ms)

    def came_online(self, device_id: str, now_ms: int) -> list[Signal]:
        self._since.pop(device_id, None)
        self._fired.discard(device_id)
        return [Clear(device_id, AlarmType.DEVICE_OFFLINE, now_ms)]

    def due(self, now_ms: int, rule_for: Callable[[str], DeviceOfflineRule]) -> list[Signal]:
        signals: list[Signal] = []
        for device_id, since in self._since.items():
            if device_id in self._fired:
                continue
            rule = rule_for(device_id)
            if not rule.enabled or now_ms - since < rule.for_s * 1000:
                continue
            self._fired.add(device_id)
            details = {"offline_since_ms": since, "limit_s": rule.for_s}
            signals.append(Fire(device_id, AlarmType.DEVICE_OFFLINE, now_ms, True, details))
        return signals

    def offline_ids(self) -> set[str]:
        return set(self._since)
