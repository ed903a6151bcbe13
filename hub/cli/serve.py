"""``hub serve``: ingest, commands and the API in one process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from typing import Any

import uvicorn

from hub.api.app import create_app
from hub.api.warm_up import open_unlock_path, warm_up
from hub.cli._stopping import until_terminated
from hub.config import Settings, load_settings
from hub.front.gil_handoff import hand_over_quickly
from hub.local_broker.launcher import embedded_broker
from hub.long_lived import freeze_startup_objects
from hub.runtime import HubRuntime
from hub.service import build_runtime, run_hub

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve", help="run the hub: MQTT ingest, commands, API, /metrics"
    )
    parser.set_defaults(handler=run)


async def serve_api(runtime: HubRuntime) -> None:
    settings = runtime.settings
    app = create_app(runtime)
    await warm_up(app)  # the route table is built now, not during a resident's first unlock
    await open_unlock_path(app.state.api)  # and on PostgreSQL, the first sessions
    freeze_startup_objects()  # then the runtime, the app and its routes leave the GC's walks
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_level="warning",
        lifespan="off",
    )
    await uvicorn.Server(config).serve()


async def serve(settings: Settings, broker_url: str | None, shared: bool) -> None:
    runtime = build_runtime(settings, broker_url, use_shared_subscriptions=shared)
    log.info(
        "hub %s: %d devices, API on http://%s:%d",
        settings.instance_id,
        len(runtime.directory),
        settings.api_host,
        settings.api_port,
    )
    hand_over_quickly()
    await run_hub(runtime, {"api": serve_api})


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    logging.getLogger().setLevel(settings.log_level)
    with contextlib.ExitStack() as stack:
        broker_url = settings.mqtt_url
        shared = True
        if broker_url is None:
            broker_url = stack.enter_context(embedded_broker())
            shared = False  # amqtt has no shared subscriptions; one replica
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(until_terminated(serve(settings, broker_url, shared)))
    return 0
