"""``hub demo``: embedded broker, seeded SQLite registry, hub and the simulated city."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import subprocess
from typing import Any

from hub.cli._stopping import until_terminated
from hub.cli.serve import serve_api
from hub.config import load_settings
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.demo import (
    AMQTT_FLEET,
    DemoFleet,
    announce_when_online,
    device_count,
    seed_if_empty,
    start_simulators,
)
from hub.firmware.demo_images import store_demo_images
from hub.front.gil_handoff import hand_over_quickly
from hub.local_broker.launcher import local_broker
from hub.service import build_runtime, run_hub


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="run a simulated 2000-device city on embedded defaults"
    )
    parser.add_argument("--speed", type=float, default=10.0, help="simulated seconds per second")
    parser.add_argument("--faults", choices=("none", "light", "chaos"), default="light")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--amqtt",
        action="store_true",
        help="use the embedded amqtt broker even if mosquitto is installed",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(demo=True)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("hub").setLevel(settings.log_level)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    seed_if_empty(engine, settings.effective_secret_key, args.seed)
    store_demo_images(engine, settings.firmware_max_image_mb * 1024 * 1024)  # for campaigns
    expected = device_count(engine)
    engine.dispose()
    fleet = DemoFleet(speed=args.speed, faults=args.faults, seed=args.seed)
    with contextlib.ExitStack() as stack:
        broker_url = settings.mqtt_url
        shared = True
        broker_kind = "given by HUB_MQTT_URL"
        if broker_url is None:
            broker = stack.enter_context(local_broker(prefer_mosquitto=not args.amqtt))
            broker_url, broker_kind = broker.url, broker.kind
            shared = broker.supports_shared_subscriptions
            settings = settings.model_copy(update={"mqtt_protocol": broker.protocol})
            if broker.kind == "amqtt":
                fleet = AMQTT_FLEET
                print(
                    "mosquitto not installed: the embedded amqtt broker carries a smaller "
                    f"fleet ({fleet.lockers + fleet.vending + fleet.doors} devices)",
                    flush=True,
                )
        print(f"broker {broker_url} ({broker_kind}), store {settings.database_url}", flush=True)
        expected = min(expected, fleet.lockers + fleet.vending + fleet.doors)
        runtime = build_runtime(settings, broker_url, use_shared_subscriptions=shared)

        async def announce(rt: Any) -> None:
            # The hub first, then the fleet: its connect must not queue behind 2000 others.
            await rt.transport.wait_connected()
            sims = start_simulators(broker_url, settings.database_url, fleet)
            stack.callback(_stop, sims)
            await announce_when_online(rt, expected)

        with contextlib.suppress(KeyboardInterrupt):
            hub = run_hub(runtime, {"api": serve_api, "demo-announcer": announce})
            hand_over_quickly()
            asyncio.run(until_terminated(hub))
    return 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
