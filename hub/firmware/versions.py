"""Firmware version order, for a campaign's "current version range" (pure).

Versions are compared part by part (``2.10.0`` > ``2.9.3``): runs of digits as numbers,
anything else as text, and a number sorts before text at the same place (``2.0.0`` <
``2.0.0-rc1`` would be wrong for pre-releases, but firmware in the field names releases
with numbers only). A leading ``v`` is ignored.
"""

from __future__ import annotations

import re

_PART = re.compile(r"\d+|[^\d.\-+_]+")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key: ``version_key("2.10.1") > version_key("2.9")``."""
    parts = _PART.findall(version.strip().lstrip("vV"))
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in parts)


def in_range(version: str, minimum: str | None, maximum: str | None) -> bool:
    """``minimum <= version <= maximum`` (either bound may be None: unbounded)."""
    key = version_key(version)
    if minimum is not None and key < version_key(minimum):
        return False
    return maximum is None or key <= version_key(maximum)
