"""The generated texts, from rows that stand in for registry devices. No broker, no DB."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import pytest

from firmware_protocols.codecs import all_codecs
from hub.broker_security import (
    BrokerConfig,
    BrokerConfigError,
    BrokerPolicy,
    HubAccount,
    Listener,
    TlsFiles,
    build_broker_config,
)
from hub.registry.passwords import hash_password

SALT = bytes(range(12))
HUB = HubAccount("hub", hash_password("hub-password", salt=SALT))
INSTALL = PurePosixPath("/etc/mosquitto/hub")


@dataclass(frozen=True)
class Row:
    id: str
    protocol: str
    firmware_version: str
    mqtt_password_hash: str
    enabled: bool = True


def row(device_id: str, protocol: str, firmware: str = "2", enabled: bool = True) -> Row:
    return Row(device_id, protocol, firmware, hash_password(device_id, salt=SALT), enabled)


def meaningful_lines(text: str) -> list[str]:
    """The lines of a generated text that say something: neither blank nor comments."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


ROWS = [
    row("vending-0001", "sparkplug_b", "2.4.0"),
    row("locker-0002", "lockerlink", "1.3"),
    row("door-0001", "osdp", "2.0.1"),
    row("locker-0001", "lockerlink", "2.1.0"),
    row("door-0002", "osdp", "1.9.0", enabled=False),
]


def build(rows: list[Row], **overrides: object) -> BrokerConfig:
    arguments: dict[str, object] = {
        "codecs": all_codecs(),
        "sparkplug_host_id": "hub",
        "install_dir": INSTALL,
    }
    arguments.update(overrides)
    hub = arguments.pop("hub", HUB)
    return build_broker_config(rows, hub, **arguments)  # type: ignore[arg-type]


def test_password_files_hold_enabled_devices_sorted_and_the_hub_alone() -> None:
    config = build(ROWS)
    lines = config.device_passwords.splitlines()
    assert [line.partition(":")[0] for line in lines] == [
        "door-0001",
        "locker-0001",
        "locker-0002",
        "vending-0001",
    ]
    by_id = {r.id: r.mqtt_password_hash for r in ROWS}
    assert all(line.partition(":")[2] == by_id[line.partition(":")[0]] for line in lines)
    assert config.hub_passwords == f"hub:{HUB.password_hash}\n"
    assert config.devices == ("door-0001", "locker-0001", "locker-0002", "vending-0001")
    assert config.disabled == ("door-0002",)
    assert "door-0002" not in config.device_passwords + config.acl


def test_acl_has_one_user_block_per_account_hub_first_and_no_patterns() -> None:
    acl = build(ROWS).acl
    lines = meaningful_lines(acl)
    assert lines[0] == "user hub"  # nothing before the first user: anonymous gets nothing
    users = [line.split()[1] for line in lines if line.startswith("user ")]
    assert users == ["hub", "door-0001", "locker-0001", "locker-0002", "vending-0001"]
    assert not any(line.startswith("pattern") for line in lines)
    assert all(line.startswith(("user ", "topic ")) for line in lines)
    block = acl.split("user locker-0002\n")[1].split("\n\n")[0].splitlines()
    assert block == [
        "topic write lockerlink/locker-0002/status",
        "topic write lockerlink/locker-0002/telemetry",
        "topic write lockerlink/locker-0002/event",
        "topic write lockerlink/locker-0002/reply",
        "topic read lockerlink/locker-0002/cmd",
    ]
    assert "topic readwrite spBv1.0/STATE/hub" in acl.split("\n\n")[2]


def test_the_conf_separates_devices_and_hub_listeners() -> None:
    policy = BrokerPolicy(Listener(8883), Listener(1884, "10.0.0.5"), max_inflight_messages=500)
    settings = meaningful_lines(build(ROWS, policy=policy).mosquitto_conf)
    assert settings[0] == "per_listener_settings true"
    devices = settings[settings.index("listener 8883") :][:6]
    assert devices == [
        "listener 8883",
        "allow_anonymous false",
        "use_username_as_clientid true",
        "max_qos 1",
        f"password_file {INSTALL}/devices.passwd",
        f"acl_file {INSTALL}/acl",
    ]
    hub = settings[settings.index("listener 1884 10.0.0.5") :]
    assert hub == [
        "listener 1884 10.0.0.5",
        "allow_anonymous false",
        f"password_file {INSTALL}/hub.passwd",
        f"acl_file {INSTALL}/acl",
    ]
    general = settings[1 : settings.index("listener 8883")]
    assert "persistence true" in general and "max_inflight_messages 500" in general
    assert "max_queued_messages 1000000" in general and "set_tcp_nodelay true" in general
    assert "message_size_limit 524288" in general  # Sparkplug B's 512 KiB, the largest


