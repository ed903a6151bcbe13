"""The registry's change feed on both databases: what CSV imports and seeds record,
revisions in commit order under concurrent writers, pruning, and the watcher handing
changes to its listeners."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from hub.housekeeping import housekeep
from hub.registry.change_feed import (
    Change,
    ChangeDraft,
    begin_registry_write,
    changes_since,
    latest_revision,
    prune_changes,
    record_changes,
)
from hub.registry.csv_io import export_devices, import_devices
from hub.registry_sync.watcher import FULL_RELOAD_AFTER, ChangeSet, RegistryWatcher
from tests.integration.registry.conftest import Seeded


def _rows(seeded: Seeded) -> list[list[str]]:
    out = io.StringIO()
    with seeded.session() as session:
        export_devices(session, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def _import(seeded: Seeded, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    with seeded.session() as session:
        import_devices(session, io.StringIO(out.getvalue()), actor="test import")
        session.commit()


def test_a_seed_records_one_reload(seeded: Seeded) -> None:
    [change] = changes_since(seeded.engine, 0)
    assert (change.entity, change.entity_id, change.action) == ("registry", "*", "reloaded")
    assert change.actor == "hub seed" and latest_revision(seeded.engine) == change.revision


def test_a_reseed_keeps_the_feed_and_moves_on(seeded: Seeded, tmp_path: Path) -> None:
    before = latest_revision(seeded.engine)
    seeded.reseed(tmp_path)
    assert [c.action for c in changes_since(seeded.engine, 0)] == ["reloaded", "reloaded"]
    assert latest_revision(seeded.engine) > before


def test_csv_import_records_what_it_created_changed_and_disabled(seeded: Seeded) -> None:
    start = latest_revision(seeded.engine)
    rows = _rows(seeded)
    header, unchanged, renamed, disabled = rows[0], rows[1], rows[2], rows[3]
    renamed[7] = "renamed"
    disabled[8] = "false"
    new = ["LK-0412", "locker", "Kerong", "KR-1", "2.0.0", "lockerlink", "c0001", "new", "true"]
    _import(seeded, [header, unchanged, renamed, disabled, new])
    found = [(c.entity_id, c.action, c.actor) for c in changes_since(seeded.engine, start)]
    assert sorted(found) == sorted(
        [
            (renamed[0], "updated", "test import"),
            (disabled[0], "disabled", "test import"),
            ("LK-0412", "created", "test import"),
        ]
    )


def _write(engine: Engine, entity_id: str, started: threading.Barrier) -> None:
    with Session(engine) as session:
        started.wait()
        begin_registry_write(session)
        record_changes(
            session.connection(),
            [ChangeDraft("device", entity_id, "updated")],
            actor="test",
            ts_ms=1,
        )
        session.commit()


def test_revisions_appear_in_commit_order_under_concurrent_writers(engine: Engine) -> None:
    """A reader that has seen revision N never later finds a committed revision below N:
    writers are serialised, so every read sees a gapless prefix."""
    writers = 8
    started = threading.Barrier(writers + 1)
    seen: list[list[int]] = []
    threads = [
        threading.Thread(target=_write, args=(engine, f"d{i}", started)) for i in range(writers)
    ]
    for thread in threads:
        thread.start()
    started.wait()
    while any(t.is_alive() for t in threads):
        seen.append([c.revision for c in changes_since(engine, 0)])
    for thread in threads:
        thread.join()
    final = [c.revision for c in changes_since(engine, 0)]
    assert len(final) == writers
    for snapshot in seen:
        assert snapshot == final[: len(snapshot)]


def test_pruning_keeps_the_newest_change(engine: Engine) -> None:
    with engine.begin() as conn:
        for ts in (1_000, 2_000, 3_000):
            record_changes(conn, [ChangeDraft("device", "d", "updated")], actor="t", ts_ms=ts)
    newest = latest_revision(engine)
    assert prune_changes(engine, older_than_ms=10_000) == 2
    assert [c.revision for c in changes_since(engine, 0)] == [newest]
    with engine.begin() as conn:
        record_changes(conn, [ChangeDraft("device", "d", "updated")], actor="t", ts_ms=4_000)
    assert latest_revision(engine) > newest  # ids are never reused


def test_housekeeping_prunes_changes_past_the_retention(engine: Engine) -> None:
    day = 86_400_000
    now = 100 * day
    with engine.begin() as conn:
        for ts in (now - 40 * day, now - 31 * day, now - 29 * day, now - day):
            record_changes(conn, [ChangeDraft("device", "d", "updated")], actor="t", ts_ms=ts)
    done = housekeep(engine, now, idempotency_retention_h=24, retention_days=30)
    assert done.registry_changes == 2
    assert [c.ts_ms for c in changes_since(engine, 0)] == [now - 29 * day, now - day]


class Recorder:
    def __init__(self) -> None:
        self.sets: list[ChangeSet] = []

    async def on_registry_changes(self, changes: ChangeSet) -> None:
        self.sets.append(changes)


async def test_the_watcher_hands_over_each_change_once_in_order(engine: Engine) -> None:
    recorder = Recorder()
    watcher = RegistryWatcher(engine, [recorder], interval_s=30)
    task = asyncio.create_task(watcher.run())
    try:
        await watcher.wait_for(0)
        assert recorder.sets[0].initial and recorder.sets[0].everything
        with engine.begin() as conn:
            drafts = [
                ChangeDraft("device", "LK-1", "created"),
                ChangeDraft("credential", "17", "revoked", building_id=5),
                ChangeDraft("resident", "3", "updated", building_id=6),
            ]
            record_changes(conn, drafts, actor="t", ts_ms=1)
        watcher.poke()  # instead of waiting the 30 s interval
        await watcher.wait_for(latest_revision(engine))
        [changes] = recorder.sets[1:]
        assert changes.device_ids == {"LK-1"} and changes.building_ids == {5, 6}
        assert not changes.everything and not changes.initial
        assert await watcher.step() == 0  # nothing new: nothing handed over again
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_many_device_changes_or_a_reseed_mean_reload_everything() -> None:
    def change(revision: int, entity: str, entity_id: str) -> Change:
        return Change(revision, entity, entity_id, "updated", None, "t", 1)

    few = [change(i, "device", f"d{i}") for i in range(1, 4)]
    many = [change(i, "device", f"d{i}") for i in range(1, FULL_RELOAD_AFTER + 2)]
    assert not ChangeSet.of(few).everything
    assert ChangeSet.of(many).everything
    assert ChangeSet.of([*few, change(9, "registry", "*")]).everything
    assert ChangeSet.of(few).revision == 3
