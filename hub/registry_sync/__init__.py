"""Registry changes reach the running hub within a second, without a restart.

``hub.registry.change_feed`` records every registry write; here the
:class:`~hub.registry_sync.watcher.RegistryWatcher` follows that feed and hands each
batch of changes to listeners that bring the hub's in-memory views up to date:

- :mod:`~hub.registry_sync.devices`: the device directory (codec sessions, the decoder's
  ``unknown_device`` and ``device_disabled``, the alarms' and commands' view of devices)
  and presence (new devices registered, disabled ones offline at once);
- :mod:`~hub.registry_sync.allowlists`: new allow-lists for the affected online doors.

What reads the registry per request needs nothing here: the API (command checks, device
detail, residents' doors), door access decisions and ``hub broker-config`` query it each
time. :func:`run_registry_sync` is the one hook a hub process starts.
"""

from __future__ import annotations

import time

from hub.registry_sync.allowlists import AllowListSync
from hub.registry_sync.devices import DeviceSync
from hub.registry_sync.watcher import ChangeSet, RegistryListener, RegistryWatcher
from hub.runtime import HubRuntime

__all__ = ["ChangeSet", "RegistryListener", "RegistryWatcher", "build_watcher", "run_registry_sync"]


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def build_watcher(runtime: HubRuntime) -> RegistryWatcher:
    """A watcher with the listeners ``runtime`` has parts for (no I/O)."""
    listeners: list[RegistryListener] = [
        DeviceSync(
            engine=runtime.engine,
            directory=runtime.directory,
            presence=runtime.presence,
            record_transitions=runtime.pipeline.add_transitions,
            clock_ms=wall_ms,
        )
    ]
    if runtime.domain is not None:
        listeners.append(
            AllowListSync(
                engine=runtime.engine,
                directory=runtime.directory,
                presence=runtime.presence,
                push=runtime.domain.desired.allowlist_changed,
            )
        )
    watcher = RegistryWatcher(
        runtime.engine, listeners, interval_s=runtime.settings.registry_poll_interval_s
    )
    runtime.directory.set_unknown_listener(watcher.poke)
    return watcher


async def run_registry_sync(runtime: HubRuntime) -> None:
    """Follow the registry for ``runtime`` until cancelled."""
    await build_watcher(runtime).run()
