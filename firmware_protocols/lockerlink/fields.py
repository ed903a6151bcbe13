"""JSON in and out, and small field readers that turn wire values into typed ones.

Every reader raises :class:`CodecError` with one of the stable reasons below; nothing
else escapes, whatever the bytes. Unknown keys are ignored (lenient on the wire).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink.messages import GENERATIONS, MAX_UINT, Generation

MAX_PAYLOAD_BYTES = 32 * 1024

# Stable reason codes (metrics labels, dead-letter rows, device ``rejected`` replies).
TOO_LARGE = "too_large"
BAD_JSON = "bad_json"
MISSING_FIELD = "missing_field"
BAD_FIELD = "bad_field"
UNSUPPORTED_VERSION = "unsupported_version"
UNKNOWN_EVENT = "unknown_event"
UNKNOWN_COMMAND = "unknown_command"
UNKNOWN_CHANNEL = "unknown_channel"

_COMMAND_ID = re.compile(r"[0-9a-fA-F]{32}")
T = TypeVar("T", bound=str)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def load_object(payload: bytes) -> dict[str, Any]:
    """Parse a UTF-8 JSON object; ``too_large`` or ``bad_json`` otherwise."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise CodecError(TOO_LARGE, f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    try:
        value = json.loads(payload.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeError too
        raise CodecError(BAD_JSON, str(exc)[:120]) from exc
    if not isinstance(value, dict):
        raise CodecError(BAD_JSON, f"top level is {type(value).__name__}, not an object")
    return value


def dump_object(obj: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the form every encoder emits."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


class Fields:
    """Typed access to one JSON object's fields; ``where`` names it in error details."""

    __slots__ = ("_obj", "_where")

    def __init__(self, obj: Mapping[str, Any], where: str) -> None:
        self._obj = obj
        self._where = where

    def _bad(self, key: str, why: str) -> CodecError:
        return CodecError(BAD_FIELD, f"{self._where}.{key} {why}")

    def _get(self, key: str) -> Any:
        if key not in self._obj:
            raise CodecError(MISSING_FIELD, f"{self._where}.{key}")
        return self._obj[key]

    def raw(self, key: str) -> Any:
        """The value as parsed from JSON, for readers defined elsewhere."""
        return self._get(key)

    def has(self, key: str) -> bool:
        return self._obj.get(key) is not None

    def version(self) -> Generation:
        value = self._get("v")
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._bad("v", "is not an integer")
        for generation in GENERATIONS:
            if value == generation:
                return generation
        raise CodecError(UNSUPPORTED_VERSION, f"{self._where}.v = {value}")

    def integer(self, key: str, lo: int = 0, hi: int = MAX_UINT) -> int:
        value = self._get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._bad(key, "is not an integer")
        if not lo <= value <= hi:
            raise self._bad(key, f"= {value} is outside {lo}..{hi}")
        return value

    def optional_integer(self, key: str, lo: int = 0, hi: int = MAX_UINT) -> int | None:
        return self.integer(key, lo, hi) if self.has(key) else None

    def number(self, key: str, lo: float, hi: float) -> float:
        value = self._get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self._bad(key, "is not a number")
        number = float(value)
        if not (math.isfinite(number) and lo <= number <= hi):
            raise self._bad(key, f"= {value} is outside {lo}..{hi}")
        return number

    def text(self, key: str, max_len: int) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._bad(key, "is not a string")
        if not 1 <= len(value) <= max_len or not value.isprintable():
            raise self._bad(key, f"must be 1..{max_len} printable characters")
        return value

    def optional_text(self, key: str, max_len: int) -> str | None:
        return self.text(key, max_len) if self.has(key) else None

    def choice(self, key: str, options: tuple[T, ...]) -> T:
        value = self._get(key)
        for option in options:
            if value == option:
                return option
        raise self._bad(key, f"= {str(value)[:40]!r} is not one of {', '.join(options)}")

    def command_id(self, key: str = "id") -> str:
        value = self._get(key)
        if not isinstance(value, str) or _COMMAND_ID.fullmatch(value) is None:
            raise self._bad(key, "is not 32 hex characters")
        return value.lower()

    def array(self, key: str, max_len: int) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list):
            raise self._bad(key, "is not an array")
        if len(value) > max_len:
            raise self._bad(key, f"has more than {max_len} entries")
        return value

    def nested(self, key: str, index: int) -> Fields:
        """Fields of the object at ``key[index]`` (already fetched by :meth:`array`)."""
        value = self._obj[key][index]
        if not isinstance(value, dict):
            raise self._bad(f"{key}[{index}]", "is not an object")
        return Fields(value, f"{self._where}.{key}[{index}]")


M = TypeVar("M")


def emit(obj: Mapping[str, Any], parse: Callable[[Mapping[str, Any]], M], message: M) -> bytes:
    """Encode ``obj`` only if it parses back to ``message``: an encoder never emits what
    the decoder would refuse or read differently (``bad_field`` otherwise)."""
    if parse(obj) != message:
        raise CodecError(BAD_FIELD, f"{type(message).__name__} does not survive the wire")
    return dump_object(obj)
