"""What a materialised path says about a place: its district, its community, the child of a
node on the way down to it.

A path is the codes from the city down (``wuxi/wuxi-binhu/wuxi-binhu-helie/c0123`` for a
community, one more element for a building). Metrics label devices by district only: 7
districts in the seeded city, never a value per device.
"""

from __future__ import annotations

from typing import Final

DISTRICT_DEPTH: Final = 2  # city/district
COMMUNITY_DEPTH: Final = 4  # city/district/subdistrict/community
NO_DISTRICT: Final = "none"
"""The ``district`` label of a device registered at city level."""


def district_of(path: str) -> str:
    """The district code of a path (``none`` for the city itself): a metric label."""
    parts = path.split("/")
    return parts[DISTRICT_DEPTH - 1] if len(parts) >= DISTRICT_DEPTH else NO_DISTRICT


def community_of(path: str) -> str | None:
    """The community code of a path, or None above community level."""
    parts = path.split("/")
    return parts[COMMUNITY_DEPTH - 1] if len(parts) >= COMMUNITY_DEPTH else None


def child_on_way(parent_path: str, path: str) -> str | None:
    """The code of ``parent_path``'s child that ``path`` lies in (or is); None when
    ``path`` is the parent itself or not below it."""
    if not path.startswith(parent_path + "/"):
        return None
    rest = path[len(parent_path) + 1 :]
    return rest.split("/", 1)[0]
