"""Firmware images for ``make demo``: one newer version for a model of each kind of the
seeded fleet, so a campaign can be started from the page at once.

The bytes are made up (a header naming the image, then seeded pseudo-random bytes) and
the same on every run, so storing them again changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import Engine

from firmware_protocols.clock import wall_ms
from hub.firmware.images import ImageInfo, ImageStore
from hub.registry.vocabulary import DeviceKind


@dataclass(frozen=True, slots=True)
class DemoImage:
    vendor: str
    kind: DeviceKind
    model: str
    version: str
    size: int


DEMO_IMAGES = (
    DemoImage("Hive Box", "locker", "HB-F60", "2.2.0", 96 * 1024),
    DemoImage("Kerong", "locker", "KR-PL24 (CU16 boards)", "2.0.0", 96 * 1024),
    DemoImage("Ubox", "vending", "UB-GV30", "2.5.0", 128 * 1024),
    DemoImage("ZKTeco", "door", "KR610 OSDP", "2.0.0", 24 * 1024),
)


def image_bytes(image: DemoImage) -> bytes:
    header = f"DEMO FIRMWARE {image.vendor} {image.model} {image.version}\n".encode()
    body = random.Random(f"{image.vendor}/{image.model}/{image.version}").randbytes(image.size)
    return (header + body)[: image.size]


def store_demo_images(engine: Engine, max_bytes: int) -> list[ImageInfo]:
    store = ImageStore(engine, max_bytes)
    now = wall_ms()
    return [
        store.add(
            image_bytes(image),
            vendor=image.vendor,
            kind=image.kind,
            version=image.version,
            models=[image.model],
            filename=f"{image.model.split()[0].lower()}-{image.version}.bin",
            uploaded_by="demo",
            now_ms=now,
        )[0]
        for image in DEMO_IMAGES
    ]
