"""The operator page at / in a real headless Chromium, against a real hub served by uvicorn
on a private Mosquitto with simulated devices (a locker, a vending machine, a door unit):

- an operator drills from the city to a community and its locker, sees its compartments
  and parcels and opens a compartment for service (confirmed by the locker); sees the
  vending machine's slots, cold-chain band, vends and DEX audits and sets its
  temperature; sees who came in at the door; acknowledges an alarm; reads and downloads
  a report; searches devices; gets a clear 404 and 401;
- the page speaks Simplified Chinese when the browser does, and switches;
- a district operator sees nothing of another district.

Each view is saved as a screenshot (see the ``screenshots`` fixture)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect
from sqlmodel import Session, col, select

from device_sims.inventory import Card
from device_sims.locker import Locker
from device_sims.vending import VendingMachine
from hub.city_clock import CityClock
from hub.registry.models import Node
from tests.integration.api.conftest import (
    ApiHub,
    bearer,
    serving,
    start_door,
    start_locker,
    start_vending,
)
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import async_wait_until

pytestmark = [pytest.mark.broker, pytest.mark.browser]

COMMUNITY_NAME = "东湖社区"  # the registry's name, shown as it is in both languages
NORTH, SOUTH = "testcity-north", "testcity-south"


class Shots:
    def __init__(self, directory: Path, prefix: str) -> None:
        self.directory = directory
        self.prefix = prefix

    async def take(self, page: Page, name: str) -> None:
        await page.screenshot(
            path=str(self.directory / f"{self.prefix}-{name}.png"), full_page=True
        )


async def get(hub: ApiHub, token: str, path: str, **params: Any) -> Any:
    response = await hub.client.get(path, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


async def sign_in(page: Page, token: str) -> None:
    await page.fill("#token-input", token)
    await page.click("#token-form button[type=submit]")


async def new_page(browser: Browser, locale: str, errors: list[str]) -> Page:
    context = await browser.new_context(
        viewport={"width": 1360, "height": 900}, locale=locale, accept_downloads=True
    )
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


class City:
    """The tiny fleet's devices of community c0001, running, with some history."""

    def __init__(self, hub: ApiHub, locker: Locker, machine: VendingMachine, door: Any) -> None:
        self.hub, self.locker, self.machine, self.door = hub, locker, machine, door


@pytest.fixture
async def city(settings_factory: Any, private_mosquitto: PrivateMosquitto) -> AsyncIterator[City]:
    settings = settings_factory(instance_id="web-test")
    async with serving(settings, private_mosquitto.url) as hub:
        with Session(hub.runtime.engine) as session:
            node = session.exec(select(Node).where(col(Node.code) == "c0001")).one()
            node.name = COMMUNITY_NAME
            session.add(node)
            session.commit()
        locker = await start_locker(hub, "locker-0001")
        machine = await start_vending(hub, "vending-0001")
        door = await start_door(hub, "door-0001")
        try:
            await locker.deposit(3, building="c0001-b01", unit="0101")
            await machine.vend(1)
            await machine.vend(2)
            machine.publish_audit()
            await machine.vend(1)
            machine.publish_audit()
            resident = hub.resident("door-0001")
            fmt, facility, number = hub.fleet.cards[resident]
            await door.present_card(Card(fmt, facility, number))
            token = hub.operator_token("testcity")

            async def settled() -> bool:
                place = await get(hub, token, "/api/v1/places/c0001")
                audits = await get(hub, token, "/api/v1/devices/vending-0001/dex-audits")
                access = await get(hub, token, "/api/v1/devices/door-0001/access")
                return (
                    place["figures"]["parcels_waiting"] == 1
                    and place["figures"]["sales_today"]["vends"] == 3
                    and len(audits["items"]) == 2
                    and len(access["items"]) == 1
                )

            await async_wait_until(settled, what="the devices' history stored")
            yield City(hub, locker, machine, door)
        finally:
            for device in (door, machine, locker):
                await device.stop()


