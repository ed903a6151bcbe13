"""An ASGI app served by uvicorn on a loopback port for the length of a block, for tests
whose clients (simulated devices, a browser) need a real HTTP server.

    async with served_api(create_app(runtime), port) as client:
        await client.get("/readyz")
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn

from tests.support.waiting import async_wait_until


@contextlib.asynccontextmanager
async def served_api(app: Any, port: int) -> AsyncIterator[httpx.AsyncClient]:
    """Serve ``app`` on 127.0.0.1:``port``; a client with that base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name="api")
    try:
        await async_wait_until(lambda: server.started or task.done(), what="uvicorn")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await task
