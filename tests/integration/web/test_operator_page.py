"""The operator page at / in a real headless Chromium, against a real hub served by uvicorn
on a private Mosquitto with simulated devices: token entry (a wrong one is refused with a
401 message), fleet numbers equal to the API's, device search and detail (twin, telemetry
chart, events), a 404 for an unknown device, live events, and acknowledging an alarm."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.integration.api.conftest import ApiHub, bearer, serving, start_door, start_locker
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import async_wait_until

pytestmark = [pytest.mark.broker, pytest.mark.browser]


async def get(hub: ApiHub, token: str, path: str, **params: Any) -> Any:
    response = await hub.client.get(path, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


async def sign_in(page: Page, token: str) -> None:
    await page.fill("#token-input", token)
    await page.click("#token-form button[type=submit]")


async def test_operator_page(
    settings_factory: Any,
    private_mosquitto: PrivateMosquitto,
    browser: Browser,
    tmp_path: Path,
) -> None:
    settings = settings_factory(instance_id="web-test")
    async with serving(settings, private_mosquitto.url) as hub:
        locker_id, door_id = hub.fleet.lockers[1], hub.fleet.doors[0]
        locker = await start_locker(hub, locker_id)
        door = await start_door(hub, door_id)
        running = [locker, door]
        token = hub.operator_token("testcity")
        try:
            # The locker's online messages include telemetry: wait until it is stored.
            async def has_metrics() -> bool:
                detail = await get(hub, token, f"/api/v1/devices/{locker_id}")
                return bool(detail["metrics"])

            await async_wait_until(has_metrics, what="locker telemetry stored")

            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            await page.goto(f"{hub.url}/")
            await expect(page).to_have_title("Community device hub")
            assert await page.evaluate("typeof uPlot") == "function"

            # A wrong token: a clear 401, and the token form again.
            await sign_in(page, "hub_not-a-token")
            await expect(page.locator("#notice")).to_contain_text("401")
            await expect(page.locator("#token-form")).to_be_visible()

            await sign_in(page, token)
            await expect(page.locator("#scope")).to_have_text("testcity")
            await expect(page.locator("#notice")).to_be_hidden()
            await expect(page.locator("#token-form")).to_be_hidden()
            await expect(page.locator("#live-state")).to_have_text("live: on")
            assert await page.evaluate("sessionStorage.getItem('hub.operatorToken')") == token

            # The fleet numbers are the API's (the devices stay as they are meanwhile).
            summary = await get(hub, token, "/api/v1/fleet/summary")
            assert summary["devices"]["locker"]["online"] == 1
            for kind, counts in summary["devices"].items():
                row = page.locator(f'#fleet-table tr[data-kind="{kind}"]')
                await expect(row.locator(".total-count")).to_have_text(str(counts["total"]))
                await expect(row.locator(".online-count")).to_have_text(str(counts["online"]))
            total = sum(c["total"] for c in summary["devices"].values())
            all_row = page.locator('#fleet-table tr[data-kind="all"]')
            await expect(all_row.locator(".total-count")).to_have_text(str(total))
            await expect(page.locator("#share-chart canvas")).to_have_count(1)

            # Device search, then the detail of the locker.
            await page.fill("#q", locker_id)
            await page.select_option("#kind", "locker")
            await page.click("#search-form button[type=submit]")
            result = page.locator(f'#results-table tr[data-device-id="{locker_id}"]')
            await expect(result).to_contain_text("online")
            await expect(page.locator("#results-table tbody tr")).to_have_count(1)
            await result.get_by_role("link", name=locker_id).click()
            detail = await get(hub, token, f"/api/v1/devices/{locker_id}")
            await expect(page.locator("#detail-h")).to_contain_text(locker_id)
            await expect(page.locator("#reported-version")).to_have_text(
                str(detail["twin"]["reported_version"])
            )
            await expect(page.locator("#desired-version")).to_have_text(
                str(detail["twin"]["desired_version"])
            )
            reported = page.locator("#twin-reported")
            for key in detail["twin"]["reported"]:
                await expect(reported).to_contain_text(f'"{key}"')
            await expect(page.locator("#metric option")).to_have_count(len(detail["metrics"]))
            metric = detail["metrics"][0]
            points = await get(hub, token, f"/api/v1/devices/{locker_id}/telemetry", metric=metric)
            count = len(points["points"])
            assert count >= 1
            await expect(page.locator("#telemetry-note")).to_have_text(
                re.compile(rf"^{count} points?$")
            )
            await expect(page.locator("#telemetry-chart canvas")).to_have_count(1)

            # A tamper raises an alarm: it appears live, is acknowledged from the page, and
            # the open device's events show the tamper.
            locker.tamper()
            alarm_row = page.locator(
                f'#alarms-table tr[data-device-id="{locker_id}"][data-type="tamper"]'
            )
            await expect(alarm_row).to_have_attribute("data-state", "active")
            await expect(page.locator('#live-log li[data-type="alarm"]')).to_contain_text(locker_id)
            await expect(page.locator("#events-table")).to_contain_text("tamper")
            await expect(
                page.locator('#severity li:has(.count:not(:text-is("0")))')
            ).not_to_have_count(0)
            await alarm_row.get_by_role("button", name=re.compile("^Acknowledge tamper")).click()
            await expect(alarm_row).to_have_attribute("data-state", "acknowledged")
            alarm_id = int(await alarm_row.get_attribute("data-alarm-id") or 0)
            alarm = await get(hub, token, f"/api/v1/alarms/{alarm_id}")
            assert alarm["state"] == "acknowledged"
            assert alarm["acknowledged_by"].startswith("operator-token:")
            await expect(alarm_row.locator(".state")).to_contain_text(alarm["acknowledged_by"])

            await page.screenshot(path=str(tmp_path / "operator-page.png"), full_page=True)

            # The door unit goes away: its presence event reaches the page live.
            running.remove(door)
            await door.stop()
            door_row = page.locator('#fleet-table tr[data-kind="door"]')
            await expect(door_row.locator(".online-count")).to_have_text("0")
            await expect(page.locator('#live-log li[data-type="presence"]')).to_contain_text(
                f"{door_id}: offline"
            )

            # An unknown device: a clear 404 in the detail panel.
            await page.evaluate("location.hash = 'device=no-such-device'")
            await expect(page.locator("#detail-error")).to_contain_text("404")
            await expect(page.locator("#detail-error")).to_contain_text("no-such-device")

            # Forgetting the token stops everything and shows the token form.
            await page.click("#sign-out")
            await expect(page.locator("#token-form")).to_be_visible()
            assert await page.evaluate("sessionStorage.getItem('hub.operatorToken')") is None
            assert page_errors == []
        finally:
            for device in running:
                await device.stop()
