"""Liveness, readiness and Prometheus metrics (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from hub.api.deps import RuntimeDep
from hub.ipc.metrics import merged_registry
from hub.store.health import store_reachable

router = APIRouter(tags=["service"])


class HealthPublic(BaseModel):
    status: str


class WorkerPublic(BaseModel):
    index: int
    pid: int | None = Field(description="its process id (the front's for a worker inside it)")
    connected: bool
    committed_messages: int
    last_commit_ms: int | None = Field(description="when it last committed a batch")
    buffered: int = Field(description="messages received and not yet decoded")
    reading_paused: bool = Field(description="its buffer is full: the broker holds the rest")


class ReadinessPublic(BaseModel):
    ready: bool
    broker_connected: bool
    store_reachable: bool
    workers: list[WorkerPublic] = Field(
        default_factory=list, description="each ingest worker as of its last report (1 s)"
    )


@router.get("/healthz")
async def healthz() -> HealthPublic:
    """The process is alive."""
    return HealthPublic(status="ok")


@router.get(
    "/readyz",
    response_model=ReadinessPublic,
    responses={503: {"model": ReadinessPublic, "description": "Not ready"}},
)
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Ready when the command lane and every ingest worker are connected to the broker
    and the store answers."""
    broker = runtime.ready
    store = await store_reachable(runtime.engine)
    ready = broker and store
    workers = [
        WorkerPublic(
            index=slot.index,
            pid=slot.stats.pid if slot.stats is not None else None,
            connected=slot.stats is not None and slot.stats.connected,
            committed_messages=slot.stats.committed_messages if slot.stats is not None else 0,
            last_commit_ms=slot.stats.last_commit_ms if slot.stats is not None else None,
            buffered=slot.stats.buffered if slot.stats is not None else 0,
            reading_paused=slot.stats is not None and slot.stats.reading_paused,
        )
        for slot in runtime.workers.slots
    ]
    body = ReadinessPublic(
        ready=ready, broker_connected=broker, store_reachable=store, workers=workers
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics of this replica: the front's and its ingest workers', merged."""
    registry = merged_registry(runtime.metrics.registry, runtime.workers.samples())
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