async def test_drill_from_the_city_to_a_locker_and_every_view(
    city: City, browser: Browser, screenshots: Path
) -> None:
    hub, shots, errors = city.hub, Shots(screenshots, "en"), []
    token = hub.operator_token("testcity")
    page = await new_page(browser, "en-US", errors)
    await page.goto(f"{hub.url}/")
    await expect(page).to_have_title("Community device hub")
    assert await page.evaluate("typeof uPlot") == "function"
    assert await page.evaluate("document.documentElement.lang") == "en"

    # A wrong token: a clear 401, and the token form again.
    await sign_in(page, "hub_not-a-token")
    await expect(page.locator("#notice")).to_contain_text("401")
    await expect(page.locator("#token-form")).to_be_visible()

    # The city: its figures are the API's.
    await sign_in(page, token)
    await expect(page.locator("#place-h")).to_have_attribute("data-code", "testcity")
    await expect(page.locator("#notice")).to_be_hidden()
    await expect(page.locator("#live-state")).to_have_attribute("data-state", "open")
    top = await get(hub, token, "/api/v1/places")
    for kind, counts in top["figures"]["devices"].items():
        row = page.locator(f'#kinds-table tr[data-kind="{kind}"]')
        await expect(row.locator(".online-count")).to_have_text(str(counts["online"]))
        await expect(row.locator(".total-count")).to_have_text(str(counts["total"]))
    await expect(page.locator("#parcels-waiting")).to_have_text("1")
    await expect(page.locator("#sales-today")).to_have_text("CN¥11.00")  # 3.50 + 4.00 + 3.50
    await expect(page.locator("#children-table tbody tr")).to_have_count(2)
    await expect(page.locator("#share-chart canvas")).to_have_count(1)
    await shots.take(page, "1-city")

    # Down: district, subdistrict, community.
    await page.locator(f'#children-table a[data-place="{NORTH}"]').click()
    await expect(page.locator("#place-h")).to_have_attribute("data-code", NORTH)
    await expect(page.locator(".trail a")).to_have_text(["Testcity"])
    await shots.take(page, "2-district")
    await page.locator(f'#children-table a[data-place="{NORTH}-st"]').click()
    await expect(page.locator("#place-h")).to_have_attribute("data-code", f"{NORTH}-st")
    await page.get_by_role("link", name=COMMUNITY_NAME).click()
    await expect(page.locator("#place-h")).to_contain_text(COMMUNITY_NAME)
    await expect(page.locator("#devices-table tbody tr")).to_have_count(2)
    await expect(page.locator('#devices-table tr[data-device-id="locker-0001"]')).to_contain_text(
        "online"
    )
    await shots.take(page, "3-community")

    # The locker: its compartments and the parcel in 3; open 5 for service.
    await page.locator('#devices-table a[data-device="locker-0001"]').click()
    await expect(page.locator("#detail-h")).to_contain_text("locker-0001")
    grid = page.locator("#compartment-grid .compartment")
    await expect(grid).to_have_count(8)
    third = page.locator('#compartment-grid [data-number="3"]')
    await expect(third).to_have_attribute("data-state", "occupied")
    await expect(third.locator(".age")).to_have_text(re.compile(r"\d+ (s|min)"))
    await third.click()
    await expect(page.locator("#parcels-table tbody tr")).to_have_count(1)
    await expect(page.locator("#telemetry-chart canvas")).to_have_count(1)
    await expect(page.locator("#telemetry-note")).to_have_attribute(
        "data-count", re.compile(r"[1-9]")
    )
    await page.locator('#compartment-grid [data-number="5"]').click()
    await page.click("#open-compartment")
    await expect(page.locator("#confirm")).to_be_visible()
    await expect(page.locator("#confirm-text")).to_contain_text("compartment 5")
    await page.click("#confirm-ok")
    outcome = page.locator("#open-compartment-outcome")
    await expect(outcome).to_have_attribute("data-state", "confirmed")
    await expect(outcome).to_contain_text("confirmed")
    opened = [c for c in city.locker.commands if c.name == "open_compartment"]
    assert [(c.params["compartment"], c.params["reason"]) for c in opened] == [(5, "service")]
    await shots.take(page, "4-locker")

    # Cancelling asks nothing of the locker.
    await page.click("#open-compartment")
    await page.get_by_role("button", name="Cancel").click()
    await expect(page.locator("#confirm")).to_be_hidden()
    assert len([c for c in city.locker.commands if c.name == "open_compartment"]) == 1

    # The vending machine: slots, the band, vends, audits; set its temperature.
    await page.locator(".trail a", has_text=COMMUNITY_NAME).click()
    await page.locator('#devices-table a[data-device="vending-0001"]').click()
    await expect(page.locator("#slots-table tbody tr")).to_have_count(4)
    first = page.locator('#slots-table tr[data-slot="1"]')
    await expect(first.locator(".price")).to_have_text("CN¥3.50")
    await expect(first.locator(".stock")).to_contain_text("8 / 10")
    await expect(page.locator("#band")).to_have_text("0.0 °C \u2013 8.0 °C")
    await expect(page.locator("#temperature")).to_have_attribute("data-in-band", "true")
    await expect(page.locator("#vends-table tbody tr")).to_have_count(3)
    await expect(page.locator("#audits-table tbody tr")).to_have_count(2)
    await expect(page.locator('#audits-table tr[data-valid="true"]')).to_have_count(2)
    await page.click("#set-temperature")
    await page.fill("#setpoint-input", "5")
    await page.click("#confirm-ok")
    await expect(page.locator("#set-temperature-outcome")).to_have_attribute(
        "data-state", "confirmed"
    )
    assert city.machine.setpoint_c == 5.0
    await shots.take(page, "5-vending")

    # The door unit: who came in.
    await page.goto(f"{hub.url}/#/place/c0001-b01")
    await page.locator('#devices-table a[data-device="door-0001"]').click()
    granted = page.locator('#access-table tr[data-method="card"][data-result="granted"]')
    await expect(granted).to_have_count(1)
    await expect(granted).to_contain_text(f"resident {hub.resident('door-0001')}")
    await shots.take(page, "6-door")

    # An alarm, live, acknowledged from the alarms view.
    city.locker.tamper()
    await page.click('[data-nav="alarms"]')
    row = page.locator('#alarms-table tr[data-device-id="locker-0001"][data-type="tamper"]')
    await expect(row).to_have_attribute("data-state", "active")
    await expect(page.locator('#live-log li[data-type="alarm"]')).to_contain_text("locker-0001")
    await row.get_by_role("button", name=re.compile("^Acknowledge tamper")).click()
    await expect(row).to_have_attribute("data-state", "acknowledged")
    await shots.take(page, "7-alarms")

    # A report of this month, on the page and as CSV.
    day = CityClock("Asia/Shanghai").day_of(time.time_ns() // 1_000_000)
    month = f"{day.year:04d}-{day.month:02d}"
    await page.goto(f"{hub.url}/#/place/c0001")
    await page.click("#place-reports")
    await expect(page.locator("#report-place")).to_have_value("c0001")
    await page.select_option("#report", "sales")
    await page.fill("#month", month)
    await page.click("#report-form button[type=submit]")
    table = page.locator("#report-table")
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(table).to_contain_text("vending-0001")
    await expect(table).to_contain_text("CN¥11.00")
    async with page.expect_download() as waiting:
        await page.click("#report-csv")
    download = await waiting.value
    assert download.suggested_filename == f"sales-c0001-{month}-device.csv"
    saved = Path(await download.path())
    text = await asyncio.to_thread(saved.read_text, encoding="utf-8-sig")
    (csv_row,) = list(csv.DictReader(io.StringIO(text)))
    assert (csv_row["device_id"], csv_row["live_vends"], csv_row["community_name"]) == (
        "vending-0001",
        "3",
        COMMUNITY_NAME,
    )
    await shots.take(page, "8-reports")

    # Device search.
    await page.click('[data-nav="devices"]')
    await page.fill("#q", "locker")
    await page.click("#search-form button[type=submit]")
    await expect(page.locator("#results-table tbody tr")).to_have_count(2)
    await shots.take(page, "9-search")

    # An unknown device: a clear 404 in the view; then sign out.
    await page.evaluate("location.hash = '#/device/no-such-device'")
    await expect(page.locator("#detail-error")).to_contain_text("404")
    await expect(page.locator("#detail-error")).to_contain_text("no-such-device")
    await page.click("#sign-out")
    await expect(page.locator("#token-form")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('hub.operatorToken')") is None
    assert errors == []


async def test_the_page_speaks_chinese_when_the_browser_does(
    city: City, browser: Browser, screenshots: Path
) -> None:
    hub, shots, errors = city.hub, Shots(screenshots, "zh"), []
    page = await new_page(browser, "zh-CN", errors)
    await page.goto(f"{hub.url}/")
    await expect(page.locator("h1")).to_have_text("社区设备中心")
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"
    await sign_in(page, hub.operator_token("testcity"))
    await expect(page.locator("#place-h .level")).to_have_text("市")
    await expect(page.locator("#sales-today")).to_have_text("¥11.00")
    await expect(page.locator('[data-nav="reports"]')).to_have_text("报表")
    await shots.take(page, "1-city")
    await page.goto(f"{hub.url}/#/place/c0001")
    await expect(page.locator("#place-h")).to_contain_text(COMMUNITY_NAME)
    await expect(page.locator("#place-h .level")).to_have_text("社区")
    await shots.take(page, "2-community")
    await page.goto(f"{hub.url}/#/device/locker-0001")
    await expect(page.locator('#compartment-grid [data-number="3"] .state')).to_have_text("有件")
    await shots.take(page, "3-locker")
    await page.goto(f"{hub.url}/#/device/vending-0001")
    await expect(page.locator('#slots-table tr[data-slot="1"] .price')).to_have_text("¥3.50")
    await expect(page.locator("#cabinet-h")).to_have_text("柜体")
    await shots.take(page, "4-vending")
    await page.goto(f"{hub.url}/#/device/door-0001")
    await expect(page.locator('#access-table tr[data-result="granted"]')).to_contain_text("允许")
    await shots.take(page, "5-door")
    await page.goto(f"{hub.url}/#/reports")
    await expect(page.locator("#reports-h")).to_have_text("报表")
    await shots.take(page, "6-reports")

    # The switch: English at once, and remembered for the next visit.
    await page.select_option("#language", "en")
    await expect(page.locator("h1")).to_have_text("Community device hub")
    await expect(page.locator("#reports-h")).to_have_text("Reports")
    assert await page.evaluate("document.documentElement.lang") == "en"
    await page.reload()
    await expect(page.locator("h1")).to_have_text("Community device hub")
    assert errors == []


async def test_a_district_operator_cannot_see_another_district(
    city: City, browser: Browser, screenshots: Path
) -> None:
    hub, shots, errors = city.hub, Shots(screenshots, "south"), []
    page = await new_page(browser, "en-US", errors)
    await page.goto(f"{hub.url}/")
    await sign_in(page, hub.operator_token(SOUTH))
    await expect(page.locator("#place-h")).to_have_attribute("data-code", SOUTH)
    await expect(page.locator("#scope")).to_have_text("Testcity-South")
    await expect(page.locator("#children-table tbody tr")).to_have_count(1)
    await expect(page.locator(".trail li")).to_have_text(["Testcity-South"])  # not the city
    await shots.take(page, "1-own-district")
    await page.goto(f"{hub.url}/#/place/{NORTH}")
    await expect(page.locator(".view-body .notice")).to_contain_text("404")
    await expect(page.locator("#children-table")).to_have_count(0)
    await shots.take(page, "2-other-district")
    await page.goto(f"{hub.url}/#/device/locker-0001")
    await expect(page.locator("#detail-error")).to_contain_text("404")
    await expect(page.locator("#compartment-grid")).to_have_count(0)
    await page.click('[data-nav="alarms"]')
    city.locker.tamper()  # the north's alarm never reaches the south's page
    await page.goto(f"{hub.url}/#/devices")
    await page.fill("#q", "locker")
    await page.click("#search-form button[type=submit]")
    await expect(page.locator("#results-table tbody tr")).to_have_count(1)
    await expect(page.locator("#results-table")).to_contain_text("locker-0002")
    await shots.take(page, "3-search")
    assert errors == []
