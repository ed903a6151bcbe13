"""The ``device-sims`` command.

``device-sims run``   the fleet with its daily patterns and faults, until --duration or ^C.
``device-sims bench`` connect the fleet, publish a burst of telemetry from every device as
                      fast as possible, print how many messages the broker took (JSON with
                      --json, for ``hub bench`` to compare with what the hub stored).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import resource
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from device_sims.device import SimOptions
from device_sims.faults import PROFILE_NAMES, profile
from device_sims.fleet import Fleet
from device_sims.inventory import (
    Inventory,
    InventoryError,
    load_registry,
    load_secrets,
    synthetic_inventory,
)
from device_sims.limits import raise_open_files
from device_sims.link import LinkError

DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"
SYNTHETIC_COUNTS = {"lockers": 500, "vending": 500, "doors": 1000}
log = logging.getLogger("device_sims")


def _fleet_arguments(parser: argparse.ArgumentParser) -> None:
    for kind, default in SYNTHETIC_COUNTS.items():
        parser.add_argument(
            f"--{kind}",
            type=int,
            help=f"how many {kind} (default: all in the registry, or {default} synthetic)",
        )
    parser.add_argument(
        "--mqtt-url",
        default=os.environ.get("HUB_MQTT_URL") or DEFAULT_MQTT_URL,
        help="broker, mqtt://host:port (default $HUB_MQTT_URL or %(default)s)",
    )
    parser.add_argument(
        "--secrets", type=Path, help="JSON written by `hub seed`: device credentials, residents"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("HUB_DATABASE_URL"),
        help="registry to read the devices from (default $HUB_DATABASE_URL); "
        "without one, a synthetic fleet",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (reproducible runs)")
    parser.add_argument("--keepalive", type=int, default=30, help="MQTT keepalive, seconds")
    parser.add_argument("--ramp", type=float, default=1000.0, help="device connects per second")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="device-sims", description="Simulated device fleet.")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the fleet with daily patterns and faults")
    _fleet_arguments(run)
    run.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    run.add_argument("--faults", choices=PROFILE_NAMES, default="none")
    run.add_argument("--duration", type=float, help="stop after this many seconds")
    run.add_argument("--start-hour", type=float, help="simulated hour to start at (0-24)")
    run.add_argument("--stats-every", type=float, default=10.0, help="status line period, s")
    run.add_argument(
        "--primary-host",
        help="Sparkplug host id (e.g. hub): vending machines birth only while its STATE is online",
    )
    run.set_defaults(handler=_run)

    bench = commands.add_parser("bench", help="publish a telemetry burst as fast as possible")
    _fleet_arguments(bench)
    bench.add_argument("--messages", type=int, default=100, help="messages per device (100)")
    bench.add_argument("--qos", type=int, choices=(0, 1), default=0)
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(handler=_bench)
    return parser


def load_inventory(args: argparse.Namespace) -> Inventory:
    """Devices from the registry if a database URL is given, else synthetic; credentials
    and residents from the secrets file if given."""
    if args.database_url:
        inventory = load_registry(args.database_url)
    else:
        counts = [
            d if getattr(args, k) is None else getattr(args, k) for k, d in SYNTHETIC_COUNTS.items()
        ]
        inventory = synthetic_inventory(*counts, seed=args.seed)
    if args.secrets is not None:
        inventory = inventory.with_secrets(load_secrets(args.secrets))
    return inventory.select(args.lockers, args.vending, args.doors)


def _prepare(args: argparse.Namespace, options: SimOptions) -> Fleet:
    inventory = load_inventory(args)
    limit = raise_open_files(len(inventory.devices))
    print(limit.advice(), file=sys.stderr)
    if not limit.enough:
        raise InventoryError(limit.advice())
    return Fleet(args.mqtt_url, inventory, options=options, ramp_per_s=args.ramp)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _run_fleet(args: argparse.Namespace) -> int:
    options = SimOptions(
        speed=args.speed,
        faults=profile(args.faults),
        seed=args.seed,
        keepalive_s=args.keepalive,
        start_hour=args.start_hour,
        primary_host=args.primary_host,
    )
    fleet = _prepare(args, options)
    # 2000 devices' objects live as long as the run: frozen, a full garbage collection
    # no longer walks them and stops every device for a tenth of a second.
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    await fleet.start(wait_online=False)
    try:
        await fleet.wait_online(timeout_s=120, ever=True)
        print(f"all {len(fleet)} devices connected in {time.monotonic() - started:.1f} s")
        # Their connections (2000 clients, sockets, tasks) came after the freeze above:
        # frozen too, or a full collection walks them (83-115 ms measured) while every
        # device waits.
        gc.freeze()
    except TimeoutError as exc:
        print(f"warning: {exc}", file=sys.stderr)
    deadline = None if args.duration is None else started + args.duration
    cpu, wall = _cpu_s(), time.monotonic()
    while not stop.is_set():
        timeout = args.stats_every
        if deadline is not None:
            timeout = min(timeout, max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):  # wait_for could lose a cancellation
                await stop.wait()
        now_cpu, now = _cpu_s(), time.monotonic()
        busy = 100 * (now_cpu - cpu) / max(1e-9, now - wall)
        cpu, wall = now_cpu, now
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        line = f"{fleet.stats().line()} cpu {busy:.1f}% peak rss {peak_mb:.0f} MB"
        print(f"[{now - started:7.1f} s] {line}", flush=True)
        if deadline is not None and now >= deadline:
            break
    await fleet.stop()
    return 0


async def _bench_fleet(args: argparse.Namespace) -> int:
    fleet = _prepare(args, SimOptions(seed=args.seed, keepalive_s=args.keepalive, behaviour=False))
    started = time.monotonic()
    await fleet.start(timeout_s=120)
    connect_s = time.monotonic() - started
    result = await fleet.burst(args.messages, args.qos)
    await fleet.stop()
    report = {
        "devices": result.devices,
        "messages_per_device": args.messages,
        "qos": args.qos,
        "attempted": result.attempted,
        "published": result.published,
        "seconds": round(result.seconds, 3),
        "rate_per_s": round(result.rate, 1),
        "connect_seconds": round(connect_s, 3),
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(
            f"{result.devices} devices published {result.published}/{result.attempted} "
            f"QoS {args.qos} messages in {result.seconds:.2f} s ({result.rate:.0f}/s); "
            f"connected in {connect_s:.2f} s"
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    return asyncio.run(_run_fleet(args))


def _bench(args: argparse.Namespace) -> int:
    return asyncio.run(_bench_fleet(args))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        result: int = args.handler(args)
    except (InventoryError, LinkError, ValueError, TimeoutError) as exc:
        print(f"device-sims: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
