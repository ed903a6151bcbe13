"""Running a firmware campaign from the operator page, in a real headless Chromium against
a real hub, broker and simulated lockers: choose the image, preview, confirm, watch it
complete by community, and pause and resume a second one; the view speaks Chinese too."""

from __future__ import annotations

import random
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.integration.firmware.harness import firmware_settings
from tests.integration.firmware.steps import campaign_stage
from tests.support.broker import PrivateMosquitto

pytestmark = [pytest.mark.broker, pytest.mark.browser]
IMAGE = random.Random(8).randbytes(8_000)


async def sign_in(page: Page, token: str) -> None:
    await page.fill("#token-input", token)
    await page.click("#token-form button[type=submit]")


async def start(page: Page, name: str, *, image: str | None = None, soak: str = "0") -> None:
    view = page.locator("#view")
    if image is not None:
        await view.locator("#campaign-image").select_option(label=image)
    await view.locator("input[name=name]").fill(name)
    await view.locator("input[name=canary]").fill("10")
    await view.locator("input[name=wave_size]").fill("6")
    await view.locator("input[name=soak]").fill(soak)
    await view.locator("#campaign-start").click()
    await expect(page.locator("#confirm-text")).to_contain_text("Update 12 devices")
    await page.click("#confirm-ok")


async def test_a_campaign_runs_from_the_page(
    settings_factory: Any, private_mosquitto: PrivateMosquitto, browser: Browser
) -> None:
    settings = firmware_settings(settings_factory)
    async with campaign_stage(settings, private_mosquitto.url, lockers=12, communities=3) as stage:
        hub, fleet, sims, city = stage.hub, stage.fleet, stage.sims, stage.city
        lockers = fleet.of_kind("locker")
        await city.upload(IMAGE, "locker", "2.0.0")
        page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        await page.goto(f"{hub.url}/")
        await sign_in(page, city.headers["Authorization"].removeprefix("Bearer "))
        await page.click('#nav a[data-nav="campaigns"]')
        view = page.locator("#view")
        await expect(view.locator("#campaigns-empty")).to_be_visible()
        await expect(view.locator("#campaign-image option")).to_contain_text(
            "Kerong locker 2.0.0 (KL-24C)"
        )
        await view.locator("input[name=name]").fill("from the page")
        await view.locator("input[name=canary]").fill("10")
        await view.locator("input[name=wave_size]").fill("6")
        await view.locator("#campaign-preview").click()
        await expect(view.locator("#campaign-note")).to_have_text(
            "12 devices (Lockers) to 2.0.0: 2 + 6 + 4"
        )
        await start(page, "from the page")
        await expect(view.locator("#campaign-state")).to_have_text("completed", timeout=90_000)
        await expect(view.locator("#campaign-updated")).to_contain_text("12 of 12 (100%)")
        await expect(view.locator("#campaign-places tbody tr")).to_have_count(4)  # and "All"
        for code in fleet.communities:
            row = view.locator(f'#campaign-places tr[data-place="{code}"]')
            await expect(row.locator(".updated-count")).to_have_text("4")
        assert all(sims[d].firmware_version == "2.0.0" for d in lockers)

        # A second campaign back to 1.9.0, paused and resumed from the page.
        await city.upload(IMAGE[::-1], "locker", "1.9.0")
        await page.click("#view a[href='#/campaigns']")
        await expect(view.locator("#campaigns-table tbody tr")).to_have_count(1)
        await expect(view.locator("#campaign-image option")).to_have_count(2)
        await start(page, "back again", image="Kerong locker 1.9.0 (KL-24C)", soak="2")
        await expect(view.locator("#campaign-h")).to_contain_text("back again")
        await view.locator("button[data-action=pause]").click()
        await expect(view.locator("#campaign-state")).to_have_text("paused")
        await view.locator("button[data-action=resume]").click()
        await expect(view.locator("#campaign-state")).to_have_text("completed", timeout=90_000)

        # The same view in Simplified Chinese.
        await page.select_option("#language", "zh-CN")
        await expect(view.locator("#campaign-state")).to_have_text("已完成")
        await page.click('#nav a[data-nav="campaigns"]')
        await expect(page.locator('#nav a[data-nav="campaigns"]')).to_have_text("固件")
        await expect(view.locator("#campaigns-h")).to_have_text("固件升级任务")
        assert page_errors == []
        await page.close()  # its live stream would keep uvicorn from shutting down
