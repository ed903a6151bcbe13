"""``hub bench``: the hub's performance figures in one run (see :mod:`hub.bench`)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "bench",
        help="measure ingest, unlock latency, presence storm and memory against SPEC targets",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument(
        "--quick", action="store_true", help="a small fleet and burst (under a minute)"
    )
    parser.add_argument(
        "--database-url",
        help="an empty database to use instead of a fresh SQLite file "
        "(e.g. postgresql://postgres@127.0.0.1:5432/bench, created beforehand)",
    )
    parser.add_argument(
        "--amqtt", action="store_true", help="use the embedded amqtt broker even with mosquitto"
    )
    parser.add_argument(
        "--communities", type=int, help="fleet size: communities to seed (500 full, 10 quick)"
    )
    parser.add_argument("--burst", type=int, help="ingest burst: messages per device (50)")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="py-spy the hub during the ingest drain and write a summary here",
    )
    parser.add_argument(
        "--hub-setting",
        action="append",
        default=[],
        metavar="HUB_NAME=VALUE",
        help="a setting for the hub under test (repeatable), e.g. HUB_INGEST_BATCH_SIZE=1000,"
        " to compare settings run against run; the bench's own wiring (broker, database,"
        " secret) cannot be overridden",
    )
    parser.set_defaults(handler=run)


def hub_settings(given: list[str]) -> dict[str, str]:
    """``HUB_NAME=VALUE`` pairs as a mapping; ValueError names the first that is not one."""
    settings = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.startswith("HUB_") or not name[4:]:
            raise ValueError(f"--hub-setting wants HUB_NAME=VALUE, got {item!r}")
        settings[name] = value
    return settings


def run(args: argparse.Namespace) -> int:
    # Imported here: `hub <anything>` should not pay for the bench's imports.
    from hub.bench.children import BenchError
    from hub.bench.plan import FULL, QUICK
    from hub.bench.runner import BenchOptions, run_bench

    logging.getLogger().setLevel(logging.WARNING)
    try:
        settings = hub_settings(args.hub_setting)
    except ValueError as exc:
        print(f"hub bench: {exc}", file=sys.stderr)
        return 2
    plan = QUICK if args.quick else FULL
    if args.communities is not None:
        plan = replace(plan, size=replace(plan.size, communities=args.communities))
    if args.burst is not None:
        plan = replace(plan, burst_messages=args.burst)
    options = BenchOptions(
        plan=plan,
        database_url=args.database_url,
        prefer_mosquitto=not args.amqtt,
        profile_to=args.profile,
        hub_settings=settings,
    )
    try:
        started = time.monotonic()
        report = run_bench(
            options,
            say=lambda line: print(f"[{time.monotonic() - started:6.1f} s] {line}", flush=True),
        )
    except BenchError as exc:
        print(f"hub bench: {exc}", file=sys.stderr)
        return 1
    print()
    print(report.table())
    if args.json is not None:
        report.write_json(args.json)
        print(f"\nfigures written to {args.json}")
    return 0
