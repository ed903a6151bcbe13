"""On SQLite the front's commits leave checkpointing the write-ahead log to the ingest
workers: a resident's claim or audit row never pays for copying the log into the database
file. Two engines on one real file stand for the two roles, with thresholds small enough
to cross in a test."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from hub.config import load_settings
from hub.db.engine import CHECKPOINT_PAGES, FRONT_CHECKPOINT_PAGES, make_engine
from hub.service import build_runtime

WORKER_PAGES = 20
FRONT_PAGES = 2_000


def _write_pages(engine: Engine, rows: int) -> None:
    """Commit ``rows`` rows of 4 KiB, one transaction each (a page or more each)."""
    with engine.connect() as conn:
        for _ in range(rows):
            conn.execute(text("INSERT INTO blob (data) VALUES (randomblob(4000))"))
            conn.commit()


def test_the_fronts_commits_do_not_checkpoint_and_the_workers_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    worker = make_engine(url, checkpoint_pages=WORKER_PAGES)
    front = make_engine(url, checkpoint_pages=FRONT_PAGES)
    try:
        with worker.begin() as conn:
            conn.execute(text("CREATE TABLE blob (id INTEGER PRIMARY KEY, data BLOB)"))
        with front.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert pages == FRONT_PAGES

        _write_pages(front, 60)  # well past the worker's threshold, under the front's
        with front.connect() as conn:
            size_after_front = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        wal = tmp_path / "hub.db-wal"
        assert wal.stat().st_size > WORKER_PAGES * 4096 * 2
        # Nothing copied yet: the main file holds only the table's first pages.
        assert (tmp_path / "hub.db").stat().st_size < size_after_front * 4096

        _write_pages(worker, 1)  # the worker's next commit finds the log over its line
        assert (tmp_path / "hub.db").stat().st_size >= size_after_front * 4096
    finally:
        worker.dispose()
        front.dispose()


def test_the_hubs_front_engine_leaves_checkpoints_to_the_workers(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        mqtt_url="mqtt://127.0.0.1:1",  # never connected: only the wiring is looked at
        secret_key="k" * 32,
    )
    runtime = build_runtime(settings)
    try:
        with runtime.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        # A backstop far above the workers' line, for a hub whose fleet sends nothing.
        assert pages == FRONT_CHECKPOINT_PAGES >= 10 * CHECKPOINT_PAGES
    finally:
        runtime.engine.dispose()
