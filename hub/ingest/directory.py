"""Which device a topic belongs to, and its codec session, resolved once per device.

The directory is loaded from the registry at start (:meth:`DeviceDirectory.refresh`) and
kept current while the hub runs by the registry watcher (:mod:`hub.registry_sync`), which
hands it the devices that changed (:meth:`DeviceDirectory.apply`). The hot path is a dict
lookup and never touches the database: a message from a device the directory does not
know only tells the unknown-device listener (the watcher looks at the registry at once,
off the event loop).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from firmware_protocols.base import DeviceKind, DeviceSession
from firmware_protocols.codecs import Codecs, UnknownDefinition

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
        codecs: Codecs,
    ) -> None:
        self._loader = loader
        self._codecs = codecs
        self._entries: dict[str, DeviceEntry] = {}
        self._on_unknown: Callable[[str], None] | None = None

    def refresh(self) -> None:
        """Reload the whole registry (blocking: at start, before the loop runs)."""
        self.replace_all(self._loader())

    def replace_all(self, infos: Iterable[DeviceInfo]) -> tuple[list[DeviceInfo], list[str]]:
        """Make the directory exactly ``infos``; (devices added or changed, ids removed)."""
        fresh: dict[str, DeviceEntry] = {}
        changed: list[DeviceInfo] = []
        for info in infos:
            entry = self._entry_for(info)
            if entry is not None:
                fresh[info.device_id] = entry
                if entry is not self._entries.get(info.device_id):
                    changed.append(info)
        removed = [device_id for device_id in self._entries if device_id not in fresh]
        self._entries = fresh
        return changed, removed

    def apply(self, infos: Iterable[DeviceInfo], removed: Iterable[str] = ()) -> list[DeviceInfo]:
        """Add or update ``infos`` and forget ``removed``; the devices added or changed.
        A device whose protocol and firmware did not change keeps its codec session (and
        with it, e.g., a Sparkplug node's sequence and aliases)."""
        changed: list[DeviceInfo] = []
        for info in infos:
            entry = self._entry_for(info)
            if entry is None:
                self._entries.pop(info.device_id, None)
            elif entry is not self._entries.get(info.device_id):
                self._entries[info.device_id] = entry
                changed.append(info)
        for device_id in removed:
            self._entries.pop(device_id, None)
        return changed

    def _entry_for(self, info: DeviceInfo) -> DeviceEntry | None:
        """The entry for ``info``: the current one if nothing changed, one with the same
        codec session if the codec definition stays (so stateful sessions keep their
        state), else a new session."""
        current = self._entries.get(info.device_id)
        if current is not None and current.info == info:
            return current
        try:
            definition = self._codecs.resolve(info.protocol, info.firmware_version)
        except UnknownDefinition as exc:
            log.warning("device %s has no codec: %s", info.device_id, exc)
            return None
        if current is not None and current.info.protocol == info.protocol:
            try:
                same = self._codecs.resolve(current.info.protocol, current.info.firmware_version)
            except UnknownDefinition:
                same = None
            if same is definition:
                return DeviceEntry(info, current.session)
        return DeviceEntry(info, definition.session(info.device_id))

    def set_unknown_listener(self, listener: Callable[[str], None]) -> None:
        """``listener(device_id)`` is told when a device the directory lacks speaks."""
        self._on_unknown = listener

    def get(self, device_id: str) -> DeviceEntry | None:
        return self._entries.get(device_id)

    def lookup(self, device_id: str) -> DeviceEntry | None:
        """The entry; for an unknown device, None, and the unknown-device listener is told."""
        entry = self._entries.get(device_id)
        if entry is None and self._on_unknown is not None:
            self._on_unknown(device_id)
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
            definition = self._codecs.resolve(info.protocol, firmware_version)
            before = self._codecs.resolve(info.protocol, info.firmware_version)
        except UnknownDefinition as exc:
            log.warning("device %s reports firmware without a codec: %s", device_id, exc)
            return None
        followed = replace(info, firmware_version=firmware_version)
        session = entry.session if definition is before else definition.session(device_id)
        self._entries[device_id] = DeviceEntry(followed, session)
        return followed
