"""GET /api/v1/reports/{report}: a month of one place, as JSON or CSV.

- ``cold-chain``: minutes outside the cold-chain band per vending machine and day;
- ``sales``: live vends and DEX audit totals per machine, with their difference;
- ``parcels``: deposits, collections, dwell time and uncollected parcels per locker;
- ``door-incidents``: forced and held openings, denials, tamper per building.

``month`` (YYYY-MM, default the previous month) is the city's (``HUB_TIMEZONE``);
``place`` (default the caller's scope) must lie in the scope; ``group`` gathers rows by
device (or building), community or district.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import Response
from sqlmodel import Session

from firmware_protocols.clock import wall_ms
from hub.api.deps import ContextDep, OperatorDep
from hub.api.places.tree import Place, place_in_scope, scope_root
from hub.api.schemas.common import errors
from hub.api.schemas.places import PlaceRef
from hub.api.schemas.reports import GroupName, ReportName, ReportPublic
from hub.api.timeparams import unprocessable
from hub.city_clock import CityClock
from hub.registry.vocabulary import DeviceKind
from hub.reports.cold_chain import cold_chain
from hub.reports.doors import doors
from hub.reports.parcels import parcels
from hub.reports.sales import sales
from hub.reports.scope import report_devices
from hub.reports.table import Table, to_csv

router = APIRouter(prefix="/api/v1/reports", tags=["operators"])

KIND: dict[ReportName, DeviceKind] = {
    "cold-chain": "vending",
    "sales": "vending",
    "parcels": "locker",
    "door-incidents": "door",
}
DEFAULT_GROUP: dict[ReportName, GroupName] = {
    "cold-chain": "device",
    "sales": "device",
    "parcels": "device",
    "door-incidents": "building",
}
Month = Annotated[
    str | None, Query(max_length=7, description="YYYY-MM; default the previous month")
]


@router.get(
    "/{report}",
    response_model=ReportPublic,
    responses={
        **errors(401, 403, 404),
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "the report as JSON, or with format=csv as a CSV download",
        },
    },
)
def get_report(
    report: Annotated[ReportName, Path(description="which report")],
    operator: OperatorDep,
    context: ContextDep,
    month: Month = None,
    place: Annotated[
        str | None, Query(max_length=48, description="a place's code; default your scope")
    ] = None,
    group: GroupName | None = None,
    output: Annotated[
        str, Query(alias="format", pattern="^(json|csv)$", description="json or csv")
    ] = "json",
) -> Response:
    """One report of a place for a month, as JSON (columns and rows) or CSV download."""
    runtime = context.runtime
    clock = CityClock(runtime.settings.timezone)
    now = wall_ms()
    chosen = month or clock.previous_month(now)
    try:
        since, until = clock.month(chosen)
    except ValueError as exc:
        raise unprocessable("month", str(exc)) from None
    grouping = group or DEFAULT_GROUP[report]
    if grouping == "building" and report != "door-incidents":
        raise unprocessable("group", "building groups door units only: use device")
    with Session(runtime.engine) as session:
        node = (
            scope_root(session, operator.scope_path)
            if place is None
            else place_in_scope(session, place, operator.scope_path)
        )
        if node is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no place {place!r} in your scope")
        devices = report_devices(session, node.path, KIND[report])
    where = Place.of(node)
    engine, rules = runtime.engine, context.rules
    data: Table
    if report == "cold-chain":
        data = cold_chain(engine, devices, rules, clock, since, until, grouping)
    elif report == "sales":
        data = sales(engine, devices, since, until, grouping)
    elif report == "parcels":
        data = parcels(engine, devices, rules, since, until, now, grouping)
    else:
        data = doors(engine, devices, since, until, grouping)
    if output == "csv":
        name = f"{report}-{where.code}-{chosen}-{grouping}.csv"
        return Response(
            to_csv(data).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    body = ReportPublic(
        report=report,
        month=chosen,
        place=PlaceRef(code=where.code, name=where.name, level=where.level, path=where.path),
        group=grouping,
        timezone=clock.timezone,
        since_ms=since,
        until_ms=until,
        generated_ms=now,
        columns=data.columns,
        rows=data.rows,
    )
    return Response(body.model_dump_json(), media_type="application/json")
