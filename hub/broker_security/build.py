"""Registry rows and the hub account in, the four broker files' texts out. Pure.

Every value that reaches a file is checked first: account names must be registry device
ids (or, for the hub, a plain name), hashes must be Mosquitto ``$7$`` strings, and each
device's (protocol, firmware version) must resolve to a codec definition. All problems
are collected and raised together as one :class:`BrokerConfigError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final, Protocol

from firmware_protocols.base import CodecError
from firmware_protocols.codecs import Codecs, UnknownDefinition
from firmware_protocols.sparkplug_b.topics import host_state_topic
from hub.broker_security.errors import BrokerConfigError
from hub.broker_security.rules import device_rules, hub_rules
from hub.broker_security.texts import (
    Account,
    BrokerPolicy,
    acl_file_text,
    mosquitto_conf_text,
    password_file_text,
)
from hub.registry.vocabulary import is_device_id

_HASH: Final = re.compile(r"\$7\$[1-9][0-9]{0,8}\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}")
_HUB_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def is_mosquitto_hash(text: str) -> bool:
    """True for a ``$7$`` (PBKDF2-SHA512) hash as Mosquitto's password file takes it."""
    return _HASH.fullmatch(text) is not None


class DeviceRow(Protocol):
    """What the generator reads of a registry device (``hub.registry.models.Device``)."""

    @property
    def id(self) -> str: ...
    @property
    def protocol(self) -> str: ...
    @property
    def firmware_version(self) -> str: ...
    @property
    def mqtt_password_hash(self) -> str: ...
    @property
    def enabled(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class HubAccount:
    """The hub's broker account. Only the hash reaches the files."""

    username: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    """The generated files' texts, and what went into them."""

    device_passwords: str
    hub_passwords: str
    acl: str
    mosquitto_conf: str
    devices: tuple[str, ...]  # enabled devices given an account, sorted
    disabled: tuple[str, ...]  # devices left out because they are disabled, sorted


def build_broker_config(
    rows: Iterable[DeviceRow],
    hub: HubAccount,
    *,
    codecs: Codecs,
    sparkplug_host_id: str,
    install_dir: PurePosixPath,
    policy: BrokerPolicy | None = None,
) -> BrokerConfig:
    """The broker files for ``rows``; disabled devices get no account at all.

    ``install_dir`` is where the files will live on the broker's host (the snippet names
    them by absolute path). Raises BrokerConfigError listing every problem found.
    """
    policy = policy or BrokerPolicy()
    problems: list[str] = []
    if not install_dir.is_absolute() or any(c.isspace() for c in str(install_dir)):
        problems.append(f"install directory {str(install_dir)!r} must be absolute, no spaces")
    if not _HUB_NAME.fullmatch(hub.username):
        problems.append(f"hub username {hub.username!r} is not a plain name")
    if not _HASH.fullmatch(hub.password_hash):
        problems.append("the hub's password hash is not a Mosquitto $7$ hash")
    try:
        state_topic = host_state_topic(sparkplug_host_id)
    except CodecError:
        problems.append(f"Sparkplug host id {sparkplug_host_id!r} cannot be a topic level")
        state_topic = ""
    hub_acl = hub_rules(codecs.definitions, state_topic) if state_topic else ()

    accounts: dict[str, Account] = {}
    disabled: list[str] = []
    seen: set[str] = set()
    for row in rows:
        problem = _check_device(row, hub.username, seen)
        seen.add(row.id)
        if problem is not None:
            problems.append(problem)
            continue
        if not row.enabled:
            disabled.append(row.id)
            continue
        try:
            definition = codecs.resolve(row.protocol, row.firmware_version)
        except UnknownDefinition as exc:
            problems.append(f"device {row.id}: {exc}")
            continue
        topics = definition.device_topics(row.id)
        accounts[row.id] = Account(row.id, row.mqtt_password_hash, device_rules(topics))
    if problems:
        raise BrokerConfigError(problems)

    hub_account = Account(hub.username, hub.password_hash, hub_acl)
    devices = list(accounts.values())
    return BrokerConfig(
        device_passwords=password_file_text(devices),
        hub_passwords=password_file_text([hub_account]),
        acl=acl_file_text(hub_account, devices),
        mosquitto_conf=mosquitto_conf_text(policy, install_dir, len(devices), hub.username),
        devices=tuple(sorted(accounts)),
        disabled=tuple(sorted(disabled)),
    )


def _check_device(row: DeviceRow, hub_username: str, seen: set[str]) -> str | None:
    if not is_device_id(row.id):
        return f"device id {row.id!r} is not a registry device id"
    if row.id == hub_username:
        return f"device {row.id} has the hub account's name"
    if row.id in seen:
        return f"device {row.id} appears twice"
    if row.enabled and not _HASH.fullmatch(row.mqtt_password_hash):
        return f"device {row.id}: MQTT password hash is not a Mosquitto $7$ hash"
    return None
