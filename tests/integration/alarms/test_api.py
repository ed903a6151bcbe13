"""Operators and alarms through the API: scope, filters, pages, acknowledgement outside
the scope, the fleet summary's counts and the device list's ``has_alarm`` filter."""

from __future__ import annotations

from tests.integration.alarms.conftest import MINUTE_MS, NORTH, SOUTH, AlarmHub


async def raise_four(hub: AlarmHub) -> None:
    """North: door tamper (critical), low stock (warning), locker offline (major).
    South: locker tamper (critical)."""
    north_door, north_vending, north_locker = hub.door(0), hub.vending(0), hub.locker(0)
    south_locker = hub.locker(1)
    north_door.online()
    north_door.local_status(tamper=True)
    north_vending.birth(temperature_c=4.0, stock={1: 0, 2: 9})
    north_locker.online()
    north_locker.offline()
    south_locker.online()
    south_locker.tamper()
    await hub.committed()
    await hub.tick(5 * MINUTE_MS)
    assert len(await hub.alarms()) == 4


async def test_scope_filters_and_pages(both_hub: AlarmHub) -> None:
    hub = both_hub
    await raise_four(hub)
    north = await hub.alarms(NORTH)
    assert {(a["device_id"], a["type"]) for a in north} == {
        ("door-0001", "tamper"),
        ("vending-0001", "low_stock"),
        ("locker-0001", "device_offline"),
    }
    assert [a["device_id"] for a in await hub.alarms(SOUTH)] == ["locker-0002"]
    assert [a["device_id"] for a in await hub.alarms("c0002")] == ["locker-0002"]
    everything = await hub.alarms()
    assert [a["id"] for a in everything] == sorted((a["id"] for a in everything), reverse=True)
    assert {a["device_id"] for a in await hub.alarms(severity="critical")} == {
        "door-0001",
        "locker-0002",
    }
    assert [a["type"] for a in await hub.alarms(kind="vending")] == ["low_stock"]
    assert [a["device_id"] for a in await hub.alarms(type="tamper", kind="locker")] == [
        "locker-0002"
    ]
    assert await hub.alarms(NORTH, device="locker-0002") == []

    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await hub.api.get("/api/v1/alarms", params=params, headers=hub.token())
        body = response.json()
        pages.append([a["id"] for a in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [3, 1]
    assert [i for page in pages for i in page] == [a["id"] for a in everything]

    bad = await hub.api.get("/api/v1/alarms", params={"state": "on"}, headers=hub.token())
    assert bad.status_code == 422
    anonymous = await hub.api.get("/api/v1/alarms")
    assert anonymous.status_code == 401


async def test_acknowledge_in_scope_only(both_hub: AlarmHub) -> None:
    hub = both_hub
    await raise_four(hub)
    [south_alarm] = await hub.alarms(SOUTH)
    refused = await hub.ack(south_alarm["id"], scope=NORTH)
    assert refused.status_code == 404 and "in your scope" in refused.json()["detail"]
    missing = await hub.ack(10**9)
    assert missing.status_code == 404
    detail = await hub.api.get(f"/api/v1/alarms/{south_alarm['id']}", headers=hub.token(NORTH))
    assert detail.status_code == 404
    assert (await hub.alarm("locker-0002", "tamper"))["state"] == "active"
    done = await hub.ack(south_alarm["id"], scope=SOUTH)
    assert done.status_code == 200 and done.json()["state"] == "acknowledged"
    assert [a["id"] for a in await hub.alarms(state="acknowledged")] == [south_alarm["id"]]
    assert len(await hub.alarms(state="active")) == 3
    assert len(await hub.alarms(state="open")) == 4
    assert await hub.alarms(state="cleared") == []


async def test_fleet_summary_and_device_filter_count_open_alarms(hub: AlarmHub) -> None:
    await raise_four(hub)
    summary = await hub.api.get("/api/v1/fleet/summary", headers=hub.token())
    assert summary.json()["alarms_by_severity"] == {"critical": 2, "major": 1, "warning": 1}
    north = await hub.api.get("/api/v1/fleet/summary", headers=hub.token(NORTH))
    assert north.json()["alarms_by_severity"] == {"critical": 1, "major": 1, "warning": 1}
    listed = await hub.api.get("/api/v1/devices", params={"has_alarm": "true"}, headers=hub.token())
    assert [d["id"] for d in listed.json()["items"]] == [
        "door-0001",
        "locker-0001",
        "locker-0002",
        "vending-0001",
    ]
    quiet = await hub.api.get(
        "/api/v1/devices", params={"has_alarm": "false"}, headers=hub.token(NORTH)
    )
    assert [d["id"] for d in quiet.json()["items"]] == []
    hub.locker(0).online()  # back: its offline alarm clears
    await hub.committed()
    listed = await hub.api.get(
        "/api/v1/devices", params={"has_alarm": "false"}, headers=hub.token(NORTH)
    )
    assert [d["id"] for d in listed.json()["items"]] == ["locker-0001"]
    assert hub.gauge("locker", "device_offline", "major") == 0
    assert hub.gauge("door", "tamper", "critical") == 1


async def test_fleet_summary_leaves_out_acknowledged_alarms(hub: AlarmHub) -> None:
    await raise_four(hub)
    [south_alarm] = await hub.alarms(SOUTH)
    assert (await hub.ack(south_alarm["id"], scope=SOUTH)).status_code == 200
    summary = await hub.api.get("/api/v1/fleet/summary", headers=hub.token())
    assert summary.json()["alarms_by_severity"] == {"critical": 1, "major": 1, "warning": 1}
    south = await hub.api.get("/api/v1/fleet/summary", headers=hub.token(SOUTH))
    assert south.json()["alarms_by_severity"] == {}
    assert hub.gauge("locker", "tamper", "critical") == 1
