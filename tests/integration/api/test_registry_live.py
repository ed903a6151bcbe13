"""Registry changes made while the hub runs reach it without a restart, on SQLite and
PostgreSQL, through a real broker: a door added through the API goes online and
unlocks; a revoked card is refused by its online door (online and in its offline
fallback); a locker added through the API or CSV has compartments that open; a disabled
device's messages become dead letters and it goes offline."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import Session

from device_sims.door import Door
from device_sims.inventory import Card, CompartmentSpec, DeviceSpec
from device_sims.locker import Locker
from hub.registry.csv_io import import_devices
from hub.store.reads import dead_letters
from mqtt_link.address import BrokerAddress
from tests.integration.api.conftest import SIM_OPTIONS, ApiHub, bearer, serving
from tests.support.broker import PrivateMosquitto
from tests.support.devices import DoorUnit, Wire
from tests.support.hub_harness import ScriptedClient
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker

REVOCATION_LIMIT_S = 5.0  # the product's promise: a revoked card stops opening within 5 s


@pytest.fixture
async def hub(  # type: ignore[no-untyped-def]
    settings_factory, private_mosquitto: PrivateMosquitto, database_url: str
) -> AsyncIterator[ApiHub]:
    settings = settings_factory(instance_id="registry-live", database_url=database_url)
    async with serving(settings, private_mosquitto.url) as api:
        yield api


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def operator(hub: ApiHub) -> dict[str, str]:
    return bearer(hub.operator_token("testcity"))


async def known(hub: ApiHub, device_id: str, enabled: bool = True) -> None:
    """Until this hub applied the registry change: its front (whose watcher polls twice a
    second) and, when it runs in this process, the ingest worker it relayed it to."""
    workers = hub.runtime.workers

    def applied() -> bool:
        directories = [hub.runtime.directory]
        if workers.in_process:
            directories.append(workers.local().directory)
        entries = [directory.get(device_id) for directory in directories]
        return all(e is not None and e.info.enabled is enabled for e in entries)

    await async_wait_until(applied, what=f"{device_id} known to the hub (enabled={enabled})")


async def add_device(hub: ApiHub, **fields: Any) -> dict[str, Any]:
    body = {"vendor": "Acme", "model": "X1", "name": fields["id"], **fields}
    response = await hub.client.post("/api/v1/devices", json=body, headers=operator(hub))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_door_added_through_the_api_goes_online_and_unlocks(hub: ApiHub) -> None:
    building = hub.fleet.door_buildings[hub.fleet.doors[0]]
    created = await add_device(
        hub, id="DU-0412", kind="door", firmware_version="1.0.0", location=building
    )
    assert created["mqtt_password"] and created["path"].endswith(building)
    await known(hub, "DU-0412")
    spec = DeviceSpec("DU-0412", "door", "1.0.0", building, (building,))
    door = Door(spec, BrokerAddress.parse(hub.broker_url), options=SIM_OPTIONS)
    await door.start()
    try:
        await async_wait_until(lambda: hub.runtime.presence.is_online("DU-0412"), what="online")
        resident = hub.resident(hub.fleet.doors[0])
        token = bearer(hub.resident_token(resident))
        doors = (await hub.client.get("/api/v1/me/doors", headers=token)).json()
        assert "DU-0412" in [d["device_id"] for d in doors]
        response = await hub.client.post("/api/v1/doors/DU-0412/unlock", headers=token | key())
        assert response.status_code == 200, response.text
        assert response.json()["command_id"] in door.log.strikes
    finally:
        await door.stop()


def forget_queued_reads(door: Door) -> None:
    """Drop what the unit queued while offline: the hub would answer those reads after
    the reconnect, which is not what these presentations test."""
    list(door.buffer.drain())


async def _card_id(hub: ApiHub, resident: int, card: tuple[str, int, int]) -> int:
    response = await hub.client.get(
        f"/api/v1/residents/{resident}/credentials", headers=operator(hub)
    )
    assert response.status_code == 200, response.text
    for credential in response.json():
        found = (credential["card_format"], credential["facility_code"], credential["card_number"])
        if credential["kind"] == "card" and found == card:
            return int(credential["id"])
    raise AssertionError(f"no card {card} for resident {resident}")


async def test_a_card_revoked_while_its_door_is_online_is_refused_within_5_s(
    hub: ApiHub,
) -> None:
    door_id = hub.fleet.doors[0]
    building = hub.fleet.door_buildings[door_id]
    resident = hub.resident(door_id)
    fmt, facility, number = hub.fleet.cards[resident]
    card = Card(fmt, facility, number)
    spec = DeviceSpec(door_id, "door", "1.0.0", building, (building,))
    door = Door(spec, BrokerAddress.parse(hub.broker_url), options=SIM_OPTIONS)
    await door.start()
    try:
        await async_wait_until(lambda: hub.runtime.presence.is_online(door_id), what="online")
        await async_wait_until(
            lambda: door.allowlist is not None and door._allowed_offline(card),
            what="the allow-list pushed when the door came online",
        )
        # The offline fallback opens for the card while it is live...
        door.go_offline()
        await door.present_card(card)
        assert door.log.strikes[-1] == f"allowlist:{facility}:{number}"
        forget_queued_reads(door)
        await door.go_online()
        strikes = len(door.log.strikes)

        credential = await _card_id(hub, resident, hub.fleet.cards[resident])
        revoked_at = time.monotonic()
        response = await hub.client.patch(
            f"/api/v1/credentials/{credential}", json={"revoked": True}, headers=operator(hub)
        )
        assert response.status_code == 200 and response.json()["revoked"] is True
        # ...and the door is told the new list, without the card, within 5 s.
        await async_wait_until(
            lambda: door.allowlist is not None and not door._allowed_offline(card),
            timeout_s=REVOCATION_LIMIT_S,
            what="the new allow-list at the door",
        )
        elapsed = time.monotonic() - revoked_at
        assert elapsed < REVOCATION_LIMIT_S

        # Online, the hub refuses the card (it decides from the registry)...
        await door.present_card(card)
        await async_wait_until(
            lambda: door.commands and door.commands[-1].name == "deny_access",
            what="the hub's deny",
        )
        # ...and offline, the unit refuses it from its own list.
        door.go_offline()
        await door.present_card(card)
        assert len(door.log.strikes) == strikes
        forget_queued_reads(door)
        await door.go_online()

        rows = await hub.client.get(
            "/api/v1/audit", params={"action": "registry:credential.update"}, headers=operator(hub)
        )
        assert [r["result"] for r in rows.json()["items"]] == ["revoked"]
    finally:
        await door.stop()


LOCKER_COMPARTMENTS = tuple(CompartmentSpec(n, "S" if n <= 4 else "M") for n in range(1, 9))


def _import_locker(hub: ApiHub, device_id: str, firmware: str, community: str) -> None:
    text = (
        "id,kind,vendor,model,firmware_version,protocol,location,name,enabled\n"
        f"{device_id},locker,Kerong,KR-1,{firmware},lockerlink,{community},imported,true\n"
    )
    with Session(hub.runtime.engine) as session:
        result = import_devices(session, io.StringIO(text))
        session.commit()
    assert result.created == (device_id,)


@pytest.mark.parametrize(("how", "firmware"), [("api", "2.0.0"), ("csv", "1.0.0")])
async def test_a_locker_added_while_running_opens_the_compartments_it_reports(
    hub: ApiHub, how: str, firmware: str
) -> None:
    device_id = f"LK-{how.upper()}-1"
    community = "c0001"
    if how == "api":
        await add_device(
            hub, id=device_id, kind="locker", firmware_version=firmware, location=community
        )
    else:
        _import_locker(hub, device_id, firmware, community)
    await known(hub, device_id)
    spec = DeviceSpec(
        device_id,
        "locker",
        firmware,
        community,
        (f"{community}-b01",),
        compartments=LOCKER_COMPARTMENTS,
    )
    locker = Locker(spec, BrokerAddress.parse(hub.broker_url), options=SIM_OPTIONS)
    await locker.start()
    try:
        await async_wait_until(lambda: hub.runtime.presence.is_online(device_id), what="online")
        await locker.publish_telemetry()

        async def reported() -> list[dict[str, Any]]:
            detail = await hub.client.get(f"/api/v1/devices/{device_id}", headers=operator(hub))
            compartments: list[dict[str, Any]] = detail.json()["compartments"]
            return compartments if len(compartments) == 8 else []

        compartments = await async_wait_until(reported, what="the compartments it reports")
        assert {c["source"] for c in compartments} == {"device"}
        sizes = {c["number"]: c["size"] for c in compartments}
        assert sizes[2] == ("S" if firmware.startswith("2") else None)  # v1 reports no sizes
        response = await hub.client.post(
            f"/api/v1/devices/{device_id}/commands",
            json={"name": "open_compartment", "compartment": 2},
            headers=operator(hub),
        )
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "confirmed"
        refused = await hub.client.post(
            f"/api/v1/devices/{device_id}/commands",
            json={"name": "open_compartment", "compartment": 9},
            headers=operator(hub),
        )
        assert refused.status_code == 422 and "has no compartment 9" in refused.text
    finally:
        await locker.stop()


async def test_a_disabled_device_is_refused_at_once_and_goes_offline(hub: ApiHub) -> None:
    door_id = hub.fleet.doors[0]
    door = DoorUnit(Wire(ScriptedClient(hub.broker_url, f"scripted-{door_id}").connect()), door_id)
    try:
        door.online()
        await async_wait_until(lambda: hub.runtime.presence.is_online(door_id), what="online")
        response = await hub.client.patch(
            f"/api/v1/devices/{door_id}", json={"enabled": False}, headers=operator(hub)
        )
        assert response.status_code == 200 and response.json()["enabled"] is False
        await known(hub, door_id, enabled=False)

        def offline_disabled() -> bool:
            # the door's ingest worker took it offline; the front mirrors its transition
            state = hub.runtime.presence.get(door_id)
            return state is not None and not state.online and state.reason == "disabled"

        await async_wait_until(offline_disabled, what="offline, reason disabled")

        door.contact(False)

        def disabled_letters() -> int:
            letters = dead_letters(hub.runtime.engine, reason="device_disabled")
            return sum(1 for letter in letters if letter.device_id == door_id)

        await async_wait_until(disabled_letters, what="a device_disabled dead letter")
        assert not hub.runtime.presence.is_online(door_id)
        command = await hub.client.post(
            f"/api/v1/devices/{door_id}/commands", json={"name": "unlock"}, headers=operator(hub)
        )
        assert command.status_code == 409 and "disabled" in command.text

        enabled = await hub.client.patch(
            f"/api/v1/devices/{door_id}", json={"enabled": True}, headers=operator(hub)
        )
        assert enabled.status_code == 200
        await known(hub, door_id, enabled=True)
        before = disabled_letters()
        door.contact(False)
        await async_wait_until(
            lambda: hub.runtime.presence.is_online(door_id), what="online after enabling"
        )
        assert disabled_letters() == before
    finally:
        door.wire.close()


@pytest.fixture
async def process_hub(  # type: ignore[no-untyped-def]
    settings_factory, private_mosquitto: PrivateMosquitto
) -> AsyncIterator[ApiHub]:
    """Two ingest worker processes: changes cross from the front to the owning worker."""
    settings = settings_factory(instance_id="registry-procs", ingest_workers=2)
    async with serving(settings, private_mosquitto.url) as api:
        yield api


async def test_with_worker_processes_changes_reach_the_owning_worker(
    process_hub: ApiHub,
) -> None:
    hub = process_hub
    building = hub.fleet.door_buildings[hub.fleet.doors[0]]
    await add_device(hub, id="DU-7", kind="door", firmware_version="1.0.0", location=building)
    await known(hub, "DU-7")
    spec = DeviceSpec("DU-7", "door", "1.0.0", building, (building,))
    door = Door(spec, BrokerAddress.parse(hub.broker_url), options=SIM_OPTIONS)
    await door.start()
    try:
        await async_wait_until(lambda: hub.runtime.presence.is_online("DU-7"), what="online")
        resident = hub.resident(hub.fleet.doors[0])
        fmt, facility, number = hub.fleet.cards[resident]
        card = Card(fmt, facility, number)
        await async_wait_until(
            lambda: door.allowlist is not None and door._allowed_offline(card),
            what="the allow-list pushed by the door's worker when it came online",
        )
        credential = await _card_id(hub, resident, hub.fleet.cards[resident])
        response = await hub.client.patch(
            f"/api/v1/credentials/{credential}", json={"revoked": True}, headers=operator(hub)
        )
        assert response.status_code == 200
        await async_wait_until(
            lambda: door.allowlist is not None and not door._allowed_offline(card),
            timeout_s=REVOCATION_LIMIT_S,
            what="the new allow-list at the door",
        )
    finally:
        await door.stop()


async def test_an_open_alarm_moves_with_its_device_and_a_cleared_one_stays(hub: ApiHub) -> None:
    door_id, other_door = hub.fleet.doors[0], hub.fleet.doors[1]
    old_building, new_building = (
        hub.fleet.door_buildings[door_id],
        hub.fleet.door_buildings[other_door],
    )
    door = DoorUnit(Wire(ScriptedClient(hub.broker_url, f"scripted-{door_id}").connect()), door_id)

    async def alarms_of(state: str) -> list[dict[str, Any]]:
        response = await hub.client.get(
            "/api/v1/alarms",
            params={"device": door_id, "type": "tamper", "state": state},
            headers=operator(hub),
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    try:
        door.online()
        await async_wait_until(lambda: hub.runtime.presence.is_online(door_id), what="online")
        door.local_status(tamper=True)
        opened: list[dict[str, Any]] = []

        async def raised() -> bool:
            opened[:] = await alarms_of("open")
            return len(opened) == 1

        await async_wait_until(raised, what="a tamper alarm")
        assert opened[0]["path"].endswith("/" + old_building)

        moved = await hub.client.patch(
            f"/api/v1/devices/{door_id}", json={"location": new_building}, headers=operator(hub)
        )
        assert moved.status_code == 200, moved.text
        new_path = moved.json()["path"]
        assert new_path.endswith("/" + new_building)

        async def followed() -> bool:
            return [a["path"] for a in await alarms_of("open")] == [new_path]

        await async_wait_until(followed, what="the open alarm at the door's new place")

        door.local_status(tamper=False)

        async def cleared() -> bool:
            return len(await alarms_of("cleared")) == 1

        await async_wait_until(cleared, what="the tamper alarm cleared")
        back = await hub.client.patch(
            f"/api/v1/devices/{door_id}", json={"location": old_building}, headers=operator(hub)
        )
        assert back.status_code == 200, back.text
        await known(hub, door_id)
        door.local_status(tamper=True)  # a new alarm, raised at the door's place again

        async def raised_again() -> bool:
            return [a["path"] for a in await alarms_of("open")] == [back.json()["path"]]

        await async_wait_until(raised_again, what="a new tamper alarm at the old place")
        assert [a["path"] for a in await alarms_of("cleared")] == [new_path]  # history stays
    finally:
        door.wire.close()
