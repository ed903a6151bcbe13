"""The front's registry watcher: its own directory and presence mirror, the workers, and
the open alarms of devices that moved."""

from __future__ import annotations

from firmware_protocols.clock import wall_ms
from hub.alarms.relocation import OpenAlarmsFollowDevices
from hub.registry_sync.devices import DeviceSync
from hub.registry_sync.processes import WorkerRelay
from hub.registry_sync.watcher import RegistryListener, RegistryWatcher
from hub.runtime import HubRuntime


def build_watcher(runtime: HubRuntime) -> RegistryWatcher:
    """The front's watcher: its directory and presence mirror, then the workers, then the
    open alarms of moved devices (no I/O).
    A device the command lane hears but the directory lacks makes it look at once."""
    listeners: list[RegistryListener] = [
        DeviceSync(
            engine=runtime.engine,
            directory=runtime.directory,
            presence=runtime.presence,
            record_transitions=None,  # the device's worker decides its presence
            clock_ms=wall_ms,
        ),
        WorkerRelay(runtime.workers.broadcast),
        OpenAlarmsFollowDevices(runtime.engine),
    ]
    watcher = RegistryWatcher(
        runtime.engine, listeners, interval_s=runtime.settings.registry_poll_interval_s
    )
    runtime.directory.set_unknown_listener(watcher.poke)
    return watcher


async def run_registry_sync(runtime: HubRuntime) -> None:
    """Follow the registry for ``runtime``'s front and workers until cancelled."""
    await build_watcher(runtime).run()
