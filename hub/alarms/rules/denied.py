"""Repeated denied access at one door: ``count`` denials within ``window_s`` (default 5 in
a minute). Every denial that finds ``count`` or more in its window is an occurrence; the
alarm clears after ``quiet_clear_s`` without a denial (the engine applies that to the
stored alarm's last occurrence, so it survives a restart)."""

from __future__ import annotations

from collections import deque

from hub.alarms.config import AccessDeniedRule
from hub.alarms.vocabulary import AlarmType, Fire, Signal


class DeniedAccess:
    def __init__(self) -> None:
        self._recent: dict[str, deque[int]] = {}

    def denied(self, device_id: str, rule: AccessDeniedRule, now_ms: int) -> list[Signal]:
        if not rule.enabled:
            return []
        recent = self._recent.setdefault(device_id, deque())
        recent.append(now_ms)
        while recent and recent[0] <= now_ms - rule.window_s * 1000:
            recent.popleft()
        if len(recent) < rule.count:
            return []
        details = {"denials_in_window": len(recent), "window_s": rule.window_s}
        return [Fire(device_id, AlarmType.ACCESS_DENIED_REPEATED, now_ms, True, details)]

    def prune(self, now_ms: int, longest_window_s: float) -> None:
        """Forget doors without a denial in the longest window (bounded memory)."""
        horizon = now_ms - longest_window_s * 1000
        for device_id in [d for d, q in self._recent.items() if not q or q[-1] <= horizon]:
            del self._recent[device_id]
