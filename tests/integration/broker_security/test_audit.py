"""``hub security audit`` against real Mosquitto brokers: it passes on the generated
configuration, and fails, naming the checks, on one with ``allow_anonymous true`` and on
one with a catch-all read rule. Registry checks on a registry with problems."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from hub.cli import main
from hub.db.engine import make_engine
from hub.registry.models import Device
from hub.registry.timestamps import utc_now
from hub.registry.tokens import mint_operator_token
from tests.integration.broker_security.conftest import Secured, SecuredMosquitto
from tests.support.ports import free_port

pytestmark = pytest.mark.broker

LIVE_CHECKS = {
    "anonymous-login-refused",
    "wrong-password-refused",
    "device-cannot-read-other-devices-commands",
    "device-cannot-publish-other-devices-uplinks",
    "device-cannot-join-hub-share-group",
    "device-cannot-subscribe-to-everything",
    "device-cannot-publish-hub-state",
}
FILE_CHECKS = {"config-refuses-anonymous", "acl-has-no-catch-all-read"}
REGISTRY_CHECKS = {
    "enabled-devices-have-credentials",
    "disabled-devices-have-no-broker-account",
    "operator-tokens-not-too-old",
}


def _environment(monkeypatch: pytest.MonkeyPatch, secured: Secured, hub_port: int) -> None:
    database = secured.out_dir.parent / "hub.db"
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("HUB_SECRET_KEY", "an audited deployment's secret key")
    monkeypatch.delenv("HUB_SHARE_GROUP", raising=False)
    monkeypatch.setenv("HUB_MQTT_URL", f"mqtt://127.0.0.1:{hub_port}")
    monkeypatch.setenv("HUB_MQTT_USERNAME", secured.hub_username)
    monkeypatch.setenv("HUB_MQTT_PASSWORD", secured.hub_password)


def _audit(
    capsys: pytest.CaptureFixture[str],
    secured: Secured,
    device_port: int,
    broker_config: Path,
    *extra: str,
) -> tuple[int, dict[str, Any]]:
    door, locker = secured.of_kind("door")[0], secured.of_kind("locker")[0]
    code = main(
        [
            "security", "audit", "--json",
            "--device-url", f"mqtt://127.0.0.1:{device_port}",
            "--device", f"{door.id}={door.password}",
            "--device", f"{locker.id}={locker.password}",
            "--broker-config", str(broker_config),
            *extra,
        ]
    )  # fmt: skip
    output = capsys.readouterr().out
    print(output)  # shown when a test fails
    document: dict[str, Any] = json.loads(output)
    return code, document


def _outcomes(document: dict[str, Any]) -> dict[str, str]:
    return {check["check"]: check["outcome"] for check in document["checks"]}


def test_the_generated_configuration_passes_every_check(
    secured: Secured, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _environment(monkeypatch, secured, secured.hub_port)
    code, document = _audit(capsys, secured, secured.device_port, secured.out_dir)
    outcomes = _outcomes(document)
    assert set(outcomes) == LIVE_CHECKS | FILE_CHECKS | REGISTRY_CHECKS
    assert set(outcomes.values()) == {"pass"}, document
    assert code == 0 and document["passed"] is True
    evidence = {c["check"]: c["evidence"] for c in document["checks"]}
    # Mosquitto 2.0 lets a device into a group it names: the hub's is a secret.
    assert "secret" in evidence["device-cannot-join-hub-share-group"]


def _tampered(
    secured: Secured, directory: Path, edit: Callable[[str, str], tuple[str, str]]
) -> tuple[SecuredMosquitto, int, int]:
    """A broker running a copy of the generated files, edited by ``edit(conf, acl)``, on
    ports of its own."""
    shutil.copytree(secured.out_dir, directory)
    conf = (directory / "mosquitto.conf").read_text()
    conf = conf.replace(str(secured.out_dir.resolve()), str(directory.resolve()))
    device_port, hub_port = free_port(), free_port()
    conf = conf.replace(f"listener {secured.device_port} ", f"listener {device_port} ")
    conf = conf.replace(f"listener {secured.hub_port} ", f"listener {hub_port} ")
    conf, acl = edit(conf, (directory / "acl").read_text())
    (directory / "mosquitto.conf").write_text(conf)
    (directory / "acl").write_text(acl)
    broker = SecuredMosquitto(
        workdir=directory / "mosquitto", port=device_port, conf_file=directory / "mosquitto.conf"
    )
    broker.start()
    return broker, device_port, hub_port


def _anonymous(conf: str, acl: str) -> tuple[str, str]:
    # (On the devices' listener use_username_as_clientid still turns away a client with
    # no username; the hub's listener lets it in.)
    return conf.replace("allow_anonymous false", "allow_anonymous true"), acl


def _catch_all_read(conf: str, acl: str) -> tuple[str, str]:
    return conf, "pattern read #\n" + acl


@pytest.mark.parametrize(
    ("edit", "failing"),
    [
        (_anonymous, {"anonymous-login-refused", "config-refuses-anonymous"}),
        (
            _catch_all_read,
            {
                "acl-has-no-catch-all-read",
                "device-cannot-read-other-devices-commands",
                "device-cannot-subscribe-to-everything",
            },
        ),
    ],
    ids=["allow_anonymous-true", "catch-all-read-rule"],
)
def test_a_weakened_configuration_fails_naming_the_checks(
    secured: Secured,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[str, str], tuple[str, str]],
    failing: set[str],
) -> None:
    broker, device_port, hub_port = _tampered(secured, tmp_path / "tampered", edit)
    try:
        _environment(monkeypatch, secured, hub_port)
        code, document = _audit(capsys, secured, device_port, tmp_path / "tampered")
        text_code = main(["security", "audit", "--broker-config", str(tmp_path / "tampered")])
        text = capsys.readouterr().out
    finally:
        broker.stop()
    outcomes = _outcomes(document)
    assert {check for check, outcome in outcomes.items() if outcome == "fail"} == failing
    assert code == 1 and document["passed"] is False
    assert text_code == 1  # the file checks alone, as text
    file_failures = failing & FILE_CHECKS
    assert all(f"FAIL    {check}" in text for check in file_failures)
    assert text.splitlines()[-1].endswith(", ".join(sorted(file_failures)))


def test_registry_problems_fail_their_checks(
    secured: Secured,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A copy of the registry with an old operator token, an enabled device without a
    hash, and a broker password file still holding a disabled device."""
    with (
        closing(sqlite3.connect(secured.out_dir.parent / "hub.db")) as source,
        closing(sqlite3.connect(tmp_path / "hub.db")) as copy,
    ):
        source.backup(copy)
    files = tmp_path / "files"
    shutil.copytree(secured.out_dir, files)
    passwords = files / "devices.passwd"
    passwords.write_text(passwords.read_text() + f"{secured.disabled.id}:$7$101$AAAA$BBBB\n")
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("HUB_SECRET_KEY", "an audited deployment's secret key")
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with Session(engine) as session:
            mint_operator_token(
                session, "testcity", "forgotten", now=utc_now() - timedelta(days=200)
            )
            mint_operator_token(session, "testcity", "recent")
            device = session.get(Device, secured.of_kind("vending")[0].id)
            assert device is not None
            device.mqtt_password_hash = ""
            session.add(device)
            session.commit()
    finally:
        engine.dispose()
    code = main(["security", "audit", "--json", "--broker-config", str(files)])
    document = json.loads(capsys.readouterr().out)
    outcomes = _outcomes(document)
    assert code == 1
    assert {c for c, o in outcomes.items() if o == "fail"} == REGISTRY_CHECKS
    assert {c for c, o in outcomes.items() if o == "skipped"} == LIVE_CHECKS
    evidence = {c["check"]: c["evidence"] for c in document["checks"]}
    assert "'forgotten' (200 days)" in evidence["operator-tokens-not-too-old"]
    assert "'recent'" not in evidence["operator-tokens-not-too-old"]
    assert secured.of_kind("vending")[0].id in evidence["enabled-devices-have-credentials"]
    assert secured.disabled.id in evidence["disabled-devices-have-no-broker-account"]
    assert main(["security", "audit", "--json", "--max-token-age-days", "365"]) == 1
    relaxed = _outcomes(json.loads(capsys.readouterr().out))
    assert relaxed["operator-tokens-not-too-old"] == "pass"
