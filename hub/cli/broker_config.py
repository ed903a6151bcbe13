"""``hub broker-config``: Mosquitto password files, ACL file and configuration snippet
from the registry (see docs/broker-security.md)."""

from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath
from typing import Any

from sqlmodel import Session

from firmware_protocols.codecs import all_codecs
from hub.broker_security import (
    BrokerPolicy,
    HubAccount,
    Listener,
    TlsFiles,
    build_broker_config,
    hub_credentials,
    write_broker_config,
)
from hub.config import load_settings
from hub.registry.database import migrated_engine
from hub.registry.passwords import hash_password
from hub.registry.queries import load_devices

DEFAULTS = BrokerPolicy()


def _listener(text: str) -> Listener:
    """``PORT`` (every interface) or ``HOST:PORT``."""
    host, _, port = text.rpartition(":")
    if not port.isdecimal():
        raise argparse.ArgumentTypeError(f"{text!r}: expected PORT or HOST:PORT")
    try:
        return Listener(int(port), host.strip("[]") or None)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected PORT or HOST:PORT ({exc})") from None


def _optional_listener(text: str) -> Listener | None:
    """A listener, or ``none`` for no listener at all."""
    return None if text.lower() == "none" else _listener(text)


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
        type=_optional_listener,
        default=DEFAULTS.device_listener,
        metavar="[HOST:]PORT|none",
        help="where devices connect without TLS (default: 1883 on every interface; "
        "none: only over TLS)",
    )
    parser.add_argument(
        "--device-tls-listener",
        type=_listener,
        metavar="[HOST:]PORT",
        help="where devices connect over TLS, e.g. 8883 (needs --tls-certfile and --tls-keyfile)",
    )
    parser.add_argument(
        "--tls-certfile",
        metavar="PATH",
        help="the broker's certificate chain (PEM), as a path on the broker host",
    )
    parser.add_argument(
        "--tls-keyfile", metavar="PATH", help="its private key (PEM), on the broker host"
    )
    parser.add_argument(
        "--tls-client-ca",
        metavar="PATH",
        help="also require device client certificates signed by this CA (PEM)",
    )
    parser.add_argument(
        "--hub-tls",
        action="store_true",
        help="put the hub's listener on TLS too, with the same certificate",
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
        tls = None
        if args.tls_certfile or args.tls_keyfile or args.tls_client_ca:
            if not (args.tls_certfile and args.tls_keyfile):
                raise ValueError("--tls-certfile and --tls-keyfile go together")
            tls = TlsFiles(args.tls_certfile, args.tls_keyfile, args.tls_client_ca)
        policy = BrokerPolicy(
            device_listener=args.device_listener,
            hub_listener=args.hub_listener,
            device_tls_listener=args.device_tls_listener,
            tls=tls,
            hub_tls=args.hub_tls,
            max_inflight_messages=args.max_inflight,
            max_queued_messages=args.max_queued,
        )
    except ValueError as exc:
        args.parser.error(str(exc))
    install_dir = PurePosixPath(args.install_dir or args.out.resolve())
    settings = load_settings()
    credentials = hub_credentials(args.secrets, settings)
    hub = HubAccount(credentials.username, hash_password(credentials.password))
    with migrated_engine(settings) as engine, Session(engine) as session:
        config = build_broker_config(
            load_devices(session),
            hub,
            codecs=all_codecs(),
            sparkplug_host_id=settings.sparkplug_host_id,
            install_dir=install_dir,
            policy=policy,
        )
    paths = write_broker_config(config, args.out)
    left_out = f" ({len(config.disabled)} disabled left out)" if config.disabled else ""
    print(
        f"wrote {', '.join(p.name for p in paths)} to {args.out}: "
        f"{len(config.devices)} devices{left_out} and hub account {credentials.username!r} "
        f"(from {credentials.source})"
    )
    return 0
