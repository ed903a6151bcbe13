"""A tiny seeded registry, its generated broker files, and a private Mosquitto running
exactly that configuration (devices' and hub's listeners on free loopback ports)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from firmware_protocols.base import DeviceTopics
from firmware_protocols.codecs import all_codecs
from firmware_protocols.sparkplug_b.topics import host_state_topic
from hub.broker_security import (
    BrokerConfig,
    BrokerPolicy,
    HubAccount,
    Listener,
    build_broker_config,
    write_broker_config,
)
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.registry.models import Device, Node
from hub.registry.passwords import generate_password, hash_password
from hub.registry.queries import load_devices
from tests.integration.broker_security.probes import Probe, connect
from tests.support.broker import PrivateMosquitto, mosquitto_available
from tests.support.ports import free_port

HOST_ID = "hub"
STATE_TOPIC = host_state_topic(HOST_ID)
SPARKPLUG_DEVICE = "vmc"  # the device id under a vending edge node, as the firmware uses


def concrete(topic: str) -> str:
    """A topic a client can publish to, from an ACL-style one (``+`` filled in)."""
    return topic.replace("STATE/+", f"STATE/{HOST_ID}").replace("+", SPARKPLUG_DEVICE)


@dataclass(frozen=True)
class FleetDevice:
    id: str
    kind: str
    password: str
    topics: DeviceTopics

    def uplinks(self) -> list[str]:
        return [concrete(t) for t in self.topics.publish]

    def commands(self) -> list[str]:
        """What the hub sends this device: its subscriptions that name it."""
        return [concrete(t) for t in self.topics.subscribe if self.id in t.split("/")]


@dataclass
class SecuredMosquitto(PrivateMosquitto):
    """A private broker whose whole configuration is the generated snippet plus where to
    keep its files; run as the current user so it can read the 0600 password files."""

    conf_file: Path | None = None

    def config_text(self) -> str:
        assert self.conf_file is not None
        return self.conf_file.read_text() + "\n".join(
            [
                f"persistence_location {self.workdir}/",
                f"user {getpass.getuser()}",
                "log_dest stderr",
                "log_type error",
                "log_type warning",
                "",
            ]
        )


@dataclass
class Secured:
    """The running broker and everything a test needs to talk to it."""

    broker: SecuredMosquitto
    policy: BrokerPolicy
    engine: Engine
    out_dir: Path
    secrets: dict[str, Any]
    config: BrokerConfig
    devices: dict[str, FleetDevice]  # enabled ones
    disabled: FleetDevice

    @property
    def device_port(self) -> int:
        return self.policy.device_listener.port

    @property
    def hub_port(self) -> int:
        return self.policy.hub_listener.port

    @property
    def hub_username(self) -> str:
        return str(self.secrets["hub"]["username"])

    @property
    def hub_password(self) -> str:
        return str(self.secrets["hub"]["password"])

    def of_kind(self, kind: str) -> list[FleetDevice]:
        return [d for d in self.devices.values() if d.kind == kind]


def generate(
    engine: Engine, secrets: dict[str, Any], out_dir: Path, policy: BrokerPolicy
) -> BrokerConfig:
    """What ``hub broker-config`` does, with the hub password hashed by our own code."""
    hub = HubAccount(secrets["hub"]["username"], hash_password(secrets["hub"]["password"]))
    with Session(engine) as session:
        config = build_broker_config(
            load_devices(session),
            hub,
            codecs=all_codecs(),
            sparkplug_host_id=HOST_ID,
            install_dir=PurePosixPath(out_dir.resolve()),
            policy=policy,
        )
    write_broker_config(config, out_dir)
    return config


# (id, kind, protocol, firmware): both firmware generations of each protocol.
DEVICES = (
    ("locker-0001", "locker", "lockerlink", "1.3.0"),
    ("locker-0002", "locker", "lockerlink", "2.1.0"),
    ("vending-0001", "vending", "sparkplug_b", "2.4.0"),
    ("vending-0002", "vending", "sparkplug_b", "1.0.7"),
    ("door-0001", "door", "osdp", "2.0.1"),
    ("door-0002", "door", "osdp", "1.9.0"),
    ("door-0003", "door", "osdp", "2.0.1"),
    ("door-0004", "door", "osdp", "2.0.1"),
)


def seeded_registry(tmp: Path) -> tuple[Engine, dict[str, Any]]:
    """A migrated registry with :data:`DEVICES`, passwords hashed by our own code, and
    a secrets document laid out as ``hub seed`` writes it."""
    engine = make_engine(f"sqlite:///{tmp / 'hub.db'}")
    upgrade(engine)
    secrets: dict[str, Any] = {
        "devices": {},
        "hub": {"username": "hub", "password": generate_password()},
    }
    with Session(engine) as session:
        city = Node(code="testcity", name="Test City", level="city", path="testcity")
        session.add(city)
        session.flush()
        assert city.id is not None
        for device_id, kind, protocol, firmware in DEVICES:
            password = generate_password()
            secrets["devices"][device_id] = {"username": device_id, "password": password}
            session.add(
                Device(
                    id=device_id,
                    kind=kind,
                    vendor="test",
                    model="test",
                    firmware_version=firmware,
                    protocol=protocol,
                    name=device_id,
                    node_id=city.id,
                    path=city.path,
                    mqtt_password_hash=hash_password(password),
                )
            )
        session.commit()
    return engine, secrets


def fleet(engine: Engine, secrets: dict[str, Any]) -> dict[str, FleetDevice]:
    codecs = all_codecs()
    with Session(engine) as session:
        rows = load_devices(session)
        return {
            row.id: FleetDevice(
                row.id,
                row.kind,
                secrets["devices"][row.id]["password"],
                codecs.resolve(row.protocol, row.firmware_version).device_topics(row.id),
            )
            for row in rows
        }


def disable(engine: Engine, device_id: str) -> None:
    with Session(engine) as session:
        device = session.get(Device, device_id)
        assert device is not None
        device.enabled = False
        session.add(device)
        session.commit()


def require_mosquitto() -> None:
    if not mosquitto_available():
        if os.environ.get("CI"):
            pytest.fail("mosquitto is not installed (CI is set, so this must run)")
        pytest.skip("mosquitto is not installed")


def start_secured(tmp: Path, *, disable_one: bool = True) -> Secured:
    require_mosquitto()
    engine, secrets = seeded_registry(tmp)
    devices = fleet(engine, secrets)
    doors = sorted(d for d, info in devices.items() if info.kind == "door")
    disabled = devices.pop(doors[-1])
    if disable_one:
        disable(engine, disabled.id)
    policy = BrokerPolicy(
        device_listener=Listener(free_port(), "127.0.0.1"),
        hub_listener=Listener(free_port(), "127.0.0.1"),
    )
    out_dir = tmp / "broker-files"
    config = generate(engine, secrets, out_dir, policy)
    broker = SecuredMosquitto(
        workdir=tmp / "mosquitto",
        port=policy.device_listener.port,
        conf_file=out_dir / "mosquitto.conf",
    )
    broker.start()
    return Secured(broker, policy, engine, out_dir, secrets, config, devices, disabled)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """One secured broker for the module: tests use their own hub client ids and close
    their clients, so they do not disturb each other."""
    state = start_secured(tmp_path_factory.mktemp("secured"))
    yield state
    state.broker.stop()
    state.engine.dispose()


@dataclass
class Clients:
    """Connects clients to a secured broker and closes them all at the end of a test."""

    secured: Secured
    opened: list[Probe] = field(default_factory=list)

    def device(
        self,
        device: FleetDevice,
        *,
        client_id: str | None = None,
        mqtt5: bool = True,
        clean: bool = True,
    ) -> Probe:
        port = self.secured.device_port
        return self.raw(port, device.id, device.password, client_id, mqtt5=mqtt5, clean=clean)

    def hub(self, client_id: str) -> Probe:
        s = self.secured
        return self.raw(s.hub_port, s.hub_username, s.hub_password, client_id)

    def raw(
        self,
        port: int,
        username: str | None,
        password: str | None,
        client_id: str | None = None,
        *,
        mqtt5: bool = True,
        clean: bool = True,
    ) -> Probe:
        probe = connect(port, username, password, client_id, mqtt5=mqtt5, clean=clean)
        self.opened.append(probe)
        return probe

    def close(self) -> None:
        for probe in self.opened:
            if not probe.refused:
                probe.close()


@pytest.fixture
def clients(secured: Secured) -> Iterator[Clients]:
    opened = Clients(secured)
    yield opened
    opened.close()
