"""TLS end to end with a CA made in the test: ``hub broker-config`` writes a TLS listener
for devices and puts the hub's listener on TLS, a real Mosquitto runs the files, a real
hub connects with ``HUB_MQTT_TLS_CA_FILE``, and devices connect over TLS."""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
from pathlib import Path

import pytest

from firmware_protocols.osdp.status import DeviceStatus, encode_status
from hub.cli import main
from tests.integration.broker_security.conftest import (
    STATE_TOPIC,
    SecuredMosquitto,
    fleet,
    require_mosquitto,
    seeded_registry,
)
from tests.integration.broker_security.probes import connect
from tests.support.certificates import Pki, make_test_pki, openssl_available
from tests.support.hub_harness import running_hub
from tests.support.ports import free_port
from tests.support.waiting import async_wait_until, wait_until

pytestmark = pytest.mark.broker

# An MQTT 3.1.1 CONNECT for client id "x", sent in the clear.
PLAIN_CONNECT = bytes([0x10, 13, 0, 4, *b"MQTT", 4, 2, 0, 30, 0, 1, *b"x"])


def _pki(tmp_path: Path) -> Pki:
    if not openssl_available():
        if os.environ.get("CI"):
            pytest.fail("the openssl command is not installed (CI is set, so this must run)")
        pytest.skip("the openssl command is not installed")
    return make_test_pki(tmp_path / "pki")


def _answer_to_plain_mqtt(port: int) -> bytes:
    """What the listener answers a CONNECT sent without TLS, until it closes (or resets)."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(PLAIN_CONNECT)
        try:
            while chunk := sock.recv(4096):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


async def test_devices_and_the_hub_talk_over_tls_with_a_test_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_factory
) -> None:  # type: ignore[no-untyped-def]
    require_mosquitto()
    pki = _pki(tmp_path)
    engine, secrets = seeded_registry(tmp_path)
    devices = fleet(engine, secrets)
    engine.dispose()
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps(secrets))
    device_port, hub_port = free_port(), free_port()
    out = tmp_path / "broker-files"
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("HUB_SECRET_KEY", "tls-test-secret-key")
    arguments = [
        "broker-config",
        "--out", str(out),
        "--secrets", str(secrets_file),
        "--device-listener", "none",
        "--device-tls-listener", f"127.0.0.1:{device_port}",
        "--hub-listener", f"127.0.0.1:{hub_port}",
        "--hub-tls",
        "--tls-certfile", str(pki.broker_cert),
        "--tls-keyfile", str(pki.broker_key),
    ]  # fmt: skip
    assert main(arguments) == 0
    conf = (out / "mosquitto.conf").read_text()
    assert conf.count(f"certfile {pki.broker_cert}") == 2 and "listener 1883" not in conf

    broker = SecuredMosquitto(
        workdir=tmp_path / "mosquitto", port=device_port, conf_file=out / "mosquitto.conf"
    )
    broker.start()
    try:
        settings = settings_factory(
            instance_id="tls-hub",
            mqtt_username=secrets["hub"]["username"],
            mqtt_password=secrets["hub"]["password"],
            mqtt_tls_ca_file=str(pki.ca),
        )
        async with running_hub(settings, f"mqtt://127.0.0.1:{hub_port}") as runtime:
            assert runtime.transport.connected  # the hub's leg, over TLS
            ca = str(pki.ca)
            vending = devices["vending-0001"]
            machine = connect(device_port, vending.id, vending.password, tls_ca=ca)
            door = devices["door-0001"]
            unit = connect(device_port, door.id, door.password, tls_ca=ca)
            try:
                assert not machine.refused and not unit.refused
                # hub > broker > device: the hub's retained Sparkplug STATE
                machine.subscribe(list(vending.topics.subscribe))
                wait_until(
                    lambda: any(m.topic == STATE_TOPIC for m in machine.received()),
                    what="the hub's STATE over TLS",
                )
                # device > broker > hub: a door unit comes online in the hub
                status = DeviceStatus(online=True, ts=int(time.time() * 1000))
                code = unit.publish(f"osdp/{door.id}/status", encode_status(status), retain=True)
                assert not code.is_failure
                await async_wait_until(
                    lambda: runtime.presence.is_online(door.id), what="the door online"
                )
            finally:
                machine.close()
                unit.close()

        # Refused: a device trusting another CA, and MQTT without TLS on the TLS port.
        with pytest.raises(ssl.SSLCertVerificationError):
            connect(device_port, door.id, door.password, tls_ca=str(pki.other_ca))
        assert not _answer_to_plain_mqtt(device_port).startswith(b"\x20")  # no CONNACK
        assert not _answer_to_plain_mqtt(hub_port).startswith(b"\x20")
    finally:
        broker.stop()
