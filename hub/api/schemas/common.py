"""Shapes shared by every area: errors, the strict request base, the base of answers read
from stored rows, documented responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict

from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

DeviceIdPath = Annotated[
    str,
    Path(max_length=MAX_DEVICE_ID_LENGTH, description="device id, e.g. locker-0001 or LK-0412"),
]
DeviceIdQuery = Annotated[
    str | None, Query(max_length=MAX_DEVICE_ID_LENGTH, description="a device id")
]
IdCursor = Annotated[int | None, Query(ge=1, le=2**62, description="next_cursor")]
MetricQuery = Annotated[str, Query(min_length=1, max_length=128, description="metric name")]


class StrictBody(BaseModel):
    """Base of every request body: unknown fields and non-finite numbers are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class RowAnswer(BaseModel):
    """Base of an answer whose fields are a stored row's attributes of the same names (a
    dataclass, named tuple or table model): ``Answer.model_validate(row)`` reads them."""

    model_config = ConfigDict(from_attributes=True)


class ErrorPublic(BaseModel):
    """Every error except a 422 answers ``{"detail": "<what went wrong>"}``."""

    detail: str


_DESCRIPTIONS = {
    401: "Missing, unknown, revoked or expired bearer token",
    403: "The token's role or owner may not do this",
    404: "Not found (or outside the caller's scope)",
    409: "Conflicts with the current state",
    429: "Too many attempts; retry after the Retry-After header's seconds",
    502: "The device refused or failed the command",
    503: "The hub cannot reach the broker just now",
    504: "The device did not confirm in time",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error codes an operation can answer."""
    return {code: {"model": ErrorPublic, "description": _DESCRIPTIONS[code]} for code in codes}
