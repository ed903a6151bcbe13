"""The Fleet API and the ``device-sims`` command on a private broker."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest

from device_sims.cli import main
from device_sims.device import SimOptions
from device_sims.faults import profile
from device_sims.fleet import Fleet
from firmware_protocols.base import Event, Presence
from tests.integration.sims.conftest import HubView, Recorder
from tests.support.broker import PrivateMosquitto

pytestmark = pytest.mark.broker


@pytest.fixture
def watcher(private_mosquitto: PrivateMosquitto) -> Iterator[Recorder]:
    recorder = Recorder(private_mosquitto.url)
    recorder.start()
    yield recorder
    recorder.stop()


def registered(fleet: Fleet) -> HubView:
    hub = HubView()
    for device in fleet:
        hub.register(device.spec)
    return hub


async def test_fleet_connects_bursts_and_stops(
    private_mosquitto: PrivateMosquitto, watcher: Recorder
) -> None:
    fleet = Fleet.synthetic(
        private_mosquitto.url, lockers=3, vending=2, doors=3, options=SimOptions(behaviour=False)
    )
    hub = registered(fleet)
    await fleet.start()
    assert fleet.stats().online == 8
    assert {d.kind for d in fleet} == {"locker", "vending", "door"}
    result = await fleet.burst(25, qos=1)
    assert (result.devices, result.attempted, result.published) == (8, 200, 200)

    def telemetry_counts() -> Counter[str]:
        return Counter(
            m.topic.split("/")[1]
            if m.topic.startswith(("lockerlink", "osdp"))
            else m.topic.split("/")[3]
            for m in watcher.messages
            if m.topic.endswith(("/telemetry", "/up")) or "/DDATA/" in m.topic
        )

    # after connecting: lockers send one telemetry message, doors an inputs and a local
    # status report, vending machines none (the DBIRTH carries it); then the burst
    after_connect = {"locker": 1, "door": 2, "vending": 0}
    expected = {d.device_id: 25 + after_connect[d.kind] for d in fleet}
    await watcher.wait(lambda: telemetry_counts() == expected, "the burst")
    await fleet.stop()

    def offline() -> set[str]:
        return {
            device.device_id
            for device in fleet
            for r in hub.records(watcher, device.device_id)
            if isinstance(r, Presence) and not r.online
        }

    await watcher.wait(lambda: len(offline()) == 8, "planned offline of every device")
    assert fleet.stats().online == 0


async def test_daily_patterns_under_chaos(
    private_mosquitto: PrivateMosquitto, watcher: Recorder
) -> None:
    """A simulated morning at high speed with the chaos profile: couriers deposit, people
    buy vegetables and badge in, faults happen, and nothing in the devices crashes."""
    options = SimOptions(speed=20_000, faults=profile("chaos"), seed=7, start_hour=8.8)
    fleet = Fleet.synthetic(private_mosquitto.url, lockers=2, vending=2, doors=4, options=options)
    hub = registered(fleet)
    await fleet.start()

    def events() -> Counter[str]:
        kinds: Counter[str] = Counter()
        for device in fleet:
            records = hub.records(watcher, device.device_id)
            kinds.update(r.type for r in records if isinstance(r, Event))
        return kinds

    await watcher.wait(
        lambda: all(events()[kind] for kind in ("deposit", "vend", "card_read", "inputs")),
        "deposits, vends and card reads",
    )
    await fleet.stop()
    stats = fleet.stats()
    assert stats.task_failures == 0
    assert stats.sent > 50
    if stats.malformed:
        assert hub.refused


def test_bench_command_reports_published_messages(
    private_mosquitto: PrivateMosquitto, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "--lockers", "2", "--vending", "2", "--doors", "2"]
    argv += ["--mqtt-url", private_mosquitto.url, "--messages", "10", "--qos", "1", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["devices"] == 6
    assert report["published"] == report["attempted"] == 60


def test_run_command_runs_for_its_duration(
    private_mosquitto: PrivateMosquitto, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--lockers", "1", "--vending", "1", "--doors", "2", "--speed", "600"]
    argv += ["--mqtt-url", private_mosquitto.url, "--duration", "1", "--stats-every", "0.5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "all 4 devices connected" in out
    assert "online 4/4" in out
