"""GET /: the operator page; /static/...: its stylesheet, scripts and chart library.

The page is plain HTML, CSS and JavaScript modules under ``hub/web/static`` with no
build step; its one third-party file is the vendored chart library (see
``static/vendor/README.md``). It holds no data of its own: it calls the operator API
with the bearer token the operator enters, so these routes need no token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
# The page's files change with the hub's version: revalidate rather than guess a lifetime.
NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


@router.get("/")
async def index() -> FileResponse:
    """The operator page."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=NO_CACHE)
