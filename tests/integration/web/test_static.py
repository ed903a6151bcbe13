"""The page's files as served (no hub needed), and the page's server-sent event parser run
in Chromium on every way a stream can be cut into chunks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser

from hub.web import routes
from tests.support.ports import free_port
from tests.support.waiting import async_wait_until


def page_app() -> FastAPI:
    app = FastAPI()
    app.include_router(routes.router)
    return app


async def test_index_and_static_files() -> None:
    transport = httpx.ASGITransport(app=page_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        index = await client.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert index.headers["cache-control"] == "no-cache"
        assert '<script type="module" src="/static/js/app.js">' in index.text
        for path in ("/static/js/app.js", "/static/vendor/uPlot.iife.min.js"):
            script = await client.get(path)
            assert script.status_code == 200, path
            assert "javascript" in script.headers["content-type"], path
        assert (await client.get("/static/app.css")).headers["content-type"].startswith("text/css")
        assert (await client.get("/static/js/nothing.js")).status_code == 404
        schema = (await client.get("/openapi.json")).json()
        assert "/" not in schema["paths"]


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve(), name="page")
    try:
        await async_wait_until(lambda: server.started or task.done(), what="uvicorn")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


STREAM = (
    ": connected\r\nretry: 3000\r\n\r\n"
    'event: presence\r\ndata: {"online": true}\r\n\r\n'
    ": heartbeat\n\n"
    "data: first line\ndata:second line\n\n"
    "event: alarm\rdata: é ✓\r\r"
    "event: ignored-without-data\n\n"
    "data\n\n"
)
EXPECTED = [
    {"event": "presence", "data": '{"online": true}', "id": ""},
    {"event": "message", "data": "first line\nsecond line", "id": ""},
    {"event": "alarm", "data": "é ✓", "id": ""},
    {"event": "message", "data": "", "id": ""},
]

PARSE_EVERY_SPLIT = """async (stream) => {
  const { eventStreamParser } = await import("/static/js/stream.js");
  const runs = [];
  for (let cut = 0; cut <= stream.length; cut++) {
    const events = [];
    const retries = [];
    const feed = eventStreamParser((e) => events.push(e), (ms) => retries.push(ms));
    feed(stream.slice(0, cut));
    feed(stream.slice(cut));
    runs.push({ cut, events, retries });
  }
  return runs;
}"""


@pytest.mark.browser
async def test_event_stream_parser(browser: Browser) -> None:
    async with served(page_app()) as url:
        page = await browser.new_page()
        await page.goto(f"{url}/")
        runs: list[dict[str, Any]] = await page.evaluate(PARSE_EVERY_SPLIT, STREAM)
    assert len(runs) == len(STREAM) + 1
    for run in runs:
        assert run["events"] == EXPECTED, f"cut at {run['cut']}"
        assert run["retries"] == [3000], f"cut at {run['cut']}"