def test_tls_listeners_for_devices_and_hub() -> None:
    tls = TlsFiles("/etc/tls/broker.pem", "/etc/tls/broker.key", "/etc/tls/devices-ca.pem")
    policy = BrokerPolicy(
        device_listener=None,
        device_tls_listener=Listener(8883),
        hub_listener=Listener(8884, "10.0.0.5"),
        tls=tls,
        hub_tls=True,
    )
    settings = meaningful_lines(build(ROWS, policy=policy).mosquitto_conf)
    assert "listener 1883" not in settings
    devices = settings[settings.index("listener 8883") :][:11]
    assert devices == [
        "listener 8883",
        "certfile /etc/tls/broker.pem",
        "keyfile /etc/tls/broker.key",
        "tls_version tlsv1.2",
        "cafile /etc/tls/devices-ca.pem",
        "require_certificate true",
        "allow_anonymous false",
        "use_username_as_clientid true",
        "max_qos 1",
        f"password_file {INSTALL}/devices.passwd",
        f"acl_file {INSTALL}/acl",
    ]
    hub = settings[settings.index("listener 8884 10.0.0.5") :]
    assert hub[:4] == [
        "listener 8884 10.0.0.5",
        "certfile /etc/tls/broker.pem",
        "keyfile /etc/tls/broker.key",
        "tls_version tlsv1.2",
    ]
    assert "require_certificate true" not in hub  # client certificates are for devices


def test_tls_policy_checks() -> None:
    with pytest.raises(ValueError, match="certificate and key"):
        BrokerPolicy(device_tls_listener=Listener(8883))
    with pytest.raises(ValueError, match="certificate and key"):
        BrokerPolicy(hub_tls=True)
    with pytest.raises(ValueError, match="devices need a listener"):
        BrokerPolicy(device_listener=None)
    with pytest.raises(ValueError, match="different ports"):
        BrokerPolicy(device_tls_listener=Listener(1883), tls=TlsFiles("/a", "/b"))
    with pytest.raises(ValueError, match="absolute path"):
        TlsFiles("relative.pem", "/b")


def test_output_is_deterministic_and_ignores_row_order() -> None:
    assert build(ROWS) == build(list(reversed(ROWS)))


def test_every_problem_is_reported_at_once() -> None:
    bad = [
        row("locker-0001", "lockerlink"),
        row("locker-0001", "lockerlink"),
        Row("evil\nuser hub", "lockerlink", "2", hash_password("x")),
        replace(row("door-0001", "osdp"), mqtt_password_hash="plaintext"),
        row("door-0003", "osdp", "7.0"),
        row("hub", "lockerlink"),
    ]
    with pytest.raises(BrokerConfigError) as raised:
        build(bad)
    problems = raised.value.problems
    assert problems == (
        "device locker-0001 appears twice",
        "device id 'evil\\nuser hub' is not a registry device id",
        "device door-0001: MQTT password hash is not a Mosquitto $7$ hash",
        "device door-0003: no codec for protocol 'osdp' firmware '7.0'",
        "device hub has the hub account's name",
    )


def test_a_disabled_device_needs_no_valid_hash() -> None:
    disabled = replace(row("door-0009", "osdp"), mqtt_password_hash="", enabled=False)
    assert build([disabled]).disabled == ("door-0009",)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"hub": HubAccount("hub account", HUB.password_hash)}, "is not a plain name"),
        ({"hub": HubAccount("hub", "$6$abc")}, "hub's password hash"),
        ({"sparkplug_host_id": "a/b"}, "cannot be a topic level"),
        ({"install_dir": PurePosixPath("relative/dir")}, "must be absolute"),
        ({"install_dir": PurePosixPath("/with space")}, "must be absolute"),
    ],
)
def test_bad_hub_account_host_id_or_install_dir(overrides: dict[str, object], problem: str) -> None:
    with pytest.raises(BrokerConfigError, match=problem):
        build(ROWS, **overrides)


def test_policy_and_listener_checks() -> None:
    with pytest.raises(ValueError, match="different ports"):
        BrokerPolicy(Listener(1883), Listener(1883, "127.0.0.1"))
    with pytest.raises(ValueError, match="port"):
        Listener(0)
    with pytest.raises(ValueError, match="bind address"):
        Listener(1883, "0.0.0.0 1884")
    with pytest.raises(ValueError, match="max_inflight"):
        BrokerPolicy(max_inflight_messages=0)
