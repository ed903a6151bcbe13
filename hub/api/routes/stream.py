"""GET /api/v1/events/stream: the scope's live events as server-sent events.

Presence changes, unlocks, collections, parcels and alarms, as the hub publishes them on
its event bus, limited to devices within the caller's scope. A comment line goes out when
the stream opens and as a heartbeat whenever it has been quiet; if this client falls so
far behind that events were dropped for it, a ``dropped`` event says how many. The
subscription is closed when the client goes away.
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
    with context.runtime.live.subscribe() as subscription:
        yield ServerSentEvent(comment="connected", retry=3000)
        dropped = 0
        while True:
            try:
                event = await asyncio.wait_for(subscription.get(), heartbeat_s)
            except TimeoutError:
                yield ServerSentEvent(comment="heartbeat")
                continue
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
