"""Load the device directory's view of the registry: every device, or a few by id."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.ingest.directory import DeviceInfo
from hub.registry.models import Device
from hub.registry.queries import load_devices


def device_info(device: Device) -> DeviceInfo:
    return DeviceInfo(
        device_id=device.id,
        kind=device.kind,
        protocol=device.protocol,
        firmware_version=device.firmware_version,
        enabled=device.enabled,
        path=device.path,
    )


def load_device_infos(engine: Engine, device_ids: Collection[str]) -> list[DeviceInfo]:
    """The registered devices among ``device_ids`` (blocking: run it in a thread)."""
    if not device_ids:
        return []
    with Session(engine) as session:
        statement = select(Device).where(col(Device.id).in_(sorted(device_ids)))
        return [device_info(device) for device in session.exec(statement)]


def registry_loader(engine: Engine) -> Callable[[], list[DeviceInfo]]:
    def load() -> list[DeviceInfo]:
        with Session(engine) as session:
            return [device_info(device) for device in load_devices(session)]

    return load
