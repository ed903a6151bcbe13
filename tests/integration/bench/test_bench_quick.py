"""``hub bench --quick`` end to end: a private broker, a fresh store, ``hub serve`` and
the simulators as child processes; the JSON carries every figure, numeric, with targets.
No timing thresholds: the figures depend on the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hub.bench.report import FIGURES, INFORMATIVE
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.registry.fleet_plan import FleetSize
from hub.registry.seeding import seed_registry

HUB = str(Path(sys.executable).parent / "hub")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_quick_bench_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [HUB, "bench", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a performance limit
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    document = json.loads(out.read_text())
    for name in FIGURES:
        assert _is_number(document[name]), (name, document.get(name))
        assert name in result.stdout  # the printed table
    assert set(document["targets"]) == set(FIGURES) - INFORMATIVE
    for verdict in document["targets"].values():
        assert isinstance(verdict["met"], bool) and verdict["target"]
    assert document["broker"]["kind"] in ("mosquitto", "amqtt") and document["broker"]["version"]
    assert document["store"]["dialect"] == "sqlite"
    machine = document["machine"]
    assert machine["cores"] >= 1 and machine["cpu_model"]
    assert len(machine["load_average_at_start"]) == 3
    # The accounting itself: every acknowledged burst message stored once.
    ingest = document["details"]["ingest"]
    assert ingest["burst_published"] == ingest["burst_attempted"] > 0
    assert document["lost"] == 0 and document["duplicates"] == 0
    assert ingest["hub_messages_committed"] == ingest["raw_messages"]
    assert sum(document["details"]["unlock"]["statuses"].values()) == document["plan"]["unlocks"]
    # Under load: unlocks went on while the workers drained the whole backlog.
    loaded = document["details"]["unlock_under_load"]
    assert loaded["drained"] and loaded["backlog_messages"] > 0 and loaded["unlocks"] >= 1
    assert document["ingest_workers"] >= 1 and document["hub_cpu_us_per_message"] > 0


def test_bench_refuses_a_database_that_holds_a_fleet(tmp_path: Path, sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    seed_registry(
        engine,
        secret_key="test-secret-key-0123456789",
        seed=1,
        secrets_path=tmp_path / "secrets.json",
        size=FleetSize(communities=1),
    )
    engine.dispose()
    result = subprocess.run(
        [HUB, "bench", "--quick", "--database-url", sqlite_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "empty database" in result.stderr
