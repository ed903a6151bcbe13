"""GET /api/v1/events/stream: the scope's live events as server-sent events.

Presence changes, unlocks, collections, parcels and alarms, as the hub publishes them on
its event bus, limited to devices within the caller's scope. A comment line goes out when
the stream opens and as a heartbeat whenever it has been quiet; if this client falls so
far behind that events were dropped for it, a ``dropped`` event says how many. The
subscription is closed when the client goes away, and the stream ends with a ``revoked``
event within about a second of its token being revoked, expiring or being deleted
(:mod:`hub.api.token_watch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from hub.api.deps import ContextDep, OperatorDep
from hub.api.schemas.common import errors
from hub.live import LiveEvent
from hub.registry.queries import in_scope

router = APIRouter(prefix="/api/v1/events", tags=["operators"])


def _visible(event: LiveEvent, scope_path: str, types: set[str] | None) -> bool:
    if event.path is None or not in_scope(scope_path, event.path):
        return False
    return types is None or event.type in types


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses=errors(401, 403),
)
async def event_stream(
    operator: OperatorDep,
    context: ContextDep,
    type: Annotated[
        list[str] | None, Query(max_length=20, description="only these event types")
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Live events of the caller's scope (``text/event-stream``)."""
    types = set(type) if type else None
    heartbeat_s = context.limits.sse_heartbeat_s
    with (
        context.runtime.live.subscribe() as subscription,
        context.tokens.watch(operator.token_id) as ended,
    ):
        yield ServerSentEvent(comment="connected", retry=3000)
        dropped = 0
        token_ended = asyncio.ensure_future(ended.wait())
        next_event: asyncio.Future[LiveEvent] | None = None
        try:
            while True:
                if next_event is None:
                    next_event = asyncio.ensure_future(subscription.get())
                done, _ = await asyncio.wait(
                    (next_event, token_ended),
                    timeout=heartbeat_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if token_ended in done:
                    yield ServerSentEvent(
                        event="revoked", data={"detail": "the token is revoked or expired"}
                    )
                    return
                if next_event not in done:
                    yield ServerSentEvent(comment="heartbeat")
                    continue
                event, next_event = next_event.result(), None
                if subscription.dropped != dropped:
                    yield ServerSentEvent(
                        event="dropped", data={"dropped": subscription.dropped - dropped}
                    )
                    dropped = subscription.dropped
                if _visible(event, operator.scope_path, types):
                    yield ServerSentEvent(
                        event=event.type,
                        data={
                            "type": event.type,
                            "device_id": event.device_id,
                            "path": event.path,
                            "ts_ms": event.ts_ms,
                            "data": event.data,
                        },
                    )
        finally:
            token_ended.cancel()
            if next_event is not None:
                next_event.cancel()
