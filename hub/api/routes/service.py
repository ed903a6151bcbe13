"""Liveness, readiness and Prometheus metrics (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from hub.api.deps import RuntimeDep
from hub.ipc.metrics import merged_registry
from hub.store.health import store_reachable

router = APIRouter(tags=["service"])


class HealthPublic(BaseModel):
    status: str


class ReadinessPublic(BaseModel):
    ready: bool
    broker_connected: bool
    store_reachable: bool


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
    body = ReadinessPublic(ready=ready, broker_connected=broker, store_reachable=store)
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
