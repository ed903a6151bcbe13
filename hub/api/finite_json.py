"""JSON request bodies hold finite numbers only, and have a size limit.

Python's JSON parser (which FastAPI uses) accepts ``NaN``, ``Infinity`` and ``-Infinity``,
and turns a number too large for a float, such as ``1e400``, into infinity. None of these
is JSON, no field of this API means them, and answering them used to fail twice over: a
validator let them through, or the 422 repeating the bad input could not be rendered.
This ASGI middleware reads each JSON body once before routing and answers 422 naming where
the first non-finite number sits (``["body", "pulse_ms"]``), and 413 for a body over
``max_bytes``. Anything else, valid or not, goes on to FastAPI unchanged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any, Final

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES: Final = 1024 * 1024
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _NonFinite:
    """Stands in for a non-finite number while the body is parsed."""

    def __init__(self, literal: str) -> None:
        self.literal = literal


def _parse_constant(literal: str) -> _NonFinite:
    return _NonFinite(literal)  # NaN, Infinity, -Infinity


def _parse_float(literal: str) -> float | _NonFinite:
    value = float(literal)
    return value if math.isfinite(value) else _NonFinite(literal)


def non_finite_number(body: bytes) -> tuple[list[str | int], str] | None:
    """Where the first non-finite number of a JSON document is, and its literal; None if
    it has none (or is not JSON at all: FastAPI reports that itself)."""
    try:
        document = json.loads(body, parse_constant=_parse_constant, parse_float=_parse_float)
    except ValueError:  # not JSON, or an integer literal past Python's digit limit
        return _overlong_integer(body)
    for location, value in _walk(document, []):
        if isinstance(value, _NonFinite):
            return location, value.literal
    return None


def _overlong_integer(body: bytes) -> tuple[list[str | int], str] | None:
    try:
        json.loads(body, parse_int=lambda literal: 0)
    except ValueError:
        return None  # malformed JSON
    return [], "an integer of more than 4300 digits"


def _walk(value: Any, location: list[str | int]) -> Iterator[tuple[list[str | int], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, [*location, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, [*location, index])
    else:
        yield location, value


def _is_json(scope: Scope) -> bool:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True  # no content type: FastAPI reads the body as JSON


class FiniteJsonMiddleware:
    """Refuses JSON bodies holding a non-finite number (422) or over ``max_bytes`` (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                response = JSONResponse(
                    {"detail": f"the request body is larger than {self.max_bytes} bytes"},
                    status_code=413,
                )
                await response(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        found = non_finite_number(body)
        if found is not None:
            location, literal = found
            await _refuse(location, literal)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _refuse(location: list[str | int], literal: str) -> JSONResponse:
    error = {
        "type": "finite_number",
        "loc": ["body", *location],
        "msg": f"numbers must be finite JSON numbers; got {literal}",
        "input": literal,
    }
    return JSONResponse({"detail": [error]}, status_code=422)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
