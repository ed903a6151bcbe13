"""The texts of Mosquitto's password file, ACL file and configuration snippet.

Pure functions of already validated accounts: :mod:`hub.broker_security.build` checks
names and hashes before anything is rendered, so no line here can be forged by a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from hub.broker_security.limits import MESSAGE_SIZE_LIMIT
from hub.broker_security.rules import AclRule
from hub.broker_security.tls import TlsFiles

DEVICE_PASSWORD_FILE: Final = "devices.passwd"
HUB_PASSWORD_FILE: Final = "hub.passwd"
ACL_FILE: Final = "acl"
CONF_FILE: Final = "mosquitto.conf"
MIB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Account:
    """A broker account: its name, its ``$7$`` hash and what it may touch."""

    username: str
    password_hash: str
    rules: tuple[AclRule, ...]


@dataclass(frozen=True, slots=True)
class Listener:
    """Where Mosquitto listens. ``bind=None`` means every interface."""

    port: int
    bind: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65_535:
            raise ValueError("port must be 1..65535")
        if self.bind is not None and (not self.bind or any(c.isspace() for c in self.bind)):
            raise ValueError("bind address must be a host name or IP address")

    def line(self) -> str:
        return f"listener {self.port}" + (f" {self.bind}" if self.bind else "")


@dataclass(frozen=True, slots=True)
class BrokerPolicy:
    """Listeners, TLS and limits.

    Devices and the hub get separate listeners (``per_listener_settings``): on the
    devices' listeners the username replaces the client id, so a device can only ever
    hold its own session; the hub's listener keeps client ids, so every hub replica has
    its own persistent session, and only the hub account can log in there. Devices may
    have a plain listener (``device_listener``), a TLS one (``device_tls_listener``), or
    both; ``hub_tls`` puts the hub's listener on TLS too. Both use ``tls``.

    ``max_inflight_messages`` is the window of unacknowledged QoS 1 messages the broker
    keeps open towards an MQTT 3.1.1 client (an MQTT 5 client sets its own with Receive
    Maximum, which the hub does) and the Receive Maximum it grants publishers; the hub
    acknowledges a message once its batch is committed, so the window must span a few
    batches for ingest to run at full speed. ``max_queued_messages`` and
    ``max_queued_bytes`` bound what the broker holds per session while a client is away
    or behind; Mosquitto's default (1000 messages) would drop a hub replica's backlog
    within seconds of a restart. Mosquitto 2.0 applies all three, and
    ``message_size_limit``, to every client alike; ``device_max_qos`` is per listener.
    """

    device_listener: Listener | None = Listener(1883)
    hub_listener: Listener = Listener(1884, "127.0.0.1")
    device_tls_listener: Listener | None = None
    tls: TlsFiles | None = None
    hub_tls: bool = False
    max_inflight_messages: int = 10_000
    max_queued_messages: int = 1_000_000
    max_queued_bytes: int = 512 * MIB
    message_size_limit: int = MESSAGE_SIZE_LIMIT
    device_max_qos: int = 1
    persistent_client_expiration: str = "14d"

    def __post_init__(self) -> None:
        listeners = [self.device_listener, self.device_tls_listener, self.hub_listener]
        ports = [listener.port for listener in listeners if listener is not None]
        if len(set(ports)) != len(ports):
            raise ValueError("the devices' and the hub's listeners need different ports")
        if self.device_listener is None and self.device_tls_listener is None:
            raise ValueError("devices need a listener, plain or TLS")
        if (self.device_tls_listener is not None or self.hub_tls) and self.tls is None:
            raise ValueError("a TLS listener needs a certificate and key file")
        if not 1 <= self.max_inflight_messages <= 65_535:
            raise ValueError("max_inflight_messages must be 1..65535")
        if self.max_queued_messages < 1 or self.max_queued_bytes < 0:
            raise ValueError("queue limits must be positive")
        if not 1 <= self.message_size_limit <= 268_435_455:
            raise ValueError("message_size_limit must be 1..268435455 (MQTT's largest)")
        if self.device_max_qos not in (0, 1, 2):
            raise ValueError("device_max_qos must be 0, 1 or 2")


def password_file_text(accounts: Sequence[Account]) -> str:
    """``username:hash`` lines, sorted by username (Mosquitto's ``password_file``)."""
    lines = [f"{a.username}:{a.password_hash}" for a in sorted(accounts, key=_name)]
    return "".join(line + "\n" for line in lines)


def acl_file_text(hub: Account, devices: Sequence[Account]) -> str:
    """One ``user`` block per account, the hub's first, then devices sorted by id.

    There are no ``pattern`` lines: Mosquitto applies a pattern to every user, and each
    protocol's topics differ, so a pattern would open one protocol's topics to another
    kind of device. A user block costs nothing per message (Mosquitto looks up the
    connecting user's block once, at CONNECT). No rules precede the first ``user`` line,
    so an anonymous client (refused anyway) could touch nothing.
    """
    out = [
        "# Mosquitto acl_file written by `hub broker-config` from the device registry.",
        "# Regenerate it rather than editing it; reload Mosquitto (SIGHUP) to apply.",
        "",
        "# The hub: every device's uplinks, every device's commands, its Sparkplug STATE.",
    ]
    out += _block(hub)
    for device in sorted(devices, key=_name):
        out += _block(device)
    return "\n".join(out) + "\n"


def mosquitto_conf_text(
    policy: BrokerPolicy, install_dir: PurePosixPath, devices: int, hub_username: str
) -> str:
    """A configuration snippet naming the other files under ``install_dir``."""
    device_passwords = install_dir / DEVICE_PASSWORD_FILE
    hub_passwords = install_dir / HUB_PASSWORD_FILE
    acl = install_dir / ACL_FILE
    lines = [
        "# Mosquitto 2 configuration for the community device hub, written by",
        f"# `hub broker-config` from the registry: {devices} enabled devices and the hub",
        f"# account {hub_username!r}. Include it before any other listener or security",
        "# option (per_listener_settings must come first), e.g. as a file in",
        "# /etc/mosquitto/conf.d/. persistence_location, logging and the pid file stay",
        "# in the main configuration.",
        "",
        "per_listener_settings true",
        "",
        "# Sessions survive broker restarts; queues are sized for the hub's backlog.",
        "# Mosquitto 2.0 applies these limits to every client, per client.",
        "persistence true",
        f"persistent_client_expiration {policy.persistent_client_expiration}",
        f"max_inflight_messages {policy.max_inflight_messages}",
        f"max_queued_messages {policy.max_queued_messages}",
        f"max_queued_bytes {policy.max_queued_bytes}",
        "# No payload larger than the largest any device protocol allows.",
        f"message_size_limit {policy.message_size_limit}",
        "# Commands (door unlocks) are small packets: do not let Nagle hold them back.",
        "set_tcp_nodelay true",
    ]
    device_options = [
        "allow_anonymous false",
        "use_username_as_clientid true",
        f"max_qos {policy.device_max_qos}",
        f"password_file {device_passwords}",
        f"acl_file {acl}",
    ]
    comment = [
        "",
        "# Devices: each logs in as its device id, which also becomes its client id, so no",
        "# device can present another's client id and take over its session.",
    ]
    if policy.device_listener is not None:
        lines += [*comment, policy.device_listener.line(), *device_options]
    if policy.device_tls_listener is not None:
        assert policy.tls is not None
        lines += [
            *comment[:1],
            "# Devices over TLS: the same accounts and rules.",
            policy.device_tls_listener.line(),
            *policy.tls.lines(),
            *device_options,
        ]
    lines += [
        "",
        "# The hub and its replicas: only the hub account can log in here, and each",
        "# replica keeps its own client id (HUB_INSTANCE_ID) and persistent session.",
        policy.hub_listener.line(),
    ]
    if policy.hub_tls:
        assert policy.tls is not None
        lines += [*TlsFiles(policy.tls.certfile, policy.tls.keyfile).lines()]
    lines += [
        "allow_anonymous false",
        f"password_file {hub_passwords}",
        f"acl_file {acl}",
    ]
    return "\n".join(lines) + "\n"


def _block(account: Account) -> list[str]:
    return ["", f"user {account.username}", *(rule.line() for rule in account.rules)]


def _name(account: Account) -> str:
    return account.username
