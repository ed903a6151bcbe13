"""Device presence: online/offline from status messages, wills, births and deaths, plus a
heartbeat timeout for devices that hang while their connection lives.

Pure state: callers pass the time in, so tests control the clock. Every transition comes
back as a :class:`Transition` for the store and the live event stream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from firmware_protocols.base import DEVICE_KINDS, DeviceKind


@dataclass(frozen=True, slots=True)
class Transition:
    device_id: str
    kind: DeviceKind
    online: bool
    reason: str
    ts_ms: int


@dataclass(slots=True)
class DevicePresence:
    kind: DeviceKind
    online: bool = False
    since_ms: int = 0
    reason: str = "never_seen"
    last_seen_ms: int = 0


class PresenceTracker:
    """Presence of every registered device, with per-kind counts kept up to date."""

    def __init__(self, timeout_ms: int) -> None:
        self._timeout_ms = timeout_ms
        self._devices: dict[str, DevicePresence] = {}
        self._online: Counter[DeviceKind] = Counter()
        self._total: Counter[DeviceKind] = Counter()

    @staticmethod
    def timeout_for(device_keepalive_s: float) -> int:
        """Offline after 1.5 x keepalive + 1 s of silence, in ms."""
        return int((1.5 * device_keepalive_s + 1.0) * 1000)

    def register(self, device_id: str, kind: DeviceKind) -> None:
        if device_id not in self._devices:
            self._devices[device_id] = DevicePresence(kind=kind)
            self._total[kind] += 1

    def forget(self, device_id: str) -> None:
        """A device removed from the registry: no longer counted, online or in total."""
        state = self._devices.pop(device_id, None)
        if state is None:
            return
        self._total[state.kind] -= 1
        if state.online:
            self._online[state.kind] -= 1

    def _set(self, device_id: str, online: bool, reason: str, ts_ms: int) -> Transition | None:
        state = self._devices.get(device_id)
        if state is None or state.online == online:
            return None
        state.online, state.since_ms, state.reason = online, ts_ms, reason
        self._online[state.kind] += 1 if online else -1
        return Transition(device_id, state.kind, online, reason, ts_ms)

    def observe(self, device_id: str, online: bool, reason: str, now_ms: int) -> Transition | None:
        """An explicit presence message (status, will, birth, death)."""
        state = self._devices.get(device_id)
        if state is not None:
            state.last_seen_ms = now_ms
        return self._set(device_id, online, reason, now_ms)

    def seen(self, device_id: str, now_ms: int) -> Transition | None:
        """Any traffic: the device is alive; it comes back online if it was marked offline."""
        state = self._devices.get(device_id)
        if state is None:
            return None
        state.last_seen_ms = now_ms
        if state.online:
            return None
        return self._set(device_id, True, "traffic", now_ms)

    def sweep(self, now_ms: int) -> list[Transition]:
        """Mark online devices silent for longer than the timeout offline."""
        deadline = now_ms - self._timeout_ms
        silent = [
            device_id
            for device_id, state in self._devices.items()
            if state.online and state.last_seen_ms < deadline
        ]
        transitions = []
        for device_id in silent:
            transition = self._set(device_id, False, "heartbeat_timeout", now_ms)
            if transition is not None:
                transitions.append(transition)
        return transitions

    # ------------------------------------------------------------ a mirror of others
    def apply(self, transition: Transition) -> bool:
        """Take a transition another tracker made (the front mirrors its workers'); True if
        it changed what this tracker knew. A device this tracker does not know comes in with
        an online transition (its worker registered it first); an offline one of an unknown
        device is the worker's goodbye to a device this tracker has already forgotten."""
        if transition.device_id not in self._devices and not transition.online:
            return False
        self.register(transition.device_id, transition.kind)
        state = self._devices[transition.device_id]
        state.last_seen_ms = max(state.last_seen_ms, transition.ts_ms)
        return (
            self._set(transition.device_id, transition.online, transition.reason, transition.ts_ms)
            is not None
        )

    def reconcile(
        self,
        online: Collection[str],
        devices: Iterable[str],
        now_ms: int,
        last_seen_ms: Mapping[str, int] | None = None,
    ) -> list[Transition]:
        """Make ``devices`` online exactly when they are in ``online`` (another tracker's
        whole view of them), and take when each was last seen; the transitions that took."""
        changed = []
        for device_id in devices:
            state = self._devices.get(device_id)
            if state is None:
                continue
            if last_seen_ms is not None:
                state.last_seen_ms = max(state.last_seen_ms, last_seen_ms.get(device_id, 0))
            if state.online == (device_id in online):
                continue
            transition = self._set(device_id, not state.online, "resync", now_ms)
            if transition is not None:
                changed.append(transition)
        return changed

    def get(self, device_id: str) -> DevicePresence | None:
        return self._devices.get(device_id)

    def is_online(self, device_id: str) -> bool:
        state = self._devices.get(device_id)
        return state is not None and state.online

    def counts(self) -> dict[DeviceKind, tuple[int, int]]:
        """(online, total) per kind."""
        return {kind: (self._online[kind], self._total[kind]) for kind in DEVICE_KINDS}
