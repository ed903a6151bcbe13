"""``hub security audit``: every check, from the registry, the broker files and a running
broker, gathered into one report (see docs/broker-security.md, "Auditing")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from firmware_protocols.codecs import Codecs
from firmware_protocols.sparkplug_b.topics import host_state_topic
from hub.config import Settings
from hub.registry.models import Device
from hub.security.audit_model import AuditReport, CheckResult, report
from hub.security.broker_checks import BROKER_CHECKS, AuditDevice, BrokerTarget, run_broker_checks
from hub.security.broker_probe import Endpoint, reachable
from hub.security.config_checks import acl_has_no_catch_all_read, config_refuses_anonymous
from hub.security.registry_checks import (
    devices_have_credentials,
    disabled_devices_have_no_broker_account,
    operator_tokens_are_recent,
)


@dataclass(frozen=True, slots=True)
class BrokerAccess:
    """How the audit reaches a running broker: the devices' listener, two registered
    devices with their passwords, and the hub's account (its listener is HUB_MQTT_URL)."""

    device_url: str
    device_ca_file: str | None
    devices: tuple[tuple[str, str], ...]  # (device id, password)
    hub_url: str
    hub_ca_file: str | None
    hub_username: str
    hub_password: str


@dataclass(frozen=True, slots=True)
class AuditOptions:
    broker: BrokerAccess | None  # None: the live checks are skipped
    broker_config: Path | None  # the files of `hub broker-config`, if on this host
    max_token_age: timedelta = timedelta(days=90)
    timeout_s: float = 10.0
    skip_reason: str = "no broker to test"


def run_audit(
    settings: Settings, engine: Engine, codecs: Codecs, options: AuditOptions
) -> AuditReport:
    with Session(engine) as session:
        results = [
            devices_have_credentials(session),
            disabled_devices_have_no_broker_account(session, options.broker_config),
            operator_tokens_are_recent(session, options.max_token_age),
        ]
        target_or_problem = _target(session, settings, codecs, options) if options.broker else None
    if options.broker_config is not None:
        results += [
            config_refuses_anonymous(options.broker_config),
            acl_has_no_catch_all_read(options.broker_config),
        ]
    else:
        why = "no --broker-config DIR"
        results += [
            CheckResult.skipped("config-refuses-anonymous", "mosquitto.conf", why),
            CheckResult.skipped("acl-has-no-catch-all-read", "acl", why),
        ]
    if isinstance(target_or_problem, BrokerTarget):
        results += run_broker_checks(target_or_problem)
    else:
        why = target_or_problem or options.skip_reason
        outcome = CheckResult.failed if target_or_problem else CheckResult.skipped
        results += [outcome(check, "live broker check", why) for check, _ in BROKER_CHECKS]
    return report(results)


def _target(
    session: Session, settings: Settings, codecs: Codecs, options: AuditOptions
) -> BrokerTarget | str:
    """What the live checks need, or why they cannot run."""
    access = options.broker
    assert access is not None
    if len(access.devices) != 2 or access.devices[0][0] == access.devices[1][0]:
        return "the live checks need two different audit devices (--device ID[=PASSWORD])"
    devices = []
    for device_id, password in access.devices:
        row = session.get(Device, device_id)
        if row is None or not row.enabled:
            return f"audit device {device_id!r} is not an enabled registry device"
        definition = codecs.resolve(row.protocol, row.firmware_version)
        devices.append(AuditDevice(device_id, password, definition.device_topics(device_id)))
    device_endpoint = Endpoint.from_url(access.device_url, access.device_ca_file)
    hub_endpoint = Endpoint.from_url(access.hub_url, access.hub_ca_file)
    for endpoint in (device_endpoint, hub_endpoint):
        problem = reachable(endpoint, options.timeout_s)
        if problem is not None:
            return problem
    shared = tuple(s.topic_filter for s in codecs.subscriptions() if s.shared)
    return BrokerTarget(
        devices=device_endpoint,
        hub=hub_endpoint,
        hub_username=access.hub_username,
        hub_password=access.hub_password,
        attacker=devices[0],
        victim=devices[1],
        share_group=settings.share_group,
        shared_filters=shared,
        state_topic=host_state_topic(settings.sparkplug_host_id),
        timeout_s=options.timeout_s,
    )
