"""What a device reported, as its stored twin keeps it: the report itself (empty if the
device never reported) and when, its numbered parts (compartments, slots) alongside the
registry's, and its values read each as a type, None otherwise."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.store.rows import TwinRow
from hub.twin import part_number


@dataclass(frozen=True, slots=True)
class Report:
    reported: Mapping[str, Any]
    desired: Mapping[str, Any]
    updated_ms: int | None  # None: never reported

    @classmethod
    def of(cls, twin: TwinRow | None) -> Report:
        if twin is None:
            return cls({}, {}, None)
        return cls(twin.reported, twin.desired, twin.updated_ms or None)


def numbered_parts(
    reported: Mapping[str, Any], key: str, registered: Iterable[int]
) -> list[tuple[int, Mapping[str, Any]]]:
    """Every part (compartment, slot) the registry lists or the report's ``key`` names by
    number, in order, each with what the report says of it (empty if nothing)."""
    listed = reported.get(key)
    listed = listed if isinstance(listed, Mapping) else {}
    numbers = set(registered) | {n for n in map(part_number, listed) if n is not None}
    parts = []
    for number in sorted(numbers):
        entry = listed.get(str(number))
        parts.append((number, entry if isinstance(entry, Mapping) else {}))
    return parts


def whole_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def reading(reported: Mapping[str, Any], key: str, places: int = 1) -> float | None:
    value = _number(reported.get(key))
    return None if value is None else round(value, places)


def flag(reported: Mapping[str, Any], key: str) -> bool | None:
    value = reported.get(key)
    return value if isinstance(value, bool) else None
