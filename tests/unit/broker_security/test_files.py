"""Reading the hub account and writing the files (a temporary directory, no broker)."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.broker_security import (
    BrokerConfig,
    BrokerConfigError,
    hub_credentials,
    write_broker_config,
)
from hub.config import Settings

SettingsFactory = Callable[..., Settings]
CONFIG = BrokerConfig("d:1\n", "hub:2\n", "user hub\n", "per_listener_settings true\n", (), ())


def test_the_secrets_file_wins_over_the_environment(
    tmp_path: Path, settings_factory: SettingsFactory
) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"devices": {}, "hub": {"username": "hub", "password": "s3"}}))
    settings = settings_factory(mqtt_username="env-hub", mqtt_password="env-pw")
    found = hub_credentials(path, settings)
    assert (found.username, found.password, found.source) == ("hub", "s3", str(path))
    from_env = hub_credentials(None, settings)
    assert (from_env.username, from_env.password) == ("env-hub", "env-pw")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist"),
        ("not json", "is not JSON"),
        ('{"devices": {}}', "has no hub username and password"),
        ('{"hub": {"username": "hub", "password": ""}}', "has no hub username and password"),
        ('{"hub": ["hub", "pw"]}', "has no hub username and password"),
        ("[1, 2]", "has no hub username and password"),
    ],
)
def test_a_bad_secrets_file_is_an_error(
    tmp_path: Path, settings_factory: SettingsFactory, content: str | None, problem: str
) -> None:
    path = tmp_path / "secrets.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BrokerConfigError, match=problem):
        hub_credentials(path, settings_factory())


def test_no_account_anywhere_is_an_error(settings_factory: SettingsFactory) -> None:
    with pytest.raises(BrokerConfigError, match="no hub account"):
        hub_credentials(None, settings_factory(mqtt_username="hub"))  # no password


def test_files_are_replaced_whole_with_their_modes(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "out"
    write_broker_config(CONFIG, out)
    (out / "acl").write_text("stale\n")
    paths = write_broker_config(CONFIG, out)
    assert [p.name for p in paths] == ["devices.passwd", "hub.passwd", "acl", "mosquitto.conf"]
    assert (out / "acl").read_text() == "user hub\n"
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in paths}
    assert modes == {
        "devices.passwd": 0o600,
        "hub.passwd": 0o600,
        "acl": 0o644,
        "mosquitto.conf": 0o644,
    }
    assert sorted(p.name for p in out.iterdir()) == sorted(modes)  # no staging leftovers


def test_an_unwritable_directory_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(BrokerConfigError, match="cannot write"):
        write_broker_config(CONFIG, blocker / "out")
