"""Application factory: the API of one running hub."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub import __version__
from hub.runtime import HubRuntime
from hub.store.health import store_reachable


def create_app(runtime: HubRuntime) -> FastAPI:
    app = FastAPI(
        title="Community device hub",
        version=__version__,
        description="Operators and residents reach the city's community devices through this API.",
    )
    app.state.runtime = runtime

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["service"])
    async def readyz() -> JSONResponse:
        """Ready when connected to the broker and the store answers."""
        broker = runtime.transport.connected
        store = await store_reachable(runtime.engine)
        ready = broker and store
        return JSONResponse(
            {"ready": ready, "broker_connected": broker, "store_reachable": store},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", tags=["service"], response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics of this replica."""
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
