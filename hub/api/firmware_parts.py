"""The API's firmware parts (images, download tokens, download counters), built once per
app next to :class:`~hub.api.context.ApiContext` and reached with ``FirmwareDep``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from firmware_protocols.clock import wall_ms
from hub.firmware.download_metrics import DownloadMetrics
from hub.firmware.images import ImageStore
from hub.firmware.tokens import DownloadTokens
from hub.runtime import HubRuntime


@dataclass(frozen=True, slots=True)
class FirmwareParts:
    images: ImageStore
    tokens: DownloadTokens
    metrics: DownloadMetrics
    max_bytes: int
    clock_ms: Callable[[], int]

    @classmethod
    def create(cls, runtime: HubRuntime) -> FirmwareParts:
        settings = runtime.settings
        max_bytes = settings.firmware_max_image_mb * 1024 * 1024
        return cls(
            images=ImageStore(runtime.engine, max_bytes),
            tokens=DownloadTokens(settings.effective_secret_key),
            metrics=DownloadMetrics.create(runtime.metrics.registry),
            max_bytes=max_bytes,
            clock_ms=wall_ms,
        )


async def get_firmware(request: Request) -> FirmwareParts:
    parts: FirmwareParts = request.app.state.firmware
    return parts


FirmwareDep = Annotated[FirmwareParts, Depends(get_firmware)]
