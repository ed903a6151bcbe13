"""Firmware images: upload and list them (operators), and download them (devices).

- ``POST /api/v1/firmware?vendor=&kind=&version=&model=...`` with the image as the raw
  body (``application/octet-stream``): stored content-addressed; 201 when new, 200 when
  the same bytes were there (the models are merged). City-level operators only.
- ``GET /api/v1/firmware``, ``GET /api/v1/firmware/{sha256}``.
- ``GET|HEAD /firmware/download/{token}``: the image for a device holding a download
  token (no bearer token: the token is the permission), with ``Range`` support (206) so a
  broken download resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from hub.api.audit.chain import AuditDraft
from hub.api.auth import Operator
from hub.api.deps import ContextDep, OperatorDep
from hub.api.firmware_parts import FirmwareDep, FirmwareParts
from hub.api.schemas.common import errors
from hub.api.schemas.firmware import ImagePublic
from hub.api.timeparams import unprocessable
from hub.firmware.images import ImageError
from hub.firmware.ranges import Unsatisfiable, parse_range
from hub.firmware.tokens import TokenRefused
from hub.registry.vocabulary import DeviceKind

router = APIRouter(tags=["operators"])
downloads = APIRouter(tags=["devices"])

BINARY = {"schema": {"type": "string", "format": "binary"}}
Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]


def require_city(operator: Operator) -> None:
    if "/" in operator.scope_path:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "firmware images are managed by city-level operators"
        )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"the image is larger than {limit} bytes"
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, f"the image is larger than {limit} bytes"
            )
    return bytes(body)


@router.post(
    "/api/v1/firmware",
    status_code=status.HTTP_201_CREATED,
    responses={**errors(401, 403), 200: {"model": ImagePublic, "description": "Already there"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def add_image(
    request: Request,
    response: Response,
    operator: OperatorDep,
    context: ContextDep,
    firmware: FirmwareDep,
    vendor: Annotated[str, Query(min_length=1, max_length=64)],
    kind: DeviceKind,
    version: Annotated[str, Query(min_length=1, max_length=32)],
    model: Annotated[list[str], Query(min_length=1, max_length=64)],
    filename: Annotated[str, Query(max_length=255)] = "",
) -> ImagePublic:
    """Store an image (the request body) for ``model`` devices of ``kind``."""
    require_city(operator)
    data = await _read_body(request, firmware.max_bytes)
    now = firmware.clock_ms()
    try:
        info, new = await run_in_threadpool(
            lambda: firmware.images.add(
                data,
                vendor=vendor,
                kind=kind,
                version=version,
                models=model,
                filename=filename,
                uploaded_by=operator.actor,
                now_ms=now,
            )
        )
    except ImageError as exc:
        raise unprocessable("image", str(exc), "body") from exc
    response.status_code = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    draft = AuditDraft(
        ts_ms=now,
        actor=operator.actor,
        role="operator",
        action="firmware:add",
        result="stored" if new else "exists",
        http_status=response.status_code,
        token_id=operator.token_id,
        device_path=operator.scope_path,
        detail=f"{info.sha256} {info.vendor} {info.kind} {info.version}"[:256],
    )
    await run_in_threadpool(context.audit.append, draft)
    return ImagePublic.model_validate(info)


@router.get("/api/v1/firmware", responses=errors(401, 403))
def list_images(
    operator: OperatorDep, firmware: FirmwareDep, kind: DeviceKind | None = None
) -> list[ImagePublic]:
    """Every stored image, newest first."""
    return [ImagePublic.model_validate(info) for info in firmware.images.list(kind)]


@router.get("/api/v1/firmware/{sha256}", responses=errors(401, 403, 404))
def get_image(sha256: Sha256, operator: OperatorDep, firmware: FirmwareDep) -> ImagePublic:
    info = firmware.images.get(sha256)
    if info is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no firmware image {sha256}")
    return ImagePublic.model_validate(info)


def _stream(firmware: FirmwareParts, sha256: str, start: int, end: int) -> Iterator[bytes]:
    for piece in firmware.images.iter_range(sha256, start, end):
        firmware.metrics.bytes_served.inc(len(piece))
        yield piece


DOWNLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The image"},
    206: {"description": "The requested range of the image"},
    403: {"description": "The token is malformed, forged or expired"},
    404: {"description": "The image is gone"},
    416: {"description": "The range starts past the end"},
}
Token = Annotated[str, Path(max_length=512)]


@downloads.get("/firmware/download/{token}", response_class=Response, responses=DOWNLOAD_RESPONSES)
async def download(token: Token, request: Request, firmware: FirmwareDep) -> Response:
    """The image a download token grants, whole or the ``Range`` asked for."""
    return await _serve(token, request, firmware)


@downloads.head("/firmware/download/{token}", response_class=Response, responses=DOWNLOAD_RESPONSES)
async def download_head(token: Token, request: Request, firmware: FirmwareDep) -> Response:
    """The headers ``GET`` would answer (size, ranges), without the image."""
    return await _serve(token, request, firmware)


async def _serve(token: str, request: Request, firmware: FirmwareParts) -> Response:
    try:
        grant = firmware.tokens.verify(token, firmware.clock_ms())
    except TokenRefused as exc:
        firmware.metrics.requests.labels("refused").inc()
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"download refused: {exc.reason}") from exc
    info = await run_in_threadpool(firmware.images.get, grant.sha256)
    if info is None:
        firmware.metrics.requests.labels("gone").inc()
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the image was removed")
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": f'"{info.sha256}"',
        "Cache-Control": "no-store",
    }
    try:
        chosen = parse_range(request.headers.get("range"), info.size)
    except Unsatisfiable:
        firmware.metrics.requests.labels("unsatisfiable").inc()
        return Response(
            status_code=status.HTTP_416_RANGE_NOT_SATISFIABLE,
            headers={**headers, "Content-Range": f"bytes */{info.size}"},
        )
    start, end, code = 0, info.size, status.HTTP_200_OK
    if chosen is not None:
        start, end, code = chosen.start, chosen.end, status.HTTP_206_PARTIAL_CONTENT
        headers["Content-Range"] = chosen.content_range(info.size)
    headers["Content-Length"] = str(end - start)
    firmware.metrics.requests.labels("partial" if chosen is not None else "full").inc()
    if request.method == "HEAD":
        return Response(status_code=code, headers=headers, media_type="application/octet-stream")
    return StreamingResponse(
        _stream(firmware, info.sha256, start, end),
        status_code=code,
        headers=headers,
        media_type="application/octet-stream",
    )
