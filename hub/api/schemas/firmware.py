"""Firmware images as the API shows them."""

from __future__ import annotations

from hub.api.schemas.common import RowAnswer


class ImagePublic(RowAnswer):
    sha256: str
    vendor: str
    kind: str
    version: str
    models: list[str]
    size: int
    filename: str
    uploaded_by: str
    created_ms: int
