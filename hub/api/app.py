"""Application factory: the API of one running hub.

Operators (bearer token scoped to a node of the hierarchy) see fleet health, devices,
history, commands, the audit trail and live events of their subtree; residents open
their doors and collect their parcels. Errors are ``{"detail": ...}``; OpenAPI is at
``/openapi.json`` and ``/docs``.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from hub import __version__
from hub.api.alarm_view import AlarmView
from hub.api.context import ApiContext
from hub.api.finite_json import FiniteJsonMiddleware
from hub.api.firmware_parts import FirmwareParts
from hub.api.limits import ApiLimits
from hub.api.routes import alarms as alarm_routes
from hub.api.routes import (
    audit,
    campaigns,
    commands,
    device_views,
    devices,
    dex,
    doors,
    firmware,
    fleet,
    history,
    maintenance_windows,
    me,
    parcels,
    places,
    registry_devices,
    reports,
    residents,
    service,
    stream,
)
from hub.api.validation_errors import validation_error
from hub.runtime import HubRuntime
from hub.web import routes as web

log = logging.getLogger(__name__)

TAGS = [
    {"name": "operators", "description": "Staff of a part of the city: needs an operator token."},
    {"name": "residents", "description": "A resident's app: needs a resident token."},
    {"name": "service", "description": "Health, readiness and metrics: no token."},
]


def api_routers() -> tuple[APIRouter, ...]:
    """Every router of the API, in the order the application matches them."""
    return (
        *(
            module.router
            for module in (
                service,
                fleet,
                places,
                devices,
                device_views,
                dex,
                registry_devices,
                residents,
                history,
                commands,
                audit,
                stream,
                me,
                doors,
                parcels,
                alarm_routes,
                reports,
                firmware,
                campaigns,
                maintenance_windows,
            )
        ),
        firmware.downloads,  # devices fetch images with a download token
        web.router,  # the operator page at /
    )


def create_app(
    runtime: HubRuntime, *, limits: ApiLimits | None = None, alarms: AlarmView | None = None
) -> FastAPI:
    app = FastAPI(
        title="Community device hub",
        version=__version__,
        description="Operators and residents reach the city's community devices through this API.",
        openapi_tags=TAGS,
    )
    app.state.runtime = runtime
    app.state.api = ApiContext.create(runtime, limits or ApiLimits(), alarms)
    app.state.firmware = FirmwareParts.create(runtime)
    for router in api_routers():
        app.include_router(router)
    app.add_middleware(FiniteJsonMiddleware)
    app.add_exception_handler(RequestValidationError, validation_error)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    return app
