"""Load the device directory's view of the registry."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session

from hub.ingest.directory import DeviceInfo
from hub.registry.queries import load_devices


def registry_loader(engine: Engine) -> Callable[[], list[DeviceInfo]]:
    def load() -> list[DeviceInfo]:
        with Session(engine) as session:
            return [
                DeviceInfo(
                    device_id=device.id,
                    kind=device.kind,
                    protocol=device.protocol,
                    firmware_version=device.firmware_version,
                    enabled=device.enabled,
                    path=device.path,
                )
                for device in load_devices(session)
            ]

    return load
