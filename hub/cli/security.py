"""``hub security audit``: pass or fail, with evidence, for each security check of the
registry, the broker files and a running broker; exit 1 if any check fails, ``--json`` for
CI (docs/broker-security.md, "Auditing")."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from firmware_protocols.codecs import all_codecs
from hub.broker_security import hub_credentials
from hub.config import Settings, load_settings
from hub.db.engine import make_engine
from hub.errors import HubError
from hub.security.audit import AuditOptions, BrokerAccess, run_audit


class AuditUsageError(HubError):
    """The audit was asked for something it cannot do."""


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "security", help="security checks of the registry, broker files and broker"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    audit = actions.add_parser(
        "audit",
        help="pass/fail with evidence for each check; exit 1 on any failure",
        description="Check the registry (device credentials, accounts of disabled devices, "
        "old operator tokens), the files of `hub broker-config` (--broker-config) and, with "
        "--device-url and two audit devices, a running broker: anonymous and wrong "
        "passwords refused, a device cannot read or forge another's topics, join the "
        "hub's share group, read everything or publish the hub's STATE. The hub's "
        "listener and account are HUB_MQTT_URL, HUB_MQTT_USERNAME/PASSWORD (or --secrets).",
    )
    audit.add_argument(
        "--device-url", metavar="URL", help="the devices' listener, mqtt:// or mqtts://"
    )
    audit.add_argument(
        "--device-tls-ca", metavar="FILE", help="CA to trust on the devices' TLS listener"
    )
    audit.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="ID[=PASSWORD]",
        help="an audit device (twice): registered for the purpose, never installed "
        "hardware (logging in as a device takes its session over); the password comes "
        "from --secrets if not given",
    )
    audit.add_argument(
        "--secrets", type=Path, metavar="FILE", help="secrets file as `hub seed` writes it"
    )
    audit.add_argument(
        "--broker-config", type=Path, metavar="DIR", help="the files `hub broker-config` wrote"
    )
    audit.add_argument("--max-token-age-days", type=int, default=90, metavar="N", help="default 90")
    audit.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="per broker answer (10)"
    )
    audit.add_argument("--json", action="store_true", help="JSON on stdout, for CI")
    audit.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.max_token_age_days < 1 or args.timeout <= 0:
        raise AuditUsageError("--max-token-age-days must be 1 or more, --timeout positive")
    settings = load_settings()
    options = AuditOptions(
        broker=_broker_access(args, settings),
        broker_config=args.broker_config,
        max_token_age=timedelta(days=args.max_token_age_days),
        timeout_s=args.timeout,
        skip_reason="no --device-url given",
    )
    engine = make_engine(settings.database_url)
    try:
        result = run_audit(settings, engine, all_codecs(), options)
    finally:
        engine.dispose()
    print(result.to_json() if args.json else result.to_text())
    return result.exit_code


def _broker_access(args: argparse.Namespace, settings: Settings) -> BrokerAccess | None:
    if args.device_url is None:
        return None
    if settings.mqtt_url is None:
        raise AuditUsageError("set HUB_MQTT_URL to the hub's listener for the live checks")
    known = _secret_devices(args.secrets)
    devices = []
    for given in args.device:
        device_id, has_password, password = given.partition("=")
        if not has_password:
            if device_id not in known:
                raise AuditUsageError(f"no password for audit device {device_id!r}")
            password = known[device_id]
        devices.append((device_id, password))
    hub = hub_credentials(args.secrets, settings)
    return BrokerAccess(
        device_url=args.device_url,
        device_ca_file=args.device_tls_ca,
        devices=tuple(devices),
        hub_url=settings.mqtt_url,
        hub_ca_file=settings.mqtt_tls_ca_file,
        hub_username=hub.username,
        hub_password=hub.password,
    )


def _secret_devices(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditUsageError(f"cannot read secrets file {path}: {exc}") from exc
    devices = document.get("devices") if isinstance(document, dict) else None
    if not isinstance(devices, dict):
        return {}
    return {
        device_id: entry["password"]
        for device_id, entry in devices.items()
        if isinstance(entry, dict) and isinstance(entry.get("password"), str)
    }
