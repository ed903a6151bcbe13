"""Audit checks of the registry: device credentials, broker accounts of disabled devices,
operator tokens left valid for too long."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, or_, select

from hub.broker_security.build import is_mosquitto_hash
from hub.broker_security.texts import DEVICE_PASSWORD_FILE
from hub.registry.models import ApiToken, Device
from hub.registry.timestamps import utc_now
from hub.security.audit_model import CheckResult

LISTED = 10  # ids named in the evidence; the rest are counted


def _some(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def devices_have_credentials(session: Session) -> CheckResult:
    check, title = "enabled-devices-have-credentials", "every enabled device has a password"
    devices = session.exec(select(Device).where(col(Device.enabled))).all()
    missing = sorted(d.id for d in devices if not is_mosquitto_hash(d.mqtt_password_hash))
    if missing:
        evidence = f"{len(missing)} enabled devices have no usable MQTT password hash: "
        return CheckResult.failed(check, title, evidence + _some(missing))
    return CheckResult.passed(check, title, f"{len(devices)} enabled devices, each with a hash")


def disabled_devices_have_no_broker_account(
    session: Session, broker_config: Path | None
) -> CheckResult:
    check = "disabled-devices-have-no-broker-account"
    title = "no disabled or unknown device has a broker account"
    if broker_config is None:
        return CheckResult.skipped(check, title, "no --broker-config DIR to read accounts from")
    passwords = broker_config / DEVICE_PASSWORD_FILE
    try:
        lines = passwords.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return CheckResult.failed(check, title, f"cannot read {passwords}: {exc.strerror}")
    accounts = {line.partition(":")[0] for line in lines if line.strip()}
    enabled = dict(session.exec(select(Device.id, Device.enabled)).all())
    disabled = sorted(a for a in accounts if enabled.get(a) is False)
    unknown = sorted(a for a in accounts if a not in enabled)
    problems = []
    if disabled:
        problems.append(f"disabled devices with an account: {_some(disabled)}")
    if unknown:
        problems.append(f"accounts of devices not in the registry: {_some(unknown)}")
    if problems:
        fix = "rerun `hub broker-config` and reload the broker"
        return CheckResult.failed(check, title, f"{passwords}: {'; '.join(problems)} ({fix})")
    return CheckResult.passed(
        check, title, f"{passwords}: {len(accounts)} accounts, all of enabled registry devices"
    )


def operator_tokens_are_recent(
    session: Session, max_age: timedelta, now: datetime | None = None
) -> CheckResult:
    days = max_age.days
    check = "operator-tokens-not-too-old"
    title = f"no valid operator token is older than {days} days"
    moment = now or utc_now()
    statement = select(ApiToken).where(
        col(ApiToken.role) == "operator",
        col(ApiToken.revoked_at).is_(None),
        or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > moment),
    )
    valid = session.exec(statement).all()
    old = sorted((t for t in valid if t.created_at <= moment - max_age), key=lambda t: t.created_at)
    if old:
        named = [f"{t.id} {t.label!r} ({(moment - t.created_at).days} days)" for t in old]
        evidence = f"{len(old)} of {len(valid)} valid operator tokens are older: {_some(named)}"
        return CheckResult.failed(check, title, evidence + " (`hub token revoke ID`)")
    return CheckResult.passed(check, title, f"{len(valid)} valid operator tokens, none older")
