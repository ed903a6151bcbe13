"""A real headless Chromium (Debian's ``chromium``) driven by Playwright, for the operator
page. Skips with its reason where the browser is missing, fails instead under
HUB_TEST_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]


def _missing(reason: str) -> None:
    if os.environ.get("HUB_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (HUB_TEST_REQUIRE_BROWSER=1, so this must run)")
    pytest.skip(reason)


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} missing: apt-get install -y chromium")
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Browser]:
    """A headless Chromium of the test's own."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


SCREENSHOTS_KEY = pytest.StashKey[Path]()
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """Where the page tests save a screenshot of each view for review (git ignores it):
    ``HUB_TEST_SCREENSHOTS``, else ``test-screenshots/`` in the checkout. Printed at the
    end of the run."""
    directory = Path(os.environ.get("HUB_TEST_SCREENSHOTS") or REPO / "test-screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    request.config.stash[SCREENSHOTS_KEY] = directory
    print(f"screenshots of the operator page: {directory}")
    return directory


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    directory = config.stash.get(SCREENSHOTS_KEY, None)
    if directory is not None:
        terminalreporter.write_line(f"screenshots of the operator page: {directory}")
