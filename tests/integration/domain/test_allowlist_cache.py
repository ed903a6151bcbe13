"""The allow-list cache gives every door the list the per-door reading gives, from two
queries, and sees a revoked card once invalidated (both databases)."""

from __future__ import annotations

from sqlalchemy import update

from hub.db.engine import make_engine
from hub.domain.allowlist_cache import AllowListCache
from hub.domain.config_push import door_allowlist
from hub.registry.models import DoorCredential
from tests.support.tiny_fleet import create_tiny_fleet

SECRET = "test-secret-key-0123456789"


def test_the_cache_agrees_with_the_per_door_reading(database_url: str) -> None:
    engine = make_engine(database_url)
    fleet = create_tiny_fleet(engine, SECRET)
    now = [0.0]
    cache = AllowListCache(engine, ttl_s=60, clock=lambda: now[0])
    for door in fleet.doors:
        assert cache.for_door(door) == door_allowlist(engine, door), door
    assert cache.loads == 1  # every door from the one load
    assert cache.for_door(fleet.lockers[0]) is None  # not a door under a building

    resident, (card_format, facility, number) = next(iter(fleet.cards.items()))
    door = next(
        d
        for d in fleet.doors
        if cache.for_door(d)
        and any(
            e["card"] == number
            for e in cache.for_door(d).entries  # type: ignore[union-attr]
        )
    )
    with engine.begin() as conn:
        conn.execute(
            update(DoorCredential)
            .where(DoorCredential.resident_id == resident, DoorCredential.kind == "card")
            .values(revoked=True)
        )
    stale = cache.for_door(door)
    assert stale is not None and any(e["card"] == number for e in stale.entries)
    cache.invalidate()  # the registry changed
    fresh = cache.for_door(door)
    assert fresh is not None and fresh == door_allowlist(engine, door)
    assert not any(
        (e["format"], e["facility"], e["card"]) == (card_format, facility, number)
        for e in fresh.entries
    )
    assert fresh.version != stale.version
    now[0] += 61  # and after the time-to-live, whatever happened
    cache.for_door(door)
    assert cache.loads == 3
    engine.dispose()
