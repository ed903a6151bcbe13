"""Our ``$7$`` hashes against Mosquitto itself: its ``mosquitto_passwd`` and its broker."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from hub.registry.passwords import generate_password, hash_password, verify_password
from tests.support.broker import PrivateMosquitto, mosquitto_available
from tests.support.waiting import wait_until

pytestmark = pytest.mark.broker


def _require(available: bool, what: str) -> None:
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed (CI is set, so this must run)")
        pytest.skip(f"{what} is not installed")


def test_we_verify_what_mosquitto_passwd_writes(tmp_path: Path) -> None:
    tool = shutil.which("mosquitto_passwd")
    _require(tool is not None, "mosquitto_passwd")
    assert tool is not None
    password = generate_password()
    passwd_file = tmp_path / "passwd"
    subprocess.run([tool, "-c", "-b", str(passwd_file), "locker-0001", password], check=True)
    user, _, encoded = passwd_file.read_text().strip().partition(":")
    assert user == "locker-0001"
    assert encoded.startswith("$7$")
    assert verify_password(password, encoded)
    assert not verify_password(password + "x", encoded)


def _connect(port: int, username: str, password: str) -> ReasonCode:
    outcome: list[ReasonCode] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=username)
    client.username_pw_set(username, password)
    client.on_connect = lambda _c, _u, _f, reason, _p: outcome.append(reason)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        return wait_until(lambda: outcome[0] if outcome else None, what="CONNACK")
    finally:
        client.disconnect()
        client.loop_stop()


def test_mosquitto_accepts_our_hashes(tmp_path: Path) -> None:
    _require(mosquitto_available(), "mosquitto")
    password = generate_password()
    passwd_file = tmp_path / "passwd"
    passwd_file.write_text(f"vending-0007:{hash_password(password)}\n")
    passwd_file.chmod(0o600)
    broker = PrivateMosquitto(
        workdir=tmp_path / "broker", anonymous=False, extra_config=f"password_file {passwd_file}"
    )
    with broker:
        assert _connect(broker.port, "vending-0007", password).is_failure is False
        assert _connect(broker.port, "vending-0007", password[:-1]).is_failure is True
