"""Which device a topic belongs to, and its codec session, resolved once per device.

The directory is loaded from the registry at start and refreshed on demand (a message
from a device it does not know triggers at most one reload per ``refresh_interval_s``),
so the hot path is a dict lookup.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from firmware_protocols.base import DeviceKind, DeviceSession
from firmware_protocols.registry import DefinitionRegistry, UnknownDefinition

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What the hub needs to know about a registered device to ingest its messages."""

    device_id: str
    kind: DeviceKind
    protocol: str
    firmware_version: str
    enabled: bool
    path: str


@dataclass(slots=True)
class DeviceEntry:
    info: DeviceInfo
    session: DeviceSession


class DeviceDirectory:
    def __init__(
        self,
        loader: Callable[[], Iterable[DeviceInfo]],
        registry: DefinitionRegistry,
        refresh_interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._registry = registry
        self._refresh_interval_s = refresh_interval_s
        self._clock = clock
        self._entries: dict[str, DeviceEntry] = {}
        self._last_refresh = float("-inf")

    def refresh(self) -> None:
        """Reload the registry; keep the codec sessions of devices that did not change."""
        fresh: dict[str, DeviceEntry] = {}
        for info in self._loader():
            current = self._entries.get(info.device_id)
            if current is not None and current.info == info:
                fresh[info.device_id] = current
                continue
            try:
                definition = self._registry.resolve(info.protocol, info.firmware_version)
            except UnknownDefinition as exc:
                log.warning("device %s has no codec: %s", info.device_id, exc)
                continue
            fresh[info.device_id] = DeviceEntry(info, definition.session(info.device_id))
        self._entries = fresh
        self._last_refresh = self._clock()

    def get(self, device_id: str) -> DeviceEntry | None:
        return self._entries.get(device_id)

    def lookup_or_refresh(self, device_id: str) -> DeviceEntry | None:
        """The entry, reloading the registry once if the device is new to us."""
        entry = self._entries.get(device_id)
        if entry is None and self._clock() - self._last_refresh >= self._refresh_interval_s:
            self.refresh()
            entry = self._entries.get(device_id)
        return entry

    def devices(self) -> list[DeviceInfo]:
        return [entry.info for entry in self._entries.values()]

    def __len__(self) -> int:
        return len(self._entries)

    # -- firmware updates (hub.firmware.follower) ------------------------------------
    def follow_firmware(self, device_id: str, firmware_version: str) -> DeviceInfo | None:
        """A device reported ``firmware_version``: decode it from now on with that
        version's codec (a new session only when the definition changes, so stateful
        sessions keep their state). The new info, or None if the device is unknown,
        already on that version, or has no codec for it."""
        entry = self._entries.get(device_id)
        if entry is None or entry.info.firmware_version == firmware_version:
            return None
        info = entry.info
        try:
            definition = self._registry.resolve(info.protocol, firmware_version)
            before = self._registry.resolve(info.protocol, info.firmware_version)
        except UnknownDefinition as exc:
            log.warning("device %s reports firmware without a codec: %s", device_id, exc)
            return None
        followed = replace(info, firmware_version=firmware_version)
        session = entry.session if definition is before else definition.session(device_id)
        self._entries[device_id] = DeviceEntry(followed, session)
        return followed
