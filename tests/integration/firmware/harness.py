"""A hub with its API on the port its firmware base URL names (devices download firmware
from it), and operator tokens.

    settings = firmware_settings(settings_factory)
    async with firmware_hub(settings, broker_url) as hub:
        await hub.client.post(...)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session

from hub.api.app import create_app
from hub.config import Settings
from hub.registry.tokens import mint_operator_token
from hub.runtime import HubRuntime
from tests.support.hub_harness import running_hub
from tests.support.ports import free_port
from tests.support.served_api import served_api


@dataclass
class FirmwareHub:
    runtime: HubRuntime
    url: str
    client: httpx.AsyncClient

    def operator(self, scope: str) -> dict[str, str]:
        with Session(self.runtime.engine) as session:
            token = mint_operator_token(session, scope, "test", None)
        return {"Authorization": f"Bearer {token}"}


def firmware_settings(settings_factory: Callable[..., Settings], **overrides: object) -> Settings:
    """Settings whose firmware base URL is on a free loopback port, for ``firmware_hub``."""
    return settings_factory(firmware_base_url=f"http://127.0.0.1:{free_port()}", **overrides)


@contextlib.asynccontextmanager
async def firmware_hub(
    settings: Settings, broker_url: str, *, shared: bool = True
) -> AsyncIterator[FirmwareHub]:
    """A running hub serving its API where ``settings.firmware_base_url`` points."""
    port = urlsplit(settings.firmware_base_url).port
    assert port is not None, "firmware_settings gives the firmware base URL a port"
    async with (
        running_hub(settings, broker_url, shared=shared) as runtime,
        served_api(create_app(runtime), port) as client,
    ):
        yield FirmwareHub(runtime, f"http://127.0.0.1:{port}", client)
