"""The generated configuration on a real Mosquitto, with real paho clients: each device
is confined to its own topics and session, the hub reads and commands every device.

Negative checks are synchronised, never slept on: a forged message is followed by a
control message that must arrive, from the same publisher to the same subscriber (the
broker keeps their order) or after the forger's PUBACK (the broker has routed or dropped
the forgery by then), so once the control arrives, anything forged would have too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from paho.mqtt.reasoncodes import ReasonCode

from firmware_protocols.codecs import all_codecs
from hub.registry.passwords import verify_password
from tests.integration.broker_security.conftest import (
    STATE_TOPIC,
    Clients,
    FleetDevice,
    Secured,
)
from tests.integration.broker_security.probes import Probe, Received, connect
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import wait_until

pytestmark = pytest.mark.broker

KINDS = ("locker", "vending", "door")
NOT_AUTHORIZED = 0x87
HUB_FILTERS = tuple(s.topic_filter for s in all_codecs().subscriptions())


def _pair(
    secured: Secured, attacker_kind: str, victim_kind: str
) -> tuple[FleetDevice, FleetDevice]:
    attacker = secured.of_kind(attacker_kind)[0]
    victim = next(d for d in secured.of_kind(victim_kind) if d.id != attacker.id)
    return attacker, victim


def _granted(codes: list[ReasonCode]) -> bool:
    return bool(codes) and not any(code.is_failure for code in codes)


def _denied(code: ReasonCode) -> bool:
    return code.value == NOT_AUTHORIZED


def _passes(sender: Probe, receiver: Probe, topic: str, payload: bytes) -> Received:
    """``sender`` publishes, the broker accepts it, and ``receiver`` gets it; the message."""
    assert not sender.publish(topic, payload).is_failure, topic
    receiver.wait_for(topic, payload)
    return Received(topic, payload)


def _listening_hub(clients: Clients, client_id: str) -> Probe:
    hub = clients.hub(client_id)
    assert not hub.refused, hub.connack
    assert _granted(hub.subscribe(HUB_FILTERS))
    return hub


def _device(clients: Clients, device: FleetDevice) -> Probe:
    probe = clients.device(device)
    assert not probe.refused, f"{device.id}: {probe.connack}"
    assert _granted(probe.subscribe(list(device.topics.subscribe)))
    return probe


@dataclass
class Standoff:
    """An attacking device and its victim, each connected and subscribed to its own
    topics, and a hub listening to every device."""

    attacker: FleetDevice
    victim: FleetDevice
    hub: Probe
    attacker_probe: Probe
    victim_probe: Probe


@pytest.fixture(params=KINDS)
def attacker_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture(params=KINDS)
def victim_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def standoff(
    secured: Secured,
    clients: Clients,
    attacker_kind: str,
    victim_kind: str,
    request: pytest.FixtureRequest,
) -> Standoff:
    """Every pair of kinds: a test using it runs once for each."""
    attacker, victim = _pair(secured, attacker_kind, victim_kind)
    purpose = request.node.originalname.removeprefix("test_")
    hub = _listening_hub(clients, f"hub-{purpose}-{attacker_kind}-{victim_kind}")
    victim_probe = _device(clients, victim)
    attacker_probe = _device(clients, attacker)
    return Standoff(attacker, victim, hub, attacker_probe, victim_probe)


def test_every_device_uses_its_own_topics_and_the_hub_reads_and_commands_them_all(
    secured: Secured, clients: Clients
) -> None:
    hub = _listening_hub(clients, "hub-own-topics")
    replica = clients.hub("hub-own-topics-replica")
    assert _granted(replica.subscribe([f"$share/hub/{f}" for f in HUB_FILTERS]))
    probes = {device.id: _device(clients, device) for device in secured.devices.values()}

    uplinks = []
    for device in secured.devices.values():
        for topic in device.uplinks():
            payload = f"uplink from {device.id}".encode()
            assert not probes[device.id].publish(topic, payload).is_failure, topic
            uplinks.append(Received(topic, payload))
    for listener in (hub, replica):
        received = listener.wait_for_count(len(uplinks))
        assert sorted(received, key=repr) == sorted(uplinks, key=repr)

    expected: dict[str, list[Received]] = {device_id: [] for device_id in probes}
    for device in secured.devices.values():
        for topic in device.commands():
            payload = f"command for {device.id}".encode()
            assert not hub.publish(topic, payload).is_failure, topic
            expected[device.id].append(Received(topic, payload))
    state = b'{"online":true,"timestamp":1}'
    assert not hub.publish(STATE_TOPIC, state).is_failure
    for device in secured.of_kind("vending"):
        expected[device.id].append(Received(STATE_TOPIC, state))
    for device_id, probe in probes.items():
        received = probe.wait_for_count(len(expected[device_id]))
        assert sorted(received, key=repr) == sorted(expected[device_id], key=repr)
    assert len(uplinks) == sum(len(d.topics.publish) for d in secured.devices.values()) > 0
    assert sum(map(len, expected.values())) > len(secured.devices)


def test_a_device_cannot_publish_into_another_devices_topics(standoff: Standoff) -> None:
    attacker, victim, hub = standoff.attacker, standoff.victim, standoff.hub
    attacker_probe, victim_probe = standoff.attacker_probe, standoff.victim_probe
    forged = [*victim.uplinks(), *victim.commands(), STATE_TOPIC]
    codes = {topic: attacker_probe.publish(topic, b"forged") for topic in forged}
    assert all(_denied(code) for code in codes.values()), codes

    control = _passes(attacker_probe, hub, attacker.uplinks()[0], b"control")
    assert hub.received() == [control]
    command = _passes(hub, victim_probe, victim.commands()[0], b"control")
    assert victim_probe.received() == [command]


def test_a_device_cannot_read_another_devices_topics(standoff: Standoff) -> None:
    attacker, victim, hub = standoff.attacker, standoff.victim, standoff.hub
    attacker_probe, victim_probe = standoff.attacker_probe, standoff.victim_probe
    snooping = [
        *victim.topics.subscribe,
        *victim.topics.publish,
        "#",
        "+/+/+",
        "$share/snoop/#",
        f"$share/snoop/{victim.topics.publish[0]}",
    ]
    # Mosquitto 2.0 may grant these subscriptions: its ACL is enforced on each delivery.
    attacker_probe.subscribe(snooping)

    for topic in victim.uplinks():
        _passes(victim_probe, hub, topic, b"private")
    for topic in victim.commands():
        _passes(hub, victim_probe, topic, b"private")
    control = _passes(hub, attacker_probe, attacker.commands()[0], b"control")
    assert {m.topic for m in attacker_probe.received()} == {control.topic}
    assert b"private" not in {m.payload for m in attacker_probe.received()}


@pytest.mark.parametrize("mqtt5", [True, False], ids=["mqtt5", "mqtt311"])
def test_wrong_unknown_anonymous_and_disabled_logins_are_refused(
    secured: Secured, clients: Clients, mqtt5: bool
) -> None:
    locker, other = secured.of_kind("locker")[:2]
    hub_user, hub_password = secured.hub_username, secured.hub_password
    device_port, hub_port = secured.device_port, secured.hub_port
    attempts = {
        "wrong password": (device_port, locker.id, locker.password + "x"),
        "another device's password": (device_port, locker.id, other.password),
        "unknown device": (device_port, "locker-9999", locker.password),
        "anonymous": (device_port, None, None),
        "disabled device": (device_port, secured.disabled.id, secured.disabled.password),
        "hub account on the devices' listener": (device_port, hub_user, hub_password),
        "device on the hub's listener": (hub_port, locker.id, locker.password),
        "anonymous on the hub's listener": (hub_port, None, None),
        "hub with a wrong password": (hub_port, hub_user, hub_password + "x"),
    }
    outcomes = {
        what: clients.raw(port, user, password, f"refused-{n}", mqtt5=mqtt5).connack
        for n, (what, (port, user, password)) in enumerate(attempts.items())
    }
    assert all(code is not None and code.is_failure for code in outcomes.values()), outcomes
    # The same accounts with their own passwords do get in: the refusals were about those.
    assert not clients.device(locker, mqtt5=mqtt5).refused
    assert not clients.raw(hub_port, hub_user, hub_password, "hub-login", mqtt5=mqtt5).refused


@pytest.mark.parametrize("mqtt5", [True, False], ids=["mqtt5", "mqtt311"])
def test_a_device_cannot_take_over_another_devices_session(
    secured: Secured, clients: Clients, attacker_kind: str, mqtt5: bool
) -> None:
    attacker, victim = _pair(secured, attacker_kind, "locker")
    hub = _listening_hub(clients, f"hub-takeover-{attacker_kind}-{mqtt5}")
    victim_probe = _device(clients, victim)

    intruder = clients.device(attacker, client_id=victim.id, mqtt5=mqtt5, clean=False)
    assert not intruder.refused  # let in, but under its own name and client id
    intruder.subscribe([*victim.topics.subscribe, *attacker.topics.subscribe])

    command = victim.commands()[0]
    assert not hub.publish(command, b"for the victim").is_failure
    delivered = Received(command, b"for the victim")
    wait_until(lambda: victim_probe.disconnects or delivered in victim_probe.received())
    assert victim_probe.disconnects == []
    own = _passes(hub, intruder, attacker.commands()[0], b"control")
    assert intruder.received() == [own]

    _passes(victim_probe, hub, victim.uplinks()[0], b"still here")
    assert victim_probe.disconnects == []
    assert victim_probe.client.is_connected()


def test_the_hub_cannot_forge_uplinks_or_another_hosts_state(
    secured: Secured, clients: Clients
) -> None:
    hub = _listening_hub(clients, "hub-limits")
    forged = [topic for d in secured.devices.values() for topic in d.uplinks()]
    forged.append(STATE_TOPIC.rsplit("/", 1)[0] + "/another-host")
    codes = {topic: hub.publish(topic, b"forged") for topic in forged}
    assert all(_denied(code) for code in codes.values()), codes
    assert not hub.publish(STATE_TOPIC, b'{"online":true,"timestamp":2}').is_failure
    assert hub.received() == []  # nothing forged reached the hub's own subscriptions


def test_without_username_as_client_id_the_same_attempt_would_take_the_session_over(
    secured: Secured, tmp_path: Path
) -> None:
    """The control for the test above: the same passwords and the same attempt on a broker
    that keeps client ids as presented, where the intruder does disconnect the victim."""
    passwords = secured.out_dir / "devices.passwd"
    config = f"password_file {passwords}"
    attacker, victim = _pair(secured, "door", "locker")
    with PrivateMosquitto(
        workdir=tmp_path / "plain", anonymous=False, extra_config=config
    ) as plain:
        victim_probe = connect(plain.port, victim.id, victim.password)
        intruder = connect(plain.port, attacker.id, attacker.password, client_id=victim.id)
        try:
            assert not victim_probe.refused and not intruder.refused
            wait_until(lambda: victim_probe.disconnects, what="the victim to be thrown out")
            assert victim_probe.disconnects[0].is_failure  # "Session taken over"
        finally:
            intruder.close()
            victim_probe.close()


def test_passwords_hashed_by_our_code_log_in_to_mosquitto(
    secured: Secured, clients: Clients
) -> None:
    """Every line of the generated password files is a ``$7$`` hash computed by
    ``hub.registry.passwords`` (devices at registration, the hub by the generator), and
    Mosquitto accepts each one's password."""
    device_lines = (secured.out_dir / "devices.passwd").read_text().splitlines()
    hub_lines = (secured.out_dir / "hub.passwd").read_text().splitlines()
    assert len(device_lines) == len(secured.devices) and len(hub_lines) == 1
    logged_in = 0
    for line in device_lines:
        user, _, encoded = line.partition(":")
        device = secured.devices[user]
        assert verify_password(device.password, encoded)
        logged_in += not clients.device(device).refused
    user, _, encoded = hub_lines[0].partition(":")
    assert user == secured.hub_username and verify_password(secured.hub_password, encoded)
    logged_in += not clients.hub("hub-password-check").refused
    assert logged_in == len(secured.devices) + 1
