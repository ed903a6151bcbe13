"""Firmware images, stored content-addressed in the database (synchronous; callers run it
in a thread).

An image is keyed by the SHA-256 of its bytes: adding the same bytes twice gives the same
image (its models are merged), so a campaign's image can never change under it. The
bytes live in ``firmware_chunk`` rows of 256 KiB, so a range of an image is read without
loading the rest, on every replica alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select

from hub.errors import HubError
from hub.firmware.tables import CHUNK_BYTES, firmware_chunk, firmware_image
from hub.registry.vocabulary import DeviceKind

MODEL_MAX = 64


class ImageError(HubError):
    """An image that cannot be stored (empty, too large, bad fields) or is not there."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    sha256: str
    vendor: str
    kind: DeviceKind
    version: str
    models: tuple[str, ...]
    size: int
    filename: str
    uploaded_by: str
    created_ms: int

    def fits(self, model: str) -> bool:
        return model in self.models


def _info(row: object) -> ImageInfo:
    mapping = row._mapping  # type: ignore[attr-defined]
    return ImageInfo(
        sha256=mapping["sha256"],
        vendor=mapping["vendor"],
        kind=mapping["kind"],
        version=mapping["version"],
        models=tuple(mapping["models"]),
        size=int(mapping["size"]),
        filename=mapping["filename"],
        uploaded_by=mapping["uploaded_by"],
        created_ms=int(mapping["created_ms"]),
    )


def _find(conn: Connection, sha256: str) -> ImageInfo | None:
    row = conn.execute(select(firmware_image).where(firmware_image.c.sha256 == sha256)).first()
    return None if row is None else _info(row)


def _written(conn: Connection, sha256: str) -> ImageInfo:
    """The image as the transaction that wrote it sees it."""
    info = _find(conn, sha256)
    if info is None:
        raise ImageError(f"no firmware image {sha256}")
    return info


def _check_text(value: str, limit: int, what: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= limit or not value.isprintable():
        raise ImageError(f"{what} must be 1 to {limit} printable characters")
    return value


class ImageStore:
    def __init__(self, engine: Engine, max_bytes: int) -> None:
        self._engine = engine
        self._max_bytes = max_bytes

    def add(
        self,
        data: bytes,
        *,
        vendor: str,
        kind: DeviceKind,
        version: str,
        models: Sequence[str],
        filename: str,
        uploaded_by: str,
        now_ms: int,
    ) -> tuple[ImageInfo, bool]:
        """Store ``data``; (the image, True if it was new). The same bytes again only add
        models (vendor, kind and version must then match)."""
        if not data:
            raise ImageError("the image is empty")
        if len(data) > self._max_bytes:
            raise ImageError(f"the image is {len(data)} bytes, more than {self._max_bytes}")
        vendor = _check_text(vendor, 64, "vendor")
        version = _check_text(version, 32, "version")
        wanted = sorted({_check_text(m, MODEL_MAX, "model") for m in models})
        if not wanted:
            raise ImageError("name at least one model the image fits")
        sha256 = hashlib.sha256(data).hexdigest()
        with self._engine.begin() as conn:
            info = _find(conn, sha256)
            if info is not None:
                if (info.vendor, info.kind, info.version) != (vendor, kind, version):
                    raise ImageError(
                        f"these bytes are already image {sha256} of {info.vendor} {info.kind}"
                        f" version {info.version}"
                    )
                merged = sorted(set(info.models) | set(wanted))
                if merged != list(info.models):
                    conn.execute(
                        firmware_image.update()
                        .where(firmware_image.c.sha256 == sha256)
                        .values(models=merged)
                    )
                return _written(conn, sha256), False
            conn.execute(
                firmware_image.insert().values(
                    sha256=sha256,
                    vendor=vendor,
                    kind=kind,
                    version=version,
                    models=wanted,
                    size=len(data),
                    filename=filename[:255],
                    uploaded_by=uploaded_by[:64],
                    created_ms=now_ms,
                )
            )
            for index, start in enumerate(range(0, len(data), CHUNK_BYTES)):
                conn.execute(
                    firmware_chunk.insert().values(
                        sha256=sha256, idx=index, data=data[start : start + CHUNK_BYTES]
                    )
                )
            return _written(conn, sha256), True

    def get(self, sha256: str) -> ImageInfo | None:
        with self._engine.connect() as conn:
            return _find(conn, sha256)

    def list(self, kind: DeviceKind | None = None) -> list[ImageInfo]:
        query = select(firmware_image).order_by(firmware_image.c.created_ms.desc())
        if kind is not None:
            query = query.where(firmware_image.c.kind == kind)
        with self._engine.connect() as conn:
            return [_info(row) for row in conn.execute(query)]

    def read(self, sha256: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive) of an image."""
        return b"".join(self.iter_range(sha256, start, end))

    def iter_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` (exclusive), one chunk at a time."""
        if start >= end:
            return
        first, last = start // CHUNK_BYTES, (end - 1) // CHUNK_BYTES
        for index in range(first, last + 1):
            with self._engine.connect() as conn:
                data = conn.execute(
                    select(firmware_chunk.c.data).where(
                        firmware_chunk.c.sha256 == sha256, firmware_chunk.c.idx == index
                    )
                ).scalar_one_or_none()
            if data is None:
                raise ImageError(f"image {sha256} lacks chunk {index}")
            base = index * CHUNK_BYTES
            yield bytes(data)[max(0, start - base) : min(len(data), end - base)]

    def stored_bytes(self, sha256: str) -> int:
        with self._engine.connect() as conn:
            total = conn.execute(
                select(func.coalesce(func.sum(func.length(firmware_chunk.c.data)), 0)).where(
                    firmware_chunk.c.sha256 == sha256
                )
            ).scalar_one()
        return int(total)
