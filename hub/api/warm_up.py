"""Build the web application's lazy parts before the first real request.

FastAPI builds a route's dependency tree and parameter models (pydantic type adapters)
the first time a request is matched against it, and a request is matched against every
route before its own. So the first resident's unlock after a start paid for the whole
route table: 80 ms on an idle hub in ``hub bench --quick``, 93-176 ms in full runs (a
probe request made 130,000 Python calls where the next made 645), and the unlock right
behind it waited as long.

:func:`warm_up` sends the application one request for a path no route has, in-process
and before the server listens: it is matched against every route, which builds them
all, and answered 404 without reaching a handler, a database or a device.

:func:`open_unlock_path` does the same for the database side of an unlock on PostgreSQL:
the front's loop pool opens its first sessions (each new one costs 5-20 ms here) and the
audit trail reads where its chain ends, so the first audit row is one statement and not
a transaction of five round trips (24 ms measured for the first unlock of a bench run).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message

from hub.api.context import ApiContext

UNMATCHED_PATH = "/.warm-up/no-such-route"
OPEN_SESSIONS = 2  # an unlock's claim and check hold two at once (PostgreSQL)


async def warm_up(app: ASGIApp) -> int:
    """Send ``app`` a GET for a path that matches no route; returns the status it answered."""
    return await request_in_process(app, "GET", UNMATCHED_PATH)


async def open_unlock_path(context: ApiContext) -> None:
    """Open the loop pool's first sessions and find the audit chain's end (PostgreSQL;
    nothing to do on SQLite)."""
    await context.runtime.loop_calls.open(OPEN_SESSIONS)
    await run_in_threadpool(context.audit.find_end)


async def request_in_process(app: ASGIApp, method: str, path: str) -> int:
    """Call ``app`` with a bodiless request, as a server would; the status it answered
    (0 if it answered nothing)."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))

    await app(scope, receive, send)
    return statuses[0] if statuses else 0
