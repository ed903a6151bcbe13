"""``hub broker-config`` end to end: registry and secrets in, four files out."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from hub.cli import main
from hub.registry.passwords import verify_password
from tests.integration.broker_security.conftest import DEVICES, seeded_registry


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    engine, secrets = seeded_registry(tmp_path)
    engine.dispose()
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("HUB_SECRET_KEY", "broker-config-cli-test-key")
    monkeypatch.delenv("HUB_MQTT_USERNAME", raising=False)
    monkeypatch.delenv("HUB_MQTT_PASSWORD", raising=False)
    return secrets


def test_writes_the_four_files_from_the_registry_and_the_secrets_file(
    tmp_path: Path, registry: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    secrets_path = tmp_path / "secrets.json"
    secrets_path.write_text(json.dumps(registry))
    out = tmp_path / "out"
    assert main(["broker-config", "--out", str(out), "--secrets", str(secrets_path)]) == 0

    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes == {
        "devices.passwd": 0o600,
        "hub.passwd": 0o600,
        "acl": 0o644,
        "mosquitto.conf": 0o644,
    }
    users = [line.partition(":")[0] for line in (out / "devices.passwd").read_text().splitlines()]
    assert users == sorted(device_id for device_id, *_ in DEVICES)
    hub_user, _, hub_hash = (out / "hub.passwd").read_text().strip().partition(":")
    hub = registry["hub"]
    assert isinstance(hub, dict)
    assert hub_user == hub["username"] and verify_password(hub["password"], hub_hash)
    conf = (out / "mosquitto.conf").read_text()
    assert f"password_file {out.resolve()}/devices.passwd" in conf
    assert f"acl_file {out.resolve()}/acl" in conf
    printed = capsys.readouterr().out
    assert f"{len(DEVICES)} devices" in printed and hub["password"] not in printed


def test_takes_the_hub_account_from_the_environment_and_an_install_dir(
    tmp_path: Path, registry: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_MQTT_USERNAME", "hub-prod")
    monkeypatch.setenv("HUB_MQTT_PASSWORD", "from-the-environment")
    out = tmp_path / "out"
    argv = ["broker-config", "--out", str(out), "--install-dir", "/etc/mosquitto/hub"]
    argv += ["--device-listener", "0.0.0.0:8883", "--hub-listener", "10.0.0.5:1884"]
    assert main(argv) == 0
    hub_user, _, hub_hash = (out / "hub.passwd").read_text().strip().partition(":")
    assert hub_user == "hub-prod" and verify_password("from-the-environment", hub_hash)
    conf = (out / "mosquitto.conf").read_text()
    assert "password_file /etc/mosquitto/hub/devices.passwd" in conf
    assert "listener 8883 0.0.0.0" in conf and "listener 1884 10.0.0.5" in conf
    assert "user hub-prod" in (out / "acl").read_text()


def test_without_a_hub_account_it_fails_and_writes_nothing(
    tmp_path: Path, registry: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["broker-config", "--out", str(out)]) == 2
    assert "no hub account" in capsys.readouterr().err
    assert not out.exists()
    missing = tmp_path / "missing.json"
    assert main(["broker-config", "--out", str(out), "--secrets", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_refuses_listeners_on_one_port(tmp_path: Path, registry: dict[str, object]) -> None:
    argv = ["broker-config", "--out", str(tmp_path / "out"), "--hub-listener", "1883"]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
