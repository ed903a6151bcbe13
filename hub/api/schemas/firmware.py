"""Firmware images as the API shows them."""

from __future__ import annotations

from pydantic import BaseModel

from hub.firmware.images import ImageInfo


class ImagePublic(BaseModel):
    sha256: str
    vendor: str
    kind: str
    version: str
    models: list[str]
    size: int
    filename: str
    uploaded_by: str
    created_ms: int

    @classmethod
    def of(cls, info: ImageInfo) -> ImagePublic:
        return cls(
            sha256=info.sha256,
            vendor=info.vendor,
            kind=info.kind,
            version=info.version,
            models=list(info.models),
            size=info.size,
            filename=info.filename,
            uploaded_by=info.uploaded_by,
            created_ms=info.created_ms,
        )
