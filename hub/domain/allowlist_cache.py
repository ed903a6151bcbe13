"""Every building's allow-list, read in two queries and kept until the registry changes.

When a fleet reconnects, each of its door units comes online within seconds and is sent
its building's allow-list. Read one door at a time (the door's building, then the
building's cards, through the ORM), that wave was 13 % of an ingest worker's CPU in the
bench's profile. Here the first door of a wave loads the doors' buildings and every live
card at once (Core queries); the rest are dictionary lookups. The cache is dropped when
the worker hears the registry changed, and after :data:`TTL_S` in any case (a change
made while the worker was away from its front). Synchronous: call it in a database lane.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import Engine, text

from hub.domain.building_allowlist import BuildingAllowList, Card, allowlist_of_cards

TTL_S = 60.0

_DOOR_BUILDINGS = text(
    "SELECT d.id, n.id FROM device d JOIN node n ON n.id = d.node_id "
    "WHERE d.kind = 'door' AND n.level = 'building'"
)
_LIVE_CARDS = text(
    "SELECT r.building_id, c.card_format, c.facility_code, c.card_number "
    "FROM door_credential c JOIN resident r ON r.id = c.resident_id "
    "WHERE c.kind = 'card' AND NOT c.revoked "
    "AND c.card_format IS NOT NULL AND c.facility_code IS NOT NULL "
    "AND c.card_number IS NOT NULL"
)


class AllowListCache:
    def __init__(
        self, engine: Engine, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine = engine
        self._ttl_s = ttl_s
        self._clock = clock
        self._loaded_at: float | None = None
        self._buildings: dict[str, int] = {}
        self._lists: dict[int, BuildingAllowList] = {}
        self.loads = 0

    def invalidate(self) -> None:
        self._loaded_at = None

    def for_door(self, device_id: str) -> BuildingAllowList | None:
        """The allow-list of the door's building; None if it is under no building."""
        loaded_at = self._loaded_at
        if loaded_at is None or self._clock() - loaded_at > self._ttl_s:
            self._load()
        building = self._buildings.get(device_id)
        if building is None:
            return None
        found = self._lists.get(building)
        return found if found is not None else allowlist_of_cards(())

    def _load(self) -> None:
        cards: dict[int, list[Card]] = defaultdict(list)
        with self._engine.connect() as conn:
            buildings = {str(door): int(node) for door, node in conn.execute(_DOOR_BUILDINGS)}
            for building, card_format, facility, number in conn.execute(_LIVE_CARDS):
                cards[int(building)].append((str(card_format), int(facility), int(number)))
        self._buildings = buildings
        self._lists = {b: allowlist_of_cards(c) for b, c in cards.items()}
        self._loaded_at = self._clock()
        self.loads += 1
