"""``hub broker-config``: Mosquitto password files, ACL file and configuration snippet
from the registry (see docs/broker-security.md)."""

from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath
from typing import Any

from sqlmodel import Session

from firmware_protocols.registry import default_registry
from hub.broker_security import (
    BrokerPolicy,
    HubAccount,
    Listener,
    build_broker_config,
    hub_credentials,
    write_broker_config,
)
from hub.config import load_settings
from hub.registry.database import open_migrated
from hub.registry.passwords import hash_password
from hub.registry.queries import load_devices

DEFAULTS = BrokerPolicy()


def _listener(text: str) -> Listener:
    """``PORT`` (every interface) or ``HOST:PORT``."""
    host, _, port = text.rpartition(":")
    try:
        return Listener(int(port), host.strip("[]") or None)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected PORT or HOST:PORT ({exc})") from None


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "broker-config",
        help="write Mosquitto password, ACL and config files from the registry",
        description="Write devices.passwd, hub.passwd, acl and mosquitto.conf into DIR: "
        "each enabled device may publish and subscribe only under its own topics, the hub "
        "account reads every device's uplinks and writes their commands and its Sparkplug "
        "STATE, anonymous clients are refused. Reload Mosquitto (SIGHUP) after a rerun.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help="secrets file with the hub account (default: HUB_MQTT_USERNAME/PASSWORD)",
    )
    parser.add_argument(
        "--install-dir",
        metavar="PATH",
        help="where the files will live on the broker host, as named in mosquitto.conf "
        "(default: DIR, absolute)",
    )
    parser.add_argument(
        "--device-listener",
        type=_listener,
        default=DEFAULTS.device_listener,
        metavar="[HOST:]PORT",
        help="where devices connect (default: 1883 on every interface)",
    )
    parser.add_argument(
        "--hub-listener",
        type=_listener,
        default=DEFAULTS.hub_listener,
        metavar="[HOST:]PORT",
        help="where hub replicas connect, on a private address (default: 127.0.0.1:1884)",
    )
    parser.add_argument(
        "--max-inflight",
        type=_count,
        default=DEFAULTS.max_inflight_messages,
        help=f"max_inflight_messages (default {DEFAULTS.max_inflight_messages})",
    )
    parser.add_argument(
        "--max-queued",
        type=_count,
        default=DEFAULTS.max_queued_messages,
        help=f"max_queued_messages per session (default {DEFAULTS.max_queued_messages})",
    )
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    try:
        policy = BrokerPolicy(
            device_listener=args.device_listener,
            hub_listener=args.hub_listener,
            max_inflight_messages=args.max_inflight,
            max_queued_messages=args.max_queued,
        )
    except ValueError as exc:
        args.parser.error(str(exc))
    install_dir = PurePosixPath(args.install_dir or args.out.resolve())
    settings = load_settings()
    credentials = hub_credentials(args.secrets, settings)
    hub = HubAccount(credentials.username, hash_password(credentials.password))
    engine = open_migrated(settings)
    try:
        with Session(engine) as session:
            config = build_broker_config(
                load_devices(session),
                hub,
                definitions=default_registry(),
                sparkplug_host_id=settings.sparkplug_host_id,
                install_dir=install_dir,
                policy=policy,
            )
    finally:
        engine.dispose()
    paths = write_broker_config(config, args.out)
    left_out = f" ({len(config.disabled)} disabled left out)" if config.disabled else ""
    print(
        f"wrote {', '.join(p.name for p in paths)} to {args.out}: "
        f"{len(config.devices)} devices{left_out} and hub account {credentials.username!r} "
        f"(from {credentials.source})"
    )
    return 0
