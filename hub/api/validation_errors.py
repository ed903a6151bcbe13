"""The 422 answer to a request that fails validation, always renderable.

FastAPI's own handler repeats each bad input in the answer, and fails (a 500) when that
input is a float JSON cannot carry, NaN or infinity from a query parameter, say. This
handler gives the same body, ``{"detail": [{"type", "loc", "msg", "input", ...}]}``, with
any such number written as text.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _json_safe(jsonable_encoder(exc.errors()))
    return JSONResponse({"detail": errors}, status_code=422)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # nan, inf, -inf
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value
