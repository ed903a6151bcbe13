"""Is the store reachable? (for /readyz)"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError


def _ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


async def store_reachable(engine: Engine, timeout_s: float = 2.0) -> bool:
    try:
        return await asyncio.wait_for(asyncio.to_thread(_ping, engine), timeout_s)
    except TimeoutError:
        return False
